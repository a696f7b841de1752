"""The partnership network: figures equal networkx's own, paths, exports, --write, and the same on a remote endpoint."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from munigraph import network as net

GOV = "https://w3id.org/munigraph/id/gov/"


def _labelled(graph: nx.Graph) -> nx.Graph:
    for n in graph.nodes():
        graph.nodes[n].update(label=f"n{n}", country="XA" if int(n) % 2 else "XB")
    return nx.relabel_nodes(graph, {n: str(n) for n in graph.nodes()})


@pytest.mark.parametrize("graph", [nx.karate_club_graph(), nx.les_miserables_graph(), nx.barabasi_albert_graph(200, 2, seed=1)],
                         ids=["karate", "les-miserables", "barabasi-albert"])
def test_every_figure_equals_networkx(graph):
    g = _labelled(nx.Graph(nx.convert_node_labels_to_integers(graph)))
    f = net.stats(g, top=5, seed=7)
    largest = g.subgraph(max(nx.connected_components(g), key=len))
    assert f["nodes"] == g.number_of_nodes() and f["edges"] == g.number_of_edges()
    assert f["components"] == nx.number_connected_components(g)
    assert f["largest_component"]["nodes"] == largest.number_of_nodes()
    assert f["density"] == pytest.approx(nx.density(g))
    assert f["average_degree"] == pytest.approx(2 * g.number_of_edges() / g.number_of_nodes())
    assert f["max_degree"] == max(d for _, d in g.degree())
    assert f["average_clustering"] == pytest.approx(nx.average_clustering(g))
    assert f["transitivity"] == pytest.approx(nx.transitivity(g))
    assert f["degree_assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(g))
    assert f["mean_shortest_path"] == pytest.approx(nx.average_shortest_path_length(largest))
    assert f["diameter"] == nx.diameter(largest)
    betweenness = nx.betweenness_centrality(g)
    top = max(betweenness, key=lambda n: (betweenness[n], -int(n)))
    assert f["centrality"]["betweenness"][0]["value"] == pytest.approx(betweenness[top], abs=1e-6)
    eigen = nx.eigenvector_centrality(g, max_iter=1000, tol=1e-8)
    assert f["centrality"]["eigenvector"][0]["value"] == pytest.approx(max(eigen.values()), abs=1e-5)
    degree_top = sorted(g.degree(), key=lambda kv: -kv[1])[0][1]
    assert f["centrality"]["degree"][0]["value"] == degree_top
    communities = nx.community.louvain_communities(g, seed=7)
    assert f["communities"]["count"] == len(communities)
    assert f["communities"]["modularity"] == pytest.approx(nx.community.modularity(g, communities))
    assert sum(c["size"] for c in f["communities"]["largest"]) <= g.number_of_nodes()


def test_large_graphs_are_sampled_with_stated_size_and_seed():
    g = _labelled(nx.barabasi_albert_graph(400, 2, seed=3))
    f = net.stats(g, sample=50, seed=5, exact_limit=100)
    assert f["path_method"] == {"method": "sampled", "sources": 50, "seed": 5, "engine": "igraph",
                                "note": "mean over BFS from sampled sources; diameter is a lower bound"}
    assert f["betweenness_method"] == {"method": "sampled", "k": 50, "seed": 5, "engine": "igraph"}
    exact = nx.betweenness_centrality(g)
    top_exact = sorted(exact, key=exact.get, reverse=True)[:5]
    top_sampled = [row["id"] for row in f["centrality"]["betweenness"]]
    assert len(set(top_exact) & set(top_sampled)) >= 3  # the estimate finds the same hubs
    assert f["centrality"]["betweenness"][0]["value"] == pytest.approx(max(exact.values()), rel=0.35)
    assert abs(f["mean_shortest_path"] - nx.average_shortest_path_length(g)) < 0.5
    assert f["diameter"] <= nx.diameter(g)
    assert net.stats(g, sample=50, seed=5, exact_limit=100)["mean_shortest_path"] == f["mean_shortest_path"]  # reproducible
    # on large graphs clustering, transitivity and assortativity come from igraph: the same values as networkx's
    assert f["average_clustering"] == pytest.approx(nx.average_clustering(g))
    assert f["transitivity"] == pytest.approx(nx.transitivity(g))
    assert f["degree_assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(g))
    assert f["communities"]["modularity"] > 0.3


def test_koszalin_degree_is_its_number_of_active_partners(mg):
    figures = json.loads(mg("network", "stats", "--format", "json", "--top", "50").out)
    degree = {row["id"]: row["value"] for row in figures["centrality"]["degree"]}
    partners = mg("query", "partners", "--param", "municipality=Koszalin", "--format", "csv").csv()
    active = {r["partner"] for r in partners if r["status"].endswith("status-active")}
    assert degree[GOV + "pl/koszalin"] == len(active)
    assert figures["statuses"] == "active"


def test_path_koszalin_trakai_before_2019_goes_through_ivano_frankivsk(mg):
    run = mg("network", "path", "Koszalin", "Trakai", "--as-of", "2019-01-01", "--format", "json")
    assert run.code == 0, run.err
    chains = json.loads(run.out)
    first = chains[0]
    assert [n["id"] for n in first["nodes"]] == [GOV + "pl/koszalin", GOV + "ua/ivano-frankivsk", GOV + "lt/trakai-district"]
    assert first["hops"][0]["start"] == "2010-05" and first["hops"][0]["status"] == "active"
    assert "koszalin.pl" in first["hops"][1]["sources"]
    text = mg("network", "path", "Koszalin", "Trakai", "--as-of", "2019-01-01").out
    assert "City of Koszalin – City of Ivano-Frankivsk – Trakai District Municipality" in text
    # today they are partners: one hop
    assert json.loads(mg("network", "path", "Koszalin", "Trakai", "--format", "json").out)[0]["length"] == 1


def test_as_of_and_status_filters(mg):
    now = json.loads(mg("network", "stats", "--format", "json").out)
    before = json.loads(mg("network", "stats", "--format", "json", "--as-of", "2015-01-01").out)
    everything = json.loads(mg("network", "stats", "--format", "json", "--status", "all").out)
    assert before["edges"] < now["edges"] < everything["edges"]
    polish = json.loads(mg("network", "stats", "--format", "json", "--country", "PL").out)
    assert 0 < polish["edges"] < now["edges"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_keep_attributes(mg, tmp_path, fmt):
    out = tmp_path / f"network.{fmt}"
    run = mg("network", "export", "--format", fmt, "--out", str(out))
    assert run.code == 0, run.err
    graph = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(out)
    koszalin = GOV + "pl/koszalin"
    assert graph.nodes[koszalin]["label"] == "City of Koszalin" and graph.nodes[koszalin]["country"] == "PL"
    assert float(graph.nodes[koszalin]["lat"]) == pytest.approx(54.19, abs=0.1)
    edge = graph.edges[koszalin, GOV + "lt/trakai-district"]
    assert edge["start"] == "2019-12-02" and edge["status"] == "active" and "koszalin.pl" in edge["sources"]


def test_csv_export(mg, tmp_path):
    run = mg("network", "export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert run.code == 0, run.err
    nodes = (tmp_path / "csv" / "nodes.csv").read_text().splitlines()
    edges = (tmp_path / "csv" / "edges.csv").read_text().splitlines()
    assert nodes[0] == "id,label,country,lat,lon,degree" and edges[0] == "source,target,partnership,start,end,status,sources"
    assert len(edges) - 1 == json.loads(mg("network", "stats", "--format", "json").out)["edges"]


def test_write_stores_figures_for_sparql(tmp_path):
    from conftest import run_cli
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", check=True)
    run = run_cli("--store", str(store), "network", "stats", "--write", "--seed", "3", "--format", "json")
    assert run.code == 0, run.err
    query = tmp_path / "central.rq"
    query.write_text("""SELECT DISTINCT ?partner ?b WHERE {
      ?city mg:country <https://w3id.org/munigraph/id/country/pl> ; mg:twinnedWith ?partner .
      GRAPH mgg:network { ?partner mg:betweennessCentrality ?b } } ORDER BY DESC(?b) LIMIT 10""")
    rows = run_cli("--store", str(store), "query", "--file", str(query), "--format", "csv").csv()
    assert rows[0]["partner"] == GOV + "ua/ivano-frankivsk"
    params = tmp_path / "params.rq"
    params.write_text("SELECT ?p ?t WHERE { GRAPH mgg:network { ?a a mg:NetworkAnalysis ; mg:analysisParameters ?p ; prov:endedAtTime ?t } }")
    found = run_cli("--store", str(store), "query", "--file", str(params), "--format", "csv").csv()
    assert len(found) == 1 and '"seed": 3' in found[0]["p"]
    # writing again replaces, never accumulates
    run_cli("--store", str(store), "network", "stats", "--write", check=True)
    count = tmp_path / "count.rq"
    count.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s mg:degree ?d }")
    per_node = int(run_cli("--store", str(store), "query", "--file", str(count), "--format", "csv").csv()[0]["n"])
    assert per_node == json.loads(run.out)["nodes"]


def test_the_same_on_a_remote_endpoint(mg, live):
    local = json.loads(mg("network", "stats", "--format", "json").out)
    remote = json.loads(mg("--endpoint", live.url + "/sparql", "network", "stats", "--format", "json").out)
    assert remote == local
    path = json.loads(mg("--endpoint", live.url + "/sparql", "network", "path", "Koszalin", "Trakai", "--as-of", "2019-01-01", "--format", "json").out)
    assert path[0]["nodes"][1]["id"] == GOV + "ua/ivano-frankivsk"


# --- the network index that the build saves -----------------------------------------------------

def _signature(graph: nx.Graph):
    return (sorted((n, sorted(d.items())) for n, d in graph.nodes(data=True)),
            sorted((sorted((a, b)), sorted(d.items())) for a, b, d in graph.edges(data=True)), graph.graph)


KOSZALIN = GOV + "pl/koszalin"


@pytest.mark.parametrize("options", [
    {}, {"statuses": set()}, {"as_of": "2019-01-01"}, {"as_of": "2022-06-01", "statuses": set()},
    {"as_of": "2010-01-01", "statuses": {"active", "suspended"}}, {"countries": {"PL"}}, {"lang": "pl"},
    {"around": KOSZALIN}, {"around": KOSZALIN, "as_of": "2019-01-01"}, {"around": GOV + "lt/trakai-district", "statuses": set()},
], ids=lambda options: str({k: sorted(v) if isinstance(v, set) else v for k, v in options.items()}))  # sets sorted: the same ids in every process
def test_saved_index_gives_the_same_network_as_the_query(store, options):
    import datetime as dt
    assert net.index_path(store.location).is_file()
    if "as_of" in options:
        options = {**options, "as_of": dt.date.fromisoformat(options["as_of"])}
    projection = net.Projection(**options)
    from_index = net.project(store, projection)
    from_query = net.graph_from_index(net.fetch_index(store, projection.around), projection)
    assert from_index.number_of_edges() > 0
    assert _signature(from_index) == _signature(from_query)


def test_index_follows_the_builds(tmp_path):
    """Each build saves its own index (and its findings); a failed build leaves the previous ones; removed builds
    lose theirs."""
    from conftest import FIXTURES, ROOT, run_cli
    from munigraph.store import current_build
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", check=True)
    first = net.index_path(current_build(store))
    assert first.is_file()
    bad = tmp_path / "data"
    bad.mkdir()
    (bad / "broken.ttl").write_text("<a> <b> .\n")
    assert run_cli("--store", str(store), "build", "--data", str(ROOT / "data"), "--data", str(bad)).code != 0
    findings = first.name.replace(".network.sqlite", ".findings.json")
    assert sorted(p.name for p in (store / "index").iterdir()) == [findings, first.name]
    run_cli("--store", str(store), "build", "--full", check=True)
    run_cli("--store", str(store), "build", "--full", check=True)
    second = net.index_path(current_build(store))
    # the store keeps the current build and the one before it, and the index of each, nothing else
    assert len(list((store / "builds").iterdir())) == 2 and not first.exists() and second.is_file()
    assert len(list((store / "index").iterdir())) == 4 and not (first.parent / findings).exists()


def test_without_the_index_the_query_answers(tmp_path):
    """A store changed in place (a SPARQL update) drops its index; the commands then run the projection query."""
    from conftest import run_cli
    from munigraph.store import current_build
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", check=True)
    with_index = run_cli("--store", str(store), "network", "stats", "--as-of", "2019-01-01", "--format", "json", check=True).out
    net.drop_index(current_build(store))
    assert not net.index_path(current_build(store)).exists()
    assert run_cli("--store", str(store), "network", "stats", "--as-of", "2019-01-01", "--format", "json", check=True).out == with_index


def test_an_update_through_the_server_is_seen_by_the_network_commands(tmp_path):
    """The saved index would be stale after a SPARQL update: the server drops it, so the new partnership counts."""
    import httpx
    from conftest import LiveServer, run_cli
    from munigraph.store import current_build
    store = tmp_path / "store"
    run_cli("--store", str(store), "build", check=True)
    before = json.loads(run_cli("--store", str(store), "network", "stats", "--format", "json", check=True).out)
    server = LiveServer(store, "--allow-update", env={"MUNIGRAPH_UPDATE_TOKEN": "index-token"})
    try:
        update = f"""PREFIX mg: <https://w3id.org/munigraph/ontology#>
        INSERT DATA {{ <urn:test:p> a mg:Partnership ; mg:partner <{GOV}pl/koszalin> , <{GOV}ua/kolomyia> ;
                       mg:currentStatus <https://w3id.org/munigraph/vocab/status-active> . }}"""
        r = httpx.post(server.url + "/sparql", content=update.encode(),
                       headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer index-token"})
        assert r.status_code == 204, r.text
    finally:
        server.stop()
    assert not net.index_path(current_build(store)).exists()
    from munigraph.validate import findings_path
    assert not findings_path(current_build(store)).exists()  # the next incremental build validates everything
    after = json.loads(run_cli("--store", str(store), "network", "stats", "--format", "json", check=True).out)
    assert after["edges"] == before["edges"] + 1
