"""Partner suggestions by triadic closure, with explanations, and a backtest on the graph's own history.

Scores of a candidate v for a municipality u, with N(x) the partners of x in the network:
  common               |N(u) ∩ N(v)|
  adamic-adar          Σ over shared partners w of 1 / log(deg w)
  resource-allocation  Σ over shared partners w of 1 / deg w
  jaccard              |N(u) ∩ N(v)| / |N(u) ∪ N(v)|
Only candidates that share at least one partner with u can score above zero, so only they are listed.

Backtest (`suggest --evaluate --before YEAR`): the partnerships whose start year is known are split by it. Those that
started before YEAR are the training network; the nodes present then are the nodes with a training partnership.
Every pair of those nodes not linked in training is a test pair; it is positive when the pair's partnership started
in or after YEAR. Each method scores all test pairs on the training network; ties are broken by a seeded random
order (the same for every method). Reported: precision@k and recall@k of the top k pairs, and ROC AUC (the chance
that a positive pair outscores a negative one, ties counting half), next to a random baseline with the same seed.
Partnerships with unknown start cannot be placed in time and are left out of both sides.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right

import networkx as nx
from rich.console import Console
from rich.table import Table

from .vocab import MG

METHODS = ("common", "adamic-adar", "resource-allocation", "jaccard")


def _score(graph: nx.Graph, u, v, shared, method: str) -> float:
    if method == "common":
        return float(len(shared))
    if method == "adamic-adar":
        return sum(1.0 / math.log(graph.degree(w)) for w in shared if graph.degree(w) > 1)
    if method == "resource-allocation":
        return sum(1.0 / graph.degree(w) for w in shared)
    if method == "jaccard":
        union = set(graph[u]) | set(graph[v])
        return len(shared) / len(union) if union else 0.0
    raise ValueError(method)


def _names(graph: nx.Graph, nodes) -> str:
    labels = sorted(graph.nodes[w].get("label", w) for w in nodes)
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def suggest(graph: nx.Graph, target: str, method: str = "common", top: int = 10, exclude: set | None = None,
            countries: set | None = None) -> list[dict]:
    if target not in graph:
        return []
    exclude = set(exclude or ()) | set(graph[target]) | {target}
    candidates: dict[str, set] = {}
    for w in graph[target]:
        for v in graph[w]:
            if v not in exclude:
                candidates.setdefault(v, set()).add(w)
    scored = []
    for v, shared in candidates.items():
        if countries and graph.nodes[v].get("country") not in countries:
            continue
        scored.append((-_score(graph, target, v, shared, method), graph.nodes[v].get("label", v), v))
    scored.sort()
    me = graph.nodes[target].get("label", target)
    rows = []
    for negative, label, v in scored[:top]:  # the words only for the candidates shown (a hub has thousands)
        shared = candidates[v]
        rows.append({
            "id": v, "label": label, "country": graph.nodes[v].get("country", ""),
            "score": -negative, "method": method,
            "shared_partners": sorted(shared),
            "explanation": f"shares {_names(graph, shared)} with {me}",
        })
    return rows


def linked_ever(store, target: str, as_of=None) -> set[str]:
    """Local governments with a partnership with `target` of any status (that had started by `as_of`, if given)."""
    rows = store.select(f"""
        SELECT DISTINCT ?other ?start WHERE {{
          ?p a <{MG}Partnership> ; <{MG}partner> <{target}> , ?other .
          FILTER(?other != <{target}>)
          OPTIONAL {{ ?p <{MG}startSortDate> ?start }}
        }}""").rows
    out = set()
    for other, start in rows:
        if as_of is None or start is None or str(start) <= as_of.isoformat():
            out.add(str(other))
    return out


# --- backtest -------------------------------------------------------------------------------------

def _auc(positive_scores: list[float], negative_scores: list[float]) -> float | None:
    if not positive_scores or not negative_scores:
        return None
    negatives = sorted(negative_scores)
    wins = 0.0
    for s in positive_scores:
        below = bisect_left(negatives, s)
        ties = bisect_right(negatives, s) - below
        wins += below + 0.5 * ties
    return wins / (len(positive_scores) * len(negatives))


def split(graph: nx.Graph, before: int) -> tuple[nx.Graph, set]:
    train = nx.Graph()
    later = set()
    for a, b, data in graph.edges(data=True):
        start = data.get("start") or ""
        if len(start) < 4 or not start[:4].isdigit():
            continue
        if int(start[:4]) < before:
            train.add_node(a, **graph.nodes[a])
            train.add_node(b, **graph.nodes[b])
            train.add_edge(a, b, **data)
        else:
            later.add(frozenset((a, b)))
    return train, later


def backtest(graph: nx.Graph, before: int, ks: list[int] | None = None, seed: int = 42) -> dict:
    ks = sorted(set(ks or [10, 50, 100]))
    train, later = split(graph, before)
    nodes = sorted(train.nodes())
    present = set(nodes)
    positives = {pair for pair in later if pair <= present and not train.has_edge(*pair)}
    total_pairs = len(nodes) * (len(nodes) - 1) // 2 - train.number_of_edges()
    rng = random.Random(seed)
    # every test pair: those with a shared partner are scored, the rest score 0 for every closure method
    scored_pairs = set()
    for w in nodes:
        neighbours = sorted(train[w])
        for i, u in enumerate(neighbours):
            for v in neighbours[i + 1:]:
                if not train.has_edge(u, v):
                    scored_pairs.add((u, v) if u < v else (v, u))
    # one seeded tie-break order for all methods; the pairs without any shared partner come after, in that order too
    pair_list = sorted(scored_pairs)
    tiebreak = {pair: rng.random() for pair in pair_list}
    zero_positives = sum(1 for pair in positives if tuple(sorted(pair)) not in scored_pairs)
    zero_negatives = (total_pairs - len(pair_list)) - zero_positives
    report = {"before": before, "seed": seed, "training_partnerships": train.number_of_edges(), "training_nodes": len(nodes),
              "test_pairs": total_pairs, "positives": len(positives), "ks": ks, "methods": {}}
    is_positive = {tuple(sorted(pair)) for pair in positives}
    for method in METHODS:
        scores = {pair: _score(train, pair[0], pair[1], set(train[pair[0]]) & set(train[pair[1]]), method) for pair in pair_list}
        ranking = sorted(pair_list, key=lambda p: (-scores[p], tiebreak[p]))
        report["methods"][method] = _metrics(ranking, scores, is_positive, zero_positives, zero_negatives, ks, len(positives))
    # random baseline: every test pair ranked by a seeded random draw
    random_rng = random.Random(seed + 1)
    hits_at = {}
    positives_total = len(positives)
    # the expected precision of a random ranking is the share of positives; draw it for the stated seed
    sample_ranking = random_rng.sample(range(total_pairs), min(total_pairs, max(ks) if ks else 0)) if total_pairs else []
    positive_ids = set(random_rng.sample(range(total_pairs), positives_total)) if total_pairs and positives_total <= total_pairs else set()
    for k in ks:
        top = sample_ranking[:k]
        hits = sum(1 for x in top if x in positive_ids)
        hits_at[k] = hits
    report["methods"]["random"] = {
        "precision": {str(k): (hits_at[k] / k if k else 0.0) for k in ks},
        "recall": {str(k): (hits_at[k] / positives_total if positives_total else 0.0) for k in ks},
        "auc": 0.5 if positives_total and total_pairs > positives_total else None,
        "expected_precision": (positives_total / total_pairs) if total_pairs else 0.0,
    }
    return report


def _metrics(ranking, scores, is_positive, zero_positives, zero_negatives, ks, positives_total) -> dict:
    precision, recall = {}, {}
    for k in ks:
        top = ranking[:k]
        hits = sum(1 for p in top if p in is_positive)
        # when k goes past the scored pairs, the rest of the top k are zero-score pairs: count their expected hits
        if k > len(ranking) and (zero_positives + zero_negatives):
            extra = k - len(ranking)
            hits += min(extra, zero_positives + zero_negatives) * zero_positives / (zero_positives + zero_negatives)
        precision[str(k)] = hits / k if k else 0.0
        recall[str(k)] = hits / positives_total if positives_total else 0.0
    pos = [scores[p] for p in ranking if p in is_positive] + [0.0] * zero_positives
    neg = [scores[p] for p in ranking if p not in is_positive] + [0.0] * max(0, zero_negatives)
    return {"precision": precision, "recall": recall, "auc": _auc(pos, neg)}


def print_backtest(report: dict, console: Console) -> None:
    console.print(f"Backtest: partnerships before {report['before']} predict those from {report['before']} on "
                  f"({report['training_partnerships']} training partnerships, {report['training_nodes']} nodes, "
                  f"{report['test_pairs']} test pairs, {report['positives']} positive; seed {report['seed']})", markup=False)
    table = Table(header_style="bold")
    table.add_column("method")
    for k in report["ks"]:
        table.add_column(f"precision@{k}", justify="right")
        table.add_column(f"recall@{k}", justify="right")
    table.add_column("ROC AUC", justify="right")
    for method, m in report["methods"].items():
        cells = []
        for k in report["ks"]:
            cells += [f"{m['precision'][str(k)]:.3f}", f"{m['recall'][str(k)]:.3f}"]
        cells.append("–" if m["auc"] is None else f"{m['auc']:.3f}")
        table.add_row(method, *cells)
    console.print(table)
