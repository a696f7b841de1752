"""Pictures of the partnership network: a municipality's partner network, a map of its partners, the
timeline of one partnership, and the degree distribution.

Every picture is drawn with matplotlib's Agg machinery (no display, no network), in DejaVu Sans (bundled with
matplotlib, so Polish, Lithuanian and Ukrainian letters render), at exactly the requested size in pixels, with
a title and a legend. Layouts are seeded, so the same store gives the same picture. The format follows the
suffix of the output file (.png or .svg; SVG keeps its text as text). Files are written atomically: to a
temporary file beside the target, then renamed over it.

Sizes: the figure is drawn at a fixed DPI of 96 (the CSS pixel), so a PNG has exactly width × height pixels
and an SVG is width × 0.75 by height × 0.75 points wide (matplotlib writes SVG sizes in pt), which is the
same width × height in CSS pixels.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # never take over a backend someone else chose (a notebook, say)
    matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.patheffects as pe  # noqa: E402
import networkx as nx  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator  # noqa: E402

from .errors import MunigraphError  # noqa: E402

DPI = 96
SEED = 42
FORMATS = {".png": "png", ".svg": "svg"}
MIN_SIZE = (320, 240)
MAX_SIZE = 10000
LABEL_LIMIT = 200  # labels tried in one picture at most; the rest are counted in a note

RC = {
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",      # text stays text in SVG (searchable, checkable)
    "svg.hashsalt": "munigraph",  # deterministic ids in SVG
    "axes.titlesize": "medium",
    "legend.frameon": False,
}

INK = "#222222"
MUTED = "#666666"
# A white outline behind labels. It is drawn as a copy of the label underneath it: a path effect on the label
# itself would make matplotlib's SVG writer turn the label's text into paths.
HALO = [pe.Stroke(linewidth=3, foreground="white")]

# One look per status, shared by the ego network and the map.
STATUS_STYLE = {
    "active": {"color": "#35618f", "linestyle": "-", "linewidth": 1.6, "label": "active"},
    "suspended": {"color": "#e08214", "linestyle": (0, (5, 3)), "linewidth": 1.6, "label": "suspended"},
    "terminated": {"color": "#c0392b", "linestyle": (0, (1, 2)), "linewidth": 1.9, "label": "terminated"},
    "expired": {"color": "#8e44ad", "linestyle": (0, (1, 2)), "linewidth": 1.9, "label": "expired"},
    "unknown": {"color": "#9a9a9a", "linestyle": "-", "linewidth": 1.3, "label": "status unknown"},
}

PALETTE = [  # tab20 reordered so that neighbours in the legend differ, then tab20b for more countries
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#8ca252", "#bd9e39", "#ad494a", "#a55194",
]


# --- shared machinery --------------------------------------------------------------------------

def _format(out) -> str:
    """The output format named by the file's suffix; an error naming the file for anything else."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        what = f"suffix {out.suffix!r}" if out.suffix else "no suffix"
        raise MunigraphError(f"{out}: cannot write a picture with {what}; expected FILE.png or FILE.svg")
    return FORMATS[suffix]


def _check_size(width: int, height: int) -> None:
    if not (MIN_SIZE[0] <= width <= MAX_SIZE and MIN_SIZE[1] <= height <= MAX_SIZE):
        raise MunigraphError(f"picture size {width}×{height}: expected a width of {MIN_SIZE[0]} to {MAX_SIZE} "
                             f"and a height of {MIN_SIZE[1]} to {MAX_SIZE} pixels")


def _inches(pixels: int) -> float:
    """Inches that give exactly `pixels` at DPI (Agg truncates width × dpi to an integer)."""
    value = pixels / DPI
    while value * DPI < pixels:
        value = math.nextafter(value, math.inf)
    return value


def _figure(width: int, height: int) -> Figure:
    fig = Figure(figsize=(_inches(width), _inches(height)), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # a canvas to measure text with; savefig picks the SVG canvas when needed
    return fig


def _px(fig: Figure, left: float, bottom: float, width: float, height: float) -> list[float]:
    """An axes rectangle given in pixels from the lower left corner, as figure fractions."""
    w, h = fig.bbox.width, fig.bbox.height
    return [left / w, bottom / h, width / w, height / h]


def _save(fig: Figure, out, fmt: str) -> None:
    out = Path(out)
    folder = out.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except FileNotFoundError:
        raise MunigraphError(f"{out}: the folder {folder} does not exist") from None
    except OSError as exc:
        raise MunigraphError(f"{out}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(handle, format=fmt, dpi=DPI, metadata=metadata, facecolor=fig.get_facecolor())
        try:
            mode = os.stat(out).st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _titles(fig: Figure, title: str, subtitle: str = "", top: float = 12) -> float:
    """Title and subtitle at the top; returns the height in pixels they take."""
    size = 14 if fig.bbox.width >= 700 else 12
    fig.text(0.5, 1 - top / fig.bbox.height, title, ha="center", va="top", fontsize=size, fontweight="bold", color=INK)
    used = top + size * 1.45
    if subtitle:
        fig.text(0.5, 1 - used / fig.bbox.height, subtitle, ha="center", va="top", fontsize=size - 4.5, color=MUTED)
        used += (size - 4.5) * 1.5
    return used + 8


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False, break_long_words=False)) or text


def _join_wrapped(parts, width: int, separator: str = " · ") -> str:
    """Parts joined by the separator, broken into lines between parts (a part longer than a line is wrapped)."""
    lines: list[str] = []
    for part in (p for p in parts if p):
        if lines and len(lines[-1]) + len(separator) + len(part) <= width:
            lines[-1] += separator + part
        else:
            lines.extend(_wrap(part, width).split("\n"))
    return "\n".join(lines)


OTHER = "#bbbbbb"


def _country_colours(codes, most: int = 24) -> dict[str, str]:
    """A colour for each country, the most frequent first; beyond `most` countries the rest share grey."""
    counts = Counter(codes)
    ordered = sorted(counts, key=lambda c: (-counts[c], c or "~"))
    return {code: PALETTE[i] if i < min(most, len(PALETTE)) else OTHER for i, code in enumerate(ordered)}


def _overlaps(box, boxes) -> float:
    """The summed overlap area of a (x0, y0, x1, y1) box with each of an (n, 4) array of boxes."""
    import numpy as np
    if not len(boxes):
        return 0.0
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return float((np.clip(w, 0, None) * np.clip(h, 0, None)).sum())


def _place_labels(fig: Figure, ax, items: list[dict], fontsize: float, *, segments=(), pad: float = 2.0,
                  bounds=None) -> list[dict]:
    """Put each label next to its marker where it overlaps no marker, no line and no label placed before it.

    items, in order of priority: x, y (data), text, radius (marker radius in pixels), and optionally away (a
    direction in data units the label prefers, e.g. away from the node's neighbours), weight, size, colour and
    optional (an optional label is left out when no place is free) and box (the label may cover lines, on a
    white box: for a hub, whose lines leave no free place next to it). segments: lines ((x0, y0), (x1, y1)) in
    data units that labels should not cover. bounds: the pixel box (x0, y0, x1, y1) labels stay in (by
    default the axes). Tries twelve directions next to the marker (the preferred first), then the same a
    little further out with a leader line; a label that fits nowhere goes where it overlaps least. Returns the
    items whose labels were left out.
    """
    import numpy as np
    renderer = fig.canvas.get_renderer()
    bounds = bounds if bounds is not None else ax.get_window_extent(renderer).extents  # pixels: x0, y0, x1, y1
    transform = ax.transData.transform
    centres = [transform((it["x"], it["y"])) for it in items]
    # a label keeps a few pixels away from every other marker, so that it is read as its own marker's
    clearance = [(cx - it["radius"] - 5, cy - it["radius"] - 5, cx + it["radius"] + 5, cy + it["radius"] + 5)
                 for (cx, cy), it in zip(centres, items)]
    clearance_array = np.array(clearance).reshape(-1, 4)
    samples = []
    for a, b in segments:
        (x0, y0), (x1, y1) = transform(a), transform(b)
        steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 3))
        t = np.linspace(0, 1, steps)
        samples.append(np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]))
    line_points = np.vstack(samples) if samples else np.zeros((0, 2))
    placed: list[tuple] = []
    omitted = []
    compass = [(math.cos(math.radians(a)), math.sin(math.radians(a))) for a in range(0, 360, 30)]
    to_points = 72 / fig.dpi
    for index, item in enumerate(items):
        style = {"fontsize": item.get("size", fontsize), "fontweight": item.get("weight", "normal"),
                 "color": item.get("colour", INK), "zorder": 6, "annotation_clip": False,
                 "linespacing": 1.05, "textcoords": "offset points"}
        directions = list(compass)
        away = item.get("away")
        if away is not None:
            ax_, ay_ = transform((item["x"] + away[0], item["y"] + away[1]))
            angle = math.atan2(ay_ - centres[index][1], ax_ - centres[index][0])
            directions.sort(key=lambda d: abs((math.atan2(d[1], d[0]) - angle + math.pi) % (2 * math.pi) - math.pi))
        else:  # right, left, above, below first
            directions.sort(key=lambda d: (0 if abs(d[0]) in (0, 1) or abs(d[1]) > 0.99 else 1))
        probe = ax.annotate(item["text"], xy=(item["x"], item["y"]), xytext=(0, 0), ha="left", va="bottom", **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        w, h = extent.width, extent.height
        cx, cy = centres[index]
        others = np.delete(clearance_array, index, axis=0)
        best = None
        for step, extra in enumerate((0.0, 10.0, 22.0, 36.0)):
            for rank, (dx, dy) in enumerate(directions):
                distance = item["radius"] + pad + extra
                ox, oy = cx + dx * distance, cy + dy * distance
                where = {"xytext": (dx * distance * to_points, dy * distance * to_points),
                         "ha": "left" if dx > 0.3 else "right" if dx < -0.3 else "center",
                         "va": "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"}
                x0 = ox if where["ha"] == "left" else ox - w if where["ha"] == "right" else ox - w / 2
                y0 = oy if where["va"] == "bottom" else oy - h if where["va"] == "top" else oy - h / 2
                box = (x0 - 1, y0 - 1, x0 + w + 1, y0 + h + 1)
                outside = (max(0, bounds[0] - box[0]) + max(0, box[2] - bounds[2])) * (box[3] - box[1]) + \
                          (max(0, bounds[1] - box[1]) + max(0, box[3] - bounds[3])) * (box[2] - box[0])
                crossed = int(np.count_nonzero((line_points[:, 0] > box[0]) & (line_points[:, 0] < box[2]) &
                                               (line_points[:, 1] > box[1]) & (line_points[:, 1] < box[3])))
                near = _overlaps(box, others)
                blocked = outside * 4 + near * 2 + _overlaps(box, np.array(placed).reshape(-1, 4)) * 2
                if step:  # the leader line must not cross a label or a marker either
                    points = np.array(_leader(centres[index], box)).reshape(-1, 2)
                    obstacles = np.vstack([np.array(placed).reshape(-1, 4), others])
                    hit = ((points[:, None, 0] > obstacles[None, :, 0]) & (points[:, None, 0] < obstacles[None, :, 2]) &
                           (points[:, None, 1] > obstacles[None, :, 1]) & (points[:, None, 1] < obstacles[None, :, 3]))
                    blocked += 40 * int(np.count_nonzero(hit.any(axis=1)))
                cost = blocked + (0 if item.get("box") else crossed * 6)
                preference = step * 0.4 + rank * 0.05  # the closer and the preferred place first
                if best is None or cost + preference < best[0] + best[1]:
                    best = (cost, preference, where, box, step, crossed, blocked)
                if cost < 1:
                    break
            if best[0] < 1:
                break
        cost, _, where, box, step, crossed, blocked = best
        if blocked >= 25 and item.get("optional"):  # crossing a line is allowed (with a white box), covering is not
            omitted.append(item)
            continue
        if step:  # a leader line from the label to its marker; later labels keep off it
            leader = np.array(_leader(centres[index], box)[1:-1])
            if len(leader):
                line_points = np.vstack([line_points, leader])
            style["arrowprops"] = {"arrowstyle": "-", "color": "#9a9a9a", "linewidth": 0.6, "shrinkA": 1,
                                   "shrinkB": item["radius"] * to_points}
        under = {**style, "path_effects": HALO, "zorder": 5.9}
        under.pop("arrowprops", None)
        if crossed or item.get("box"):  # over lines: a white box keeps the label readable
            under["bbox"] = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
        ax.annotate(item["text"], xy=(item["x"], item["y"]), **where, **under)
        ax.annotate(item["text"], xy=(item["x"], item["y"]), **where, **style)
        placed.append(box)
    return omitted


def _leader(centre, box) -> list[tuple[float, float]]:
    """Points every 3 pixels along the line from a marker's centre to the nearest point of a label's box."""
    cx, cy = centre
    ex, ey = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
    steps = max(2, int(math.hypot(ex - cx, ey - cy) / 3))
    return [(cx + (ex - cx) * k / steps, cy + (ey - cy) * k / steps) for k in range(steps + 1)][2:]


def _legend(ax_or_fig, handles, title, **kwargs):
    options = {"alignment": "left", "fontsize": 8, "title_fontsize": 8.5, "handlelength": 2.4, "borderaxespad": 0, **kwargs}
    legend = ax_or_fig.legend(handles=handles, title=title, **options)
    legend.get_title().set_fontweight("bold")
    return legend


def _status_handles(statuses) -> list[Line2D]:
    return [Line2D([0], [0], color=STATUS_STYLE[s]["color"], linestyle=STATUS_STYLE[s]["linestyle"],
                   linewidth=STATUS_STYLE[s]["linewidth"], label=STATUS_STYLE[s]["label"])
            for s in STATUS_STYLE if s in statuses]


def _network_note(graph: nx.Graph) -> str:
    statuses = graph.graph.get("statuses") or "active"
    parts = ["partnerships: " + ("every status" if statuses == "all" else statuses.replace(",", ", "))]
    if graph.graph.get("as_of"):
        parts.append(f"in force on {graph.graph['as_of']}")
    return "; ".join(parts)


def _km(a: dict, b: dict) -> float:
    """Great-circle distance in km between two nodes with lat and lon."""
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# --- the municipality's partner network -----------------------------------------------------------

def ego(graph: nx.Graph, center_iri: str, out_path, depth: int = 2, width: int = 1200, height: int = 900) -> None:
    """The municipality and its partners within `depth` hops: colour by country, size by number of
    partnerships, edge style by status, the municipality itself highlighted."""
    fmt = _format(out_path)
    _check_size(width, height)
    if depth < 1:
        raise MunigraphError(f"--depth {depth}: expected 1 or more hops")
    if center_iri not in graph:
        raise MunigraphError(f"{center_iri} has no partnership in this network ({_network_note(graph)})")
    sub = nx.ego_graph(graph, center_iri, radius=depth)
    hops = nx.single_source_shortest_path_length(sub, center_iri)
    centre = graph.nodes[center_iri]
    with matplotlib.rc_context(RC):
        fig = _figure(width, height)
        n = sub.number_of_nodes()
        title = f"Partner network of {centre.get('label', center_iri)}"
        m = sub.number_of_edges()
        top = _titles(fig, title, f"{_count(n, 'local government')} and {_count(m, 'partnership')} within "
                                  f"{depth} hop{'s' if depth != 1 else ''}; {_network_note(graph)}")
        side = min(230, max(170, width * 0.2))
        ax = fig.add_axes(_px(fig, 10, 22, width - side - 20, height - top - 22))
        ax.set_axis_off()

        pos = _ego_layout(sub, center_iri)
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        _equal_limits(ax, fig, (min(xs), max(xs)), (min(ys), max(ys)), margin=(70, 24))

        # edges: drawn per status so that each gets its line style
        order = {s: i for i, s in enumerate(STATUS_STYLE)}
        edges = sorted(sub.edges(data=True), key=lambda e: -order.get(e[2].get("status", "unknown"), 4))
        for a, b, data in edges:
            style = STATUS_STYLE.get(data.get("status", "unknown"), STATUS_STYLE["unknown"])
            ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color=style["color"], linestyle=style["linestyle"],
                    linewidth=style["linewidth"] * (1.0 if center_iri in (a, b) else 0.8), zorder=1,
                    solid_capstyle="round", dash_capstyle="round")

        colours = _country_colours(sub.nodes[x].get("country", "") for x in sub)
        scale = 1.0 if n <= 30 else 0.8 if n <= 60 else 0.6
        size = {x: scale * (28 + 24 * graph.degree(x) ** 0.8) for x in sub}
        size[center_iri] = max(size[center_iri], scale * 260)
        nodes = sorted(sub, key=lambda x: (x == center_iri, size[x]))
        ax.scatter([pos[x][0] for x in nodes], [pos[x][1] for x in nodes], s=[size[x] for x in nodes],
                   c=[colours[sub.nodes[x].get("country", "")] for x in nodes],
                   edgecolors=["black" if x == center_iri else "white" for x in nodes],
                   linewidths=[2.4 if x == center_iri else 0.8 for x in nodes], zorder=3)
        ax.scatter([pos[center_iri][0]], [pos[center_iri][1]], s=size[center_iri] * 2.6, facecolors="none",
                   edgecolors="black", linewidths=1.0, linestyle=(0, (2, 2)), zorder=2)

        fontsize = 9 if n <= 20 else 8 if n <= 40 else 7.5 if n <= 70 else 6.5
        wrap = 40 if n <= 20 else 24 if n <= 50 else 18
        radius = {x: math.sqrt(size[x]) / 2 * DPI / 72 for x in sub}
        radius[center_iri] = math.sqrt(size[center_iri] * 2.6) / 2 * DPI / 72
        ranked = sorted(sub, key=lambda x: (x != center_iri, hops[x], -graph.degree(x), sub.nodes[x].get("label", x)))
        unlabelled = ranked[LABEL_LIMIT:]  # in a very large network only the first in rank are tried
        ranked = ranked[:LABEL_LIMIT]
        omitted = unlabelled + _place_labels(fig, ax, [
            {"x": pos[x][0], "y": pos[x][1], "radius": radius[x],
             "text": _wrap(sub.nodes[x].get("label", x), wrap),
             "weight": "bold" if x == center_iri else "normal",
             "size": fontsize + 1.5 if x == center_iri else fontsize if hops[x] == 1 else fontsize - 0.5,
             "optional": x != center_iri and (hops[x] > 1 and n > 40 or n > 90), "away": _away(pos, sub, x), "box": sub.degree(x) >= 6}
            for x in ranked], fontsize, segments=[(pos[a], pos[b]) for a, b in sub.edges()],
            bounds=(4, 16, width - side - 6, height - top + 4))

        # the legends, in a column on the right
        legend_x = (width - side) / width
        y = 1 - top / height
        country_counts = Counter(sub.nodes[x].get("country", "") for x in sub)
        country_handles = [Line2D([0], [0], marker="o", linestyle="", markersize=7, markerfacecolor=colour,
                                  markeredgecolor="white", label=f"{code or '?'} ({country_counts[code]})")
                           for code, colour in colours.items() if colour != OTHER]
        others = [code for code, colour in colours.items() if colour == OTHER]
        if others:
            country_handles.append(Line2D([0], [0], marker="o", linestyle="", markersize=7, markerfacecolor=OTHER,
                                          markeredgecolor="white",
                                          label=f"{len(others)} more ({sum(country_counts[c] for c in others)})"))
        legends = [
            ("Partnership status", _status_handles({d.get("status", "unknown") for _, _, d in sub.edges(data=True)}), 1),
            ("Country", country_handles, 2 if len(country_handles) > 8 else 1),
        ]
        degree_values = sorted({graph.degree(x) for x in sub})
        samples = sorted({degree_values[0], degree_values[len(degree_values) // 2], degree_values[-1]})
        legends.append(("Number of partnerships", [
            Line2D([0], [0], marker="o", linestyle="", markersize=math.sqrt(scale * (28 + 24 * k ** 0.8)),
                   markerfacecolor="#cccccc", markeredgecolor="#888888", label=str(k)) for k in samples], len(samples)))
        legends.append(("", [Line2D([0], [0], marker="o", linestyle="", markersize=9, markerfacecolor="white",
                                    markeredgecolor="black", markeredgewidth=2.2,
                                    label=_wrap(centre.get("label", center_iri), 24))], 1))
        renderer = fig.canvas.get_renderer()
        for heading, handles, ncol in legends:
            legend = _legend(fig, handles, heading, loc="upper left", bbox_to_anchor=(legend_x, y), ncol=ncol,
                             columnspacing=0.8, handletextpad=0.4, labelspacing=0.5 if heading.startswith("Number") else 0.35)
            y -= legend.get_window_extent(renderer).height / height + 14 / height
        notes = []
        if omitted:
            notes.append(f"{_count(len(omitted), 'label')} left out where {'they' if len(omitted) != 1 else 'it'} "
                         f"would cover others")
        if notes:
            fig.text(0.01, 0.008, "; ".join(notes), fontsize=7, color=MUTED, ha="left", va="bottom")
        _save(fig, out_path, fmt)


def _equal_limits(ax, fig, xr, yr, margin=(60, 20), aspect: float = 1.0) -> None:
    """Axis limits that show xr × yr with one y unit drawn `aspect` times as long as one x unit, filling the
    axes box and leaving margin = (horizontal, vertical) pixels on each side for labels."""
    box = ax.get_window_extent(fig.canvas.get_renderer())
    usable_w, usable_h = max(box.width - 2 * margin[0], 50), max(box.height - 2 * margin[1], 50)
    scale = max(max(xr[1] - xr[0], 1e-9) / usable_w, max(yr[1] - yr[0], 1e-9) * aspect / usable_h)  # x units per pixel
    mx, my = (xr[0] + xr[1]) / 2, (yr[0] + yr[1]) / 2
    ax.set_xlim(mx - box.width * scale / 2, mx + box.width * scale / 2)
    ax.set_ylim(my - box.height * scale / aspect / 2, my + box.height * scale / aspect / 2)


def _away(pos: dict, graph: nx.Graph, node: str):
    """The direction from the mean of a node's neighbours to the node: where its label is least in the way."""
    neighbours = list(graph[node])
    if not neighbours:
        return None
    mx = sum(pos[x][0] for x in neighbours) / len(neighbours)
    my = sum(pos[x][1] for x in neighbours) / len(neighbours)
    dx, dy = pos[node][0] - mx, pos[node][1] - my
    return (dx, dy) if math.hypot(dx, dy) > 1e-9 else None


def _ego_layout(sub: nx.Graph, center_iri: str) -> dict:
    """Kamada-Kawai with edge lengths that give every hub room for its partners (so the fans of two hubs do
    not overlap), then each node's single-partner leaves spread evenly around it for their labels. Kamada-
    Kawai starts from a circle in sorted node order, so the layout is deterministic; above 250 nodes a
    seeded spring layout is used instead."""
    n = sub.number_of_nodes()
    if n <= 2:
        return {node: (float(i), 0.0) for i, node in enumerate([center_iri] + sorted(x for x in sub if x != center_iri))}
    if n > 250:
        steps = 200 if n <= 500 else 60
        try:  # the classic force-directed method: the energy method (networkx >= 3.5's default) is slow here
            pos = nx.spring_layout(sub, seed=SEED, iterations=steps, k=1.6 / math.sqrt(n), method="force")
        except TypeError:  # networkx < 3.5
            pos = nx.spring_layout(sub, seed=SEED, iterations=steps, k=1.6 / math.sqrt(n))
        return {node: (float(x), float(y)) for node, (x, y) in pos.items()}
    reach = {x: 0.3 if sub.degree(x) == 1 else max(0.3, math.sqrt(sub.degree(x)) / 3) for x in sub}
    lengths = nx.Graph()
    lengths.add_nodes_from(sorted(sub))
    lengths.add_edges_from((a, b, {"length": reach[a] + reach[b]}) for a, b in sub.edges())
    pos = nx.kamada_kawai_layout(lengths, weight="length", pos=nx.circular_layout(sorted(sub)))
    pos = {node: (float(x), float(y)) for node, (x, y) in pos.items()}
    hops = nx.single_source_shortest_path_length(sub, center_iri)
    leaves = {x for x in sub if x != center_iri and sub.degree(x) == 1}
    for parent in sorted(sub, key=lambda x: (hops[x], x)):
        _spread_leaves(sub, pos, parent, leaves)
    _free_leaves(sub, pos, leaves)
    return pos


def _free_leaves(sub: nx.Graph, pos: dict, leaves: set) -> None:
    """Move a leaf that sits crowded among other nodes or lines to the freest place around its partner."""
    import numpy as np
    nodes = sorted(sub)
    xy = np.array([pos[x] for x in nodes])
    span = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]))) or 1.0
    wanted = 0.07 * span

    def segment_distance(points, a, b):
        """Distances from each point to the segments a[i]-b[i]: shape (points, segments)."""
        ab = b - a
        t = ((points[:, None, :] - a[None]) * ab[None]).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12)[None]
        t = np.clip(t, 0, 1)
        nearest = a[None] + t[..., None] * ab[None]
        return np.linalg.norm(points[:, None, :] - nearest, axis=-1)

    def clearance(leaf, parent, candidates):
        others = np.array([pos[x] for x in nodes if x not in (leaf, parent)])
        edges = [(a, b) for a, b in sub.edges() if leaf not in (a, b)]
        a = np.array([pos[e[0]] for e in edges]).reshape(-1, 2)
        b = np.array([pos[e[1]] for e in edges]).reshape(-1, 2)
        near_nodes = np.linalg.norm(candidates[:, None, :] - others[None], axis=-1).min(axis=1)
        near_lines = segment_distance(candidates, a, b).min(axis=1) if len(edges) else np.full(len(candidates), np.inf)
        # the leaf's own line must not run through other nodes
        start = np.repeat(np.array([pos[parent]]), len(candidates), axis=0)
        own = np.array([segment_distance(others, start[i:i + 1], candidates[i:i + 1]).min() for i in range(len(candidates))])
        return np.minimum(np.minimum(near_nodes, near_lines * 1.5), own * 1.5)

    for leaf in sorted(leaves):
        parent = next(iter(sub[leaf]))
        here = clearance(leaf, parent, np.array([pos[leaf]]))[0]
        if here >= wanted:
            continue
        px, py = pos[parent]
        radius = math.hypot(pos[leaf][0] - px, pos[leaf][1] - py)
        angles = np.radians(np.arange(0, 360, 5))
        candidates = np.column_stack([px + radius * np.cos(angles), py + radius * np.sin(angles)])
        scores = clearance(leaf, parent, candidates)
        best = int(np.argmax(scores))
        if scores[best] > here * 1.25:
            pos[leaf] = (float(candidates[best, 0]), float(candidates[best, 1]))


def _spread_leaves(sub: nx.Graph, pos: dict, parent: str, leaves: set) -> None:
    """Move the parent's leaf partners to equal angles (in their circular order, between the parent's other
    partners) at their median distance from it."""
    px, py = pos[parent]
    around = sorted(sub[parent], key=lambda x: math.atan2(pos[x][1] - py, pos[x][0] - px))
    mine = [x for x in around if x in leaves]
    if len(mine) < 2:
        return
    radius = sorted(math.hypot(pos[x][0] - px, pos[x][1] - py) for x in mine)[len(mine) // 2]

    def angle(x):
        return math.atan2(pos[x][1] - py, pos[x][0] - px) % (2 * math.pi)

    anchors = [x for x in around if x not in leaves]
    stagger = len(mine) > 12  # a large fan alternates two radii, which leaves room for the labels
    if not anchors:
        start = angle(mine[0])
        for i, x in enumerate(mine):
            a = start + 2 * math.pi * i / len(mine)
            r = radius * (1.2 if stagger and i % 2 else 1.0)
            pos[x] = (px + r * math.cos(a), py + r * math.sin(a))
        return
    # between each pair of consecutive anchors, the leaves that lie there, evenly spaced
    anchors.sort(key=angle)
    for i, anchor in enumerate(anchors):
        lo = angle(anchor)
        hi = angle(anchors[(i + 1) % len(anchors)])
        gap = (hi - lo) % (2 * math.pi) or 2 * math.pi
        inside = sorted((x for x in mine if 0 < (angle(x) - lo) % (2 * math.pi) < gap),
                        key=lambda x: (angle(x) - lo) % (2 * math.pi))
        for k, x in enumerate(inside, 1):
            a = lo + gap * k / (len(inside) + 1)
            r = radius * (1.2 if stagger and k % 2 == 0 else 1.0)
            pos[x] = (px + r * math.cos(a), py + r * math.sin(a))


# --- the map ----------------------------------------------------------------------------------------

def map_(graph: nx.Graph, center_iri: str, out_path, width: int = 1200, height: int = 900) -> None:
    """The municipality's partners by longitude and latitude, with a line to each styled by its status."""
    fmt = _format(out_path)
    _check_size(width, height)
    if center_iri not in graph:
        raise MunigraphError(f"{center_iri} has no partnership in this network ({_network_note(graph)})")
    centre = graph.nodes[center_iri]
    name = centre.get("label", center_iri)
    if "lat" not in centre:
        raise MunigraphError(f"{name} has no coordinates in the graph, so it cannot be put on a map")
    partners = sorted(graph[center_iri], key=lambda x: graph.nodes[x].get("label", x))
    placed = [p for p in partners if "lat" in graph.nodes[p]]
    missing = [p for p in partners if "lat" not in graph.nodes[p]]
    distance = {p: _km(centre, graph.nodes[p]) for p in placed}
    inside, outside = _frame(centre, placed, graph, distance)

    with matplotlib.rc_context(RC):
        fig = _figure(width, height)
        top = _titles(fig, f"Partners of {name} on the map",
                      f"{_count(len(partners), 'partner')} ({len(placed)} with coordinates); {_network_note(graph)}")
        side = min(230, max(180, width * 0.2))
        note_chars = int(width / 6.2)
        listed = ", ".join(f"{graph.nodes[p].get('label', p)} ({graph.nodes[p].get('country') or '?'})" for p in missing)
        missing_note = f"Not on the map (no coordinates in the graph): {listed}." if missing else ""
        note_lines = 1 + (len(textwrap.wrap(missing_note, note_chars)) if missing else 0) + (1 if len(partners) > 60 else 0)
        bottom = 34 + 11.5 * note_lines
        ax = fig.add_axes(_px(fig, 58, bottom, width - side - 78, height - top - bottom - 4))
        ax.set_facecolor("#f4f6f8")
        for spine in ax.spines.values():
            spine.set_color("#bbbbbb")

        lons = [centre["lon"]] + [graph.nodes[p]["lon"] for p in inside]
        lats = [centre["lat"]] + [graph.nodes[p]["lat"] for p in inside]
        mid_lat = (max(lats) + min(lats)) / 2
        aspect = 1 / max(0.2, math.cos(math.radians(mid_lat)))
        span_lon, span_lat = max(max(lons) - min(lons), 2.0), max(max(lats) - min(lats), 2.0)
        mid_lon = (max(lons) + min(lons)) / 2
        _equal_limits(ax, fig, (mid_lon - span_lon / 2, mid_lon + span_lon / 2), (mid_lat - span_lat / 2, mid_lat + span_lat / 2),
                      margin=(80, 30), aspect=aspect)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        _graticule(ax, (x0, x1), (y0, y1))

        label_items = [{"x": centre["lon"], "y": centre["lat"], "radius": 9, "text": name, "weight": "bold", "size": 9.5,
                        "box": True}]
        segments = []
        statuses = set()
        for p in inside + outside:
            node, data = graph.nodes[p], graph[center_iri][p]
            status = data.get("status", "unknown")
            statuses.add(status)
            style = STATUS_STYLE.get(status, STATUS_STYLE["unknown"])
            target = (node["lon"], node["lat"])
            if p in outside:
                target = _clip((centre["lon"], centre["lat"]), target, (x0, x1, y0, y1), inset=0.02)
            segments.append(((centre["lon"], centre["lat"]), target))
            ax.plot([centre["lon"], target[0]], [centre["lat"], target[1]], color=style["color"],
                    linestyle=style["linestyle"], linewidth=style["linewidth"], zorder=2,
                    solid_capstyle="round", dash_capstyle="round")
            if p in outside:
                angle = math.degrees(math.atan2((target[1] - centre["lat"]) * aspect, target[0] - centre["lon"]))
                ax.plot([target[0]], [target[1]], marker=(3, 0, angle - 90), markersize=9, color=style["color"],
                        linestyle="", zorder=4)
                text = f"{_wrap(node.get('label', p) + ' (' + (node.get('country') or '?') + ')', 30)}\n{distance[p]:,.0f} km"
            else:
                ax.plot([target[0]], [target[1]], marker="o", markersize=6.5, markerfacecolor="white",
                        markeredgecolor=style["color"], markeredgewidth=1.8, linestyle="", zorder=4)
                text = _wrap(node.get("label", p), 30)
            label_items.append({"x": target[0], "y": target[1], "radius": 6, "text": text,
                                "size": 8 if len(partners) <= 20 else 7, "optional": len(partners) > 60,
                                "away": (target[0] - centre["lon"], target[1] - centre["lat"])})
        ax.plot([centre["lon"]], [centre["lat"]], marker="*", markersize=17, markerfacecolor="#d62728",
                markeredgecolor="black", markeredgewidth=0.8, linestyle="", zorder=5)
        omitted = _place_labels(fig, ax, label_items, 8, segments=segments)

        status_legend = _legend(fig, _status_handles(statuses), "Partnership status", loc="upper left",
                                bbox_to_anchor=((width - side + 4) / width, 1 - top / height))
        renderer = fig.canvas.get_renderer()
        y = 1 - top / height - (status_legend.get_window_extent(renderer).height + 16) / height
        markers = [Line2D([0], [0], marker="*", markersize=13, markerfacecolor="#d62728", markeredgecolor="black",
                          markeredgewidth=0.8, linestyle="", label=_wrap(name, 24)),
                   Line2D([0], [0], marker="o", markersize=6.5, markerfacecolor="white", markeredgecolor=INK,
                          markeredgewidth=1.6, linestyle="", label="partner")]
        if outside:
            markers.append(Line2D([0], [0], marker=(3, 0, -90), markersize=8, color=INK, linestyle="",
                                  label="partner off the map\n(direction, distance)"))
        _legend(fig, markers, "Places", loc="upper left", bbox_to_anchor=((width - side + 4) / width, y))
        notes = [f"Longitude and latitude, equirectangular (standard parallel {abs(mid_lat):.0f}°{'N' if mid_lat >= 0 else 'S'}); no coastlines."]
        if omitted:
            notes.insert(0, f"{_count(len(omitted), 'label')} left out where {'they' if len(omitted) != 1 else 'it'} would cover others.")
        if missing:
            notes.insert(0, missing_note)
        fig.text(58 / width, 6 / height, "\n".join(textwrap.fill(n, note_chars) for n in notes), fontsize=7.5,
                 color=MUTED, ha="left", va="bottom", linespacing=1.3)
        _save(fig, out_path, fmt)


def _frame(centre: dict, placed: list[str], graph: nx.Graph, distance: dict) -> tuple[list[str], list[str]]:
    """Which partners the map frame shows and which lie beyond it (shown by an arrow at the edge).

    The farthest partners are left beyond the frame while the rest would span more than a continent
    (60° of longitude or 35° of latitude), as long as at least two thirds of the partners stay inside.
    """
    inside = sorted(placed, key=lambda p: distance[p])
    outside: list[str] = []

    def spans(members):
        lons = [centre["lon"]] + [graph.nodes[p]["lon"] for p in members]
        lats = [centre["lat"]] + [graph.nodes[p]["lat"] for p in members]
        return max(lons) - min(lons), max(lats) - min(lats)

    while inside and len(inside) - 1 >= math.ceil(len(placed) * 2 / 3):
        span_lon, span_lat = spans(inside)
        if span_lon <= 60 and span_lat <= 35:
            break
        outside.insert(0, inside.pop())
    return sorted(inside, key=lambda p: graph.nodes[p].get("label", p)), outside


def _clip(start, end, box, inset: float = 0.0):
    """The point where the segment from start (inside box) to end leaves the box (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = box
    dx_in, dy_in = (x1 - x0) * inset, (y1 - y0) * inset
    x0, x1, y0, y1 = x0 + dx_in, x1 - dx_in, y0 + dy_in, y1 - dy_in
    (sx, sy), (ex, ey) = start, end
    t = 1.0
    for edge, s, e in ((x0, sx, ex), (x1, sx, ex), (y0, sy, ey), (y1, sy, ey)):
        if e != s:
            u = (edge - s) / (e - s)
            if 0 < u < t:
                px, py = sx + u * (ex - sx), sy + u * (ey - sy)
                if x0 - 1e-9 <= px <= x1 + 1e-9 and y0 - 1e-9 <= py <= y1 + 1e-9:
                    t = u
    return sx + t * (ex - sx), sy + t * (ey - sy)


def _graticule(ax, xlim, ylim) -> None:
    span = max(xlim[1] - xlim[0], ylim[1] - ylim[0])
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60) if span / s <= 12)
    xticks = [v for v in range(int(math.floor(xlim[0] / step) * step), int(xlim[1]) + step, step) if xlim[0] <= v <= xlim[1]]
    yticks = [v for v in range(int(math.floor(ylim[0] / step) * step), int(ylim[1]) + step, step) if ylim[0] <= v <= ylim[1]]
    ax.xaxis.set_major_locator(FixedLocator(xticks))
    ax.yaxis.set_major_locator(FixedLocator(yticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}°{'E' if v > 0 else 'W' if v < 0 else ''}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}°{'N' if v > 0 else 'S' if v < 0 else ''}"))
    ax.tick_params(labelsize=7.5, colors=MUTED, length=0, pad=4)
    ax.grid(True, color="white", linewidth=1.2, zorder=0)
    ax.set_axisbelow(True)


# --- the timeline of a partnership ---------------------------------------------------------------------

_ISO = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _span(value) -> tuple[str, dt.date, dt.date] | None:
    """(precision, first day, day after the last) of an ISO date at year, month or day precision."""
    if value is None:
        return None
    m = _ISO.match(str(value).strip())
    if not m:
        return None
    year = int(m.group(1))
    if not 1 <= year <= 9998:
        return None
    try:
        if m.group(3):
            day = dt.date(year, int(m.group(2)), int(m.group(3)))
            return "day", day, day + dt.timedelta(days=1)
        if m.group(2):
            month = int(m.group(2))
            first = dt.date(year, month, 1)
            return "month", first, dt.date(year + month // 12, month % 12 + 1, 1)
    except ValueError:
        return None
    return "year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def _category(kind) -> str:
    from .vocab import MGV
    text = str(kind or "")
    if text.startswith(MGV + "status-"):
        return "status change"
    if text.startswith(MGV + "kind-"):
        return "agreement"
    return "event"


CATEGORY_COLOUR = {"event": "#1f77b4", "agreement": "#2ca02c", "status change": "#d62728"}


def timeline(rows: list[dict], a_label: str, b_label: str, out_path, width: int = 1200, height: int = 900) -> None:
    """The events, agreements and status changes between A and B along a time axis.

    A date known to the year or month is drawn as a bar over that year or month with its marker in the middle;
    a day as a point. Labels alternate above and below the axis, each on the nearest free level.
    """
    fmt = _format(out_path)
    _check_size(width, height)
    items, undated = [], []
    for row in rows:
        kind = str(row.get("kindLabel") or "")
        label = str(row.get("itemLabel") or "") or kind or str(row.get("item") or "")
        if _category(row.get("kind")) == "status change" and label.casefold() == kind.casefold():
            label, kind = f"Partnership {kind}", "status change"
        place = str(row.get("placeLabel") or "")
        span = _span(row.get("date"))
        entry = {"label": label, "kind": kind, "place": place, "category": _category(row.get("kind")),
                 "date": str(row.get("date") or "")}
        if span is None:
            undated.append(entry)
            continue
        entry["precision"], entry["first"], entry["after"] = span
        entry["mid"] = entry["first"] + (entry["after"] - entry["first"]) / 2 if entry["precision"] != "day" else entry["first"]
        items.append(entry)
    if not items and not undated:
        raise MunigraphError(f"nothing to plot: no events, agreements or status changes between {a_label} and {b_label} in the graph")
    items.sort(key=lambda e: (e["mid"], e["label"]))

    with matplotlib.rc_context(RC):
        fig = _figure(width, height)
        counts = Counter(e["category"] for e in items + undated)
        what = ", ".join(f"{counts[c]} {c if counts[c] == 1 else c.replace('change', 'changes') if c.endswith('change') else c + 's'}"
                         for c in CATEGORY_COLOUR if counts[c])
        top = _titles(fig, f"{a_label} – {b_label}",
                      f"The history of their partnership: {what}" + (f" ({len(undated)} undated)" if undated else ""))
        legend_h = 40
        note_h = 14 * (1 + min(len(undated), 4)) if undated else 0
        ax_rect = (30, 30 + note_h + legend_h, width - 60, height - top - 36 - note_h - legend_h)
        ax = fig.add_axes(_px(fig, *ax_rect))
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color("#bbbbbb")
        ax.yaxis.set_major_locator(NullLocator())

        if items:
            first = min(e["first"] for e in items)
            last = max(e["after"] for e in items)
        else:
            first = last = dt.date.today()
        if (last - first).days < 365:  # a short history: a year's window around it
            middle = first + (last - first) / 2
            first, last = middle - dt.timedelta(days=183), middle + dt.timedelta(days=183)
        pad = dt.timedelta(days=max(45, (last - first).days * 0.05))
        x_lo, x_hi = mdates.date2num(first - pad), mdates.date2num(last + pad)
        ax.set_xlim(x_lo, x_hi)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=max(4, int(ax_rect[2] / 90)))
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        ax.tick_params(axis="x", labelsize=8, colors=MUTED)
        ax.grid(True, axis="x", color="#eeeeee", linewidth=0.8, zorder=0)
        ax.set_axisbelow(True)
        half = ax_rect[3] / 2
        ax.set_ylim(-half, half)  # the y axis counts pixels from the time axis

        _timeline_items(fig, ax, items, ax_rect, half)

        precision_handles = [
            Line2D([0], [0], color="#555555", linewidth=6, alpha=0.3, marker="o", markersize=6, markerfacecolor="white",
                   markeredgecolor="#555555", label="date known to the year (bar: the year)"),
            Line2D([0], [0], color="#555555", linewidth=6, alpha=0.3, marker="s", markersize=5.5, markerfacecolor="white",
                   markeredgecolor="#555555", label="to the month (bar: the month)"),
            Line2D([0], [0], color="#555555", linestyle="", marker="D", markersize=5.5, label="to the day"),
        ]
        category_handles = [Patch(facecolor=CATEGORY_COLOUR[c], label=c) for c in CATEGORY_COLOUR
                            if any(e["category"] == c for e in items + undated)]
        legend = _legend(fig, category_handles + precision_handles, None, loc="lower center",
                         bbox_to_anchor=(0.5, (8 + note_h) / height), ncol=len(category_handles) + len(precision_handles),
                         columnspacing=1.6, handletextpad=0.7, handlelength=3.0)
        if legend.get_window_extent(fig.canvas.get_renderer()).width > width - 20:  # too wide: two rows
            legend.remove()
            legend = _legend(fig, category_handles + precision_handles, None, loc="lower center",
                             bbox_to_anchor=(0.5, (4 + note_h) / height), ncol=math.ceil((len(category_handles) + len(precision_handles)) / 2),
                             columnspacing=1.6, handletextpad=0.7, handlelength=3.0)
        if undated:
            lines = [f"Undated: {e['label']} ({e['kind']})" for e in undated[:4]]
            if len(undated) > 4:
                lines.append(f"… and {len(undated) - 4} more undated")
            fig.text(30 / width, 6 / height, "\n".join(lines), fontsize=7.5, color=MUTED, ha="left", va="bottom")
        _save(fig, out_path, fmt)


def _timeline_items(fig: Figure, ax, items: list[dict], ax_rect, half: float) -> None:
    """Bars, markers, stems and labels; the label size shrinks until every label has a free level."""
    renderer = fig.canvas.get_renderer()
    width_px = ax_rect[2]
    x_lo, x_hi = ax.get_xlim()

    def to_px(x):
        return (x - x_lo) / (x_hi - x_lo) * width_px

    for entry in items:
        colour = CATEGORY_COLOUR[entry["category"]]
        mid = mdates.date2num(entry["mid"])
        if entry["precision"] == "day":
            ax.plot([mid], [0], marker="D", markersize=7, color=colour, markeredgecolor="white", zorder=5, linestyle="")
        else:
            start, end = mdates.date2num(entry["first"]), mdates.date2num(entry["after"])
            ax.plot([start, end], [0, 0], color=colour, linewidth=9, alpha=0.3, solid_capstyle="butt", zorder=3)
            ax.plot([mid], [0], marker="o" if entry["precision"] == "year" else "s", markersize=7,
                    markerfacecolor="white", markeredgecolor=colour, markeredgewidth=2, zorder=5, linestyle="")
    ax.axhline(0, color="#888888", linewidth=1, zorder=2)
    if not items:
        ax.text(0.5, 0.5 + 30 / ax_rect[3], "no dated events, agreements or status changes", transform=ax.transAxes,
                ha="center", va="bottom", fontsize=10, color=MUTED)
        ax.xaxis.set_major_locator(NullLocator())  # no dates, no time axis
        return

    sizes = ((10.5, 34), (10, 32), (9.5, 30), (9, 30), (8.5, 28), (8, 26), (7.5, 24), (7, 22), (6.5, 20), (6, 18))
    attempts = [(f, w, True) for f, w in sizes] + [(f, w, False) for f, w in sizes[-4:]]
    for number, (fontsize, wrap, strict) in enumerate(attempts):
        last = number == len(attempts) - 1
        texts = []
        for entry in items:
            details = _join_wrapped([entry["kind"], entry["date"], entry["place"] and f"in {entry['place']}"], wrap + 6)
            title = ax.text(0, 0, _wrap(entry["label"], wrap), fontsize=fontsize, color=INK, linespacing=1.1)
            sub = ax.text(0, 0, details, fontsize=fontsize - 1, color=CATEGORY_COLOUR[entry["category"]],
                          style="italic", linespacing=1.1)
            t_box, s_box = title.get_window_extent(renderer), sub.get_window_extent(renderer)
            texts.append((title, sub, max(t_box.width, s_box.width), t_box.height, s_box.height))
        level_h = max(t[3] + t[4] + 2 for t in texts) + 10
        levels = max(1, int((half - 22 - 4) // level_h))
        choice = _levels(items, texts, levels, width_px, to_px, strict, force=last)
        if choice is not None:
            break
        for title, sub, *_ in texts:
            title.remove()
            sub.remove()
    # with few levels in use, the labels stand further from the axis
    used = max(abs(level) for level, _ in choice)
    first_gap = max(22.0, min(half * 0.3, half - used * level_h - 10))
    for entry, (title, sub, w, t_h, s_h), (level, left) in zip(items, texts, choice):
        x_mid = mdates.date2num(entry["mid"])
        x_text = x_lo + left / width_px * (x_hi - x_lo)
        y = (first_gap + (abs(level) - 1) * level_h) * (1 if level > 0 else -1)
        ax.plot([x_mid, x_mid], [0, y], color="#b0b0b0", linewidth=0.8, zorder=1)
        if level > 0:
            sub.set_position((x_text, y + 2))
            sub.set_verticalalignment("bottom")
            title.set_position((x_text, y + 2 + s_h + 2))
            title.set_verticalalignment("bottom")
        else:
            title.set_position((x_text, y - 2))
            title.set_verticalalignment("top")
            sub.set_position((x_text, y - 2 - t_h - 2))
            sub.set_verticalalignment("top")
        for text in (title, sub):
            text.set_horizontalalignment("left")
            text.set_zorder(6)
            ax.text(*text.get_position(), text.get_text(), fontsize=text.get_fontsize(), fontstyle=text.get_fontstyle(),
                    ha="left", va=text.get_verticalalignment(), linespacing=1.1, color="white", path_effects=HALO, zorder=5.9)


def _levels(items, texts, levels: int, width_px: float, to_px, strict: bool, force: bool):
    """A level (1, -1, 2, -2, …: above and below the axis) and a left edge in pixels for each label, in date
    order, on the nearest level where it overlaps no other label; strict also keeps stems out of labels.
    None when some label finds no level, unless force, which then takes the least crowded one."""
    labels_at: list[tuple[int, float, float]] = []  # (level, left, right) of the labels placed
    stems: list[tuple[int, float]] = []  # (level, x) of their stems
    choice = []
    order = [s * k for k in range(1, levels + 1) for s in (1, -1)]
    for entry, (_, _, w, _, _) in zip(items, texts):
        x = to_px(mdates.date2num(entry["mid"]))

        def clashes(level, left):
            lo, hi = left - 6, left + w + 6
            same_side = [(lv, a, b) for lv, a, b in labels_at if (lv > 0) == (level > 0)]
            count = sum(1 for lv, a, b in same_side if lv == level and not (hi <= a or lo >= b))
            if strict:
                # no stem of a label further out runs through this label, and this stem through no label nearer in
                count += sum(1 for lv, sx in stems if (lv > 0) == (level > 0) and abs(lv) > abs(level) and lo - 2 < sx < hi + 2)
                count += sum(1 for lv, a, b in same_side if abs(lv) < abs(level) and a - 2 < x < b + 2)
            return count

        # centred on its stem, else starting or ending at it
        lefts = [min(max(v, 2), width_px - w - 2) for v in (x - w / 2, x - 8, x - w + 8)]
        options = [(level, left) for level in order for left in lefts]
        chosen = next((option for option in options if clashes(*option) == 0), None)
        if chosen is None:
            if not force:
                return None
            chosen = min(options, key=lambda option: clashes(*option))
        level, left = chosen
        labels_at.append((level, left - 6, left + w + 6))
        stems.append((level, x))
        choice.append((level, left))
    return choice


# --- the degree distribution -----------------------------------------------------------------------------

def degrees(graph: nx.Graph, out_path, width: int = 1200, height: int = 900) -> None:
    """How many local governments have k partnerships, for each k, on log-log axes."""
    fmt = _format(out_path)
    _check_size(width, height)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    if n == 0:
        raise MunigraphError(f"nothing to plot: the network is empty ({_network_note(graph)})")
    degree = dict(graph.degree())
    counts = Counter(degree.values())
    ks = sorted(counts)
    with matplotlib.rc_context(RC):
        fig = _figure(width, height)
        top = _titles(fig, f"Degree distribution: {_count(n, 'local government')}, {_count(m, 'partnership')}",
                      _network_note(graph))
        ax = fig.add_axes(_px(fig, 72, 58, width - 72 - 30, height - top - 58 - 8))
        ax.set_xscale("log")
        ax.set_yscale("log")
        points = ax.scatter(ks, [counts[k] for k in ks], s=60, color="#35618f", edgecolors="white", linewidths=0.8,
                            zorder=3, label="local governments with k partnerships")
        mean = 2 * m / n
        mean_line = ax.axvline(mean, color="#e08214", linestyle=(0, (4, 3)), linewidth=1.2, zorder=2,
                               label=f"mean degree {mean:.2f}")
        ax.set_xlim(0.7, max(ks) * 1.8)
        ax.set_ylim(0.7, max(counts.values()) * 1.8)
        _log_ticks(ax.xaxis, 0.7, max(ks) * 1.8)
        _log_ticks(ax.yaxis, 0.7, max(counts.values()) * 1.8)
        ax.tick_params(labelsize=8.5, colors=INK)
        ax.grid(True, which="major", color="#eeeeee", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("k: number of partnerships (degree)", fontsize=9.5)
        ax.set_ylabel("number of local governments with k partnerships", fontsize=9.5)

        # name the local governments behind the rarest, highest degrees
        hubs = sorted((x for x in graph if counts[degree[x]] <= 2), key=lambda x: (-degree[x], graph.nodes[x].get("label", x)))[:6]
        by_k: dict[int, list[str]] = {}
        for x in hubs:
            by_k.setdefault(degree[x], []).append(graph.nodes[x].get("label", x))
        items = [{"x": k, "y": counts[k], "radius": 6, "text": _wrap(", ".join(names) + f" ({k})", 36), "size": 8}
                 for k, names in sorted(by_k.items(), reverse=True)]
        items += [{"x": k, "y": counts[k], "radius": 6, "text": f"{counts[k]:,}", "size": 7.5, "colour": MUTED}
                  for k in ks if k not in by_k]
        _place_labels(fig, ax, items, 8)
        _legend(ax, [points, mean_line], None, loc="upper right")
        _save(fig, out_path, fmt)


def _log_ticks(axis, lo: float, hi: float) -> None:
    ticks = [v * 10 ** e for e in range(0, 7) for v in (1, 2, 5) if lo <= v * 10 ** e <= hi]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axis.set_minor_formatter(NullFormatter())
