"""Partner suggestions with explanations, and the backtest on a graph whose answer is known."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from munigraph import suggest as sg

GOV = "https://w3id.org/munigraph/id/gov/"


def test_trakai_is_a_candidate_for_koszalin_before_2019_through_ivano_frankivsk(mg):
    run = mg("suggest", "Koszalin", "--as-of", "2019-01-01", "--format", "json")
    assert run.code == 0, run.err
    rows = {r["id"]: r for r in json.loads(run.out)}
    trakai = rows[GOV + "lt/trakai-district"]
    assert trakai["shared_partners"] == [GOV + "ua/ivano-frankivsk"]
    assert "Ivano-Frankivsk" in trakai["explanation"] and "Koszalin" in trakai["explanation"]
    text = mg("suggest", "Koszalin", "--as-of", "2019-01-01").out
    assert "Trakai District Municipality (LT)" in text and "shares City of Ivano-Frankivsk with City of Koszalin" in text


def test_already_linked_and_filters(mg):
    now = {r["id"] for r in json.loads(mg("suggest", "Koszalin", "--top", "100", "--format", "json").out)}
    assert GOV + "lt/trakai-district" not in now  # a partner today
    assert GOV + "ua/ivano-frankivsk" not in now
    polish = json.loads(mg("suggest", "Koszalin", "--top", "100", "--candidate-country", "PL", "--format", "json").out)
    assert polish and all(r["country"] == "PL" for r in polish)
    for method in ("adamic-adar", "resource-allocation", "jaccard"):
        rows = json.loads(mg("suggest", "Koszalin", "--method", method, "--format", "json").out)
        assert rows and all(r["method"] == method and r["score"] > 0 for r in rows)


def test_scores_on_a_small_graph():
    g = nx.Graph()
    g.add_edges_from([("u", "x"), ("u", "y"), ("v", "x"), ("v", "y"), ("w", "x"), ("x", "z")])
    for n in g:
        g.nodes[n]["label"] = n.upper()
    rows = {r["id"]: r for r in sg.suggest(g, "u", method="common")}
    assert rows["v"]["score"] == 2 and rows["w"]["score"] == 1 and rows["z"]["score"] == 1
    assert rows["v"]["explanation"] == "shares X and Y with U"
    aa = {r["id"]: r["score"] for r in sg.suggest(g, "u", method="adamic-adar")}
    assert aa["v"] == pytest.approx(1 / __import__("math").log(4) + 1 / __import__("math").log(2))
    ra = {r["id"]: r["score"] for r in sg.suggest(g, "u", method="resource-allocation")}
    assert ra["v"] == pytest.approx(1 / 4 + 1 / 2)
    jac = {r["id"]: r["score"] for r in sg.suggest(g, "u", method="jaccard")}
    assert jac["v"] == pytest.approx(2 / 2)


def _temporal_graph() -> nx.Graph:
    """Before 2010: A and B share X and Y; C shares X with both; D–Z and E–Z are a separate pair.
    From 2010 on: A–B (the pair with most shared partners) and D–E (one shared partner)."""
    g = nx.Graph()
    for a, b, start in [("A", "X", "2001"), ("B", "X", "2002"), ("A", "Y", "2003"), ("B", "Y", "2004"), ("C", "X", "2005"),
                        ("D", "Z", "2006"), ("E", "Z", "2007"), ("A", "B", "2012"), ("D", "E", "2015"), ("C", "Q", "")]:
        g.add_edge(a, b, start=start, status="active")
    for n in g:
        g.nodes[n].update(label=n, country="XA")
    return g


def test_backtest_gives_the_known_precision_and_beats_random():
    report = sg.backtest(_temporal_graph(), before=2010, ks=[1, 2, 3], seed=1)
    assert report["training_partnerships"] == 7 and report["training_nodes"] == 8
    assert report["test_pairs"] == 8 * 7 // 2 - 7 and report["positives"] == 2
    common = report["methods"]["common"]
    # A–B scores 2 (X, Y) and ranks first; D–E and the pairs through X score 1: D–E's rank among the ties is seeded
    assert common["precision"]["1"] == 1.0 and common["recall"]["1"] == 0.5
    assert common["recall"]["3"] >= 0.5
    assert common["auc"] > report["methods"]["random"]["auc"] == 0.5
    assert report["methods"]["random"]["expected_precision"] == pytest.approx(2 / 21)
    # the pair with unknown start (C–Q) is left out on both sides: Q is not among the 8 training nodes
    train, later = sg.split(_temporal_graph(), 2010)
    assert "Q" not in train and frozenset(("C", "Q")) not in later


def test_backtest_through_the_cli(mg):
    run = mg("suggest", "--evaluate", "--before", "2010", "--k", "5", "--format", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert set(report["methods"]) == {"common", "adamic-adar", "resource-allocation", "jaccard", "random"}
    assert report["test_pairs"] > report["positives"] > 0
    missing = mg("suggest", "--evaluate")
    assert missing.code != 0 and "--before YEAR" in missing.err


@pytest.mark.parametrize("as_of", [None, "2019-01-01"])
def test_two_hop_projection_gives_the_same_suggestions(store, as_of):
    import datetime as dt
    from munigraph import network as net
    koszalin = GOV + "pl/koszalin"
    day = dt.date.fromisoformat(as_of) if as_of else None
    full = net.project(store, net.Projection(as_of=day))
    near = net.project(store, net.Projection(as_of=day, around=koszalin))
    assert set(near.edges()) <= set(full.edges())
    for method in ("common", "adamic-adar", "resource-allocation"):
        assert sg.suggest(near, koszalin, method=method, top=100) == sg.suggest(full, koszalin, method=method, top=100)
