"""The command line as a user meets it: help, formats, stdout for results and stderr for messages."""

from __future__ import annotations

import json

from conftest import run_cli


def test_help_lists_commands():
    run = run_cli("--help")
    assert run.code == 0
    for command in ("build", "validate", "info", "queries", "query"):
        assert command in run.out
    assert run_cli("query", "--help").out.count("--format") >= 1


def test_queries_lists_names_and_parameters():
    run = run_cli("queries", "--format", "json")
    assert run.code == 0
    catalog = {q["name"]: q for q in json.loads(run.out)}
    assert set(catalog) >= {"partners", "shared-partners", "introducers", "timeline", "signatories", "officials",
                            "partner-ranking", "ended-partnerships", "sources", "conflicts"}
    assert [p["name"] for p in catalog["shared-partners"]["params"]] == ["a", "b"]
    assert catalog["partners"]["params"][1] == {"name": "date", "type": "date", "required": False, "default": None,
                                                "multiple": False, "description": catalog["partners"]["params"][1]["description"]}
    assert all(q["summary"] and q["description"] for q in catalog.values())
    text = run_cli("queries")
    assert "--param municipality=<municipality>" in text.out


def test_results_on_stdout_messages_on_stderr(mg):
    run = mg("query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "json")
    data = json.loads(run.out)  # nothing but JSON on stdout
    assert data["head"]["vars"][:2] == ["partner", "partnerLabel"]
    assert data["results"]["bindings"][0]["partner"]["type"] == "uri"
    tsv = mg("query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki", "--format", "tsv")
    assert tsv.out.splitlines()[0].split("\t")[:2] == ["partner", "partnerLabel"]
    table = mg("query", "shared-partners", "--param", "a=Koszalin", "--param", "b=Troki")
    assert "Ivano-Frankivsk" in table.out and "1 row(s)" in table.out
    error = mg("query", "partners")
    assert error.code == 2 and error.out == "" and error.err.startswith("munigraph: error:")


def test_construct_from_file_as_turtle(mg, tmp_path):
    query = tmp_path / "c.rq"
    query.write_text("CONSTRUCT { ?a mg:twinnedWith ?b } WHERE { ?a mg:twinnedWith ?b . "
                     "FILTER(?a = <https://w3id.org/munigraph/id/gov/pl/koszalin>) }", encoding="utf-8")
    run = mg("query", "--file", str(query), "--format", "turtle")
    assert run.code == 0, run.err
    from rdflib import Graph, URIRef
    graph = Graph().parse(data=run.out, format="turtle")
    koszalin = URIRef("https://w3id.org/munigraph/id/gov/pl/koszalin")
    trakai = URIRef("https://w3id.org/munigraph/id/gov/lt/trakai-district")
    assert (koszalin, URIRef("https://w3id.org/munigraph/ontology#twinnedWith"), trakai) in graph
    assert len(graph) >= 14
