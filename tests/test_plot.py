"""`munigraph plot`: the four pictures, through the real CLI, in PNG and SVG, at the requested size."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"

# command line, and a label (with a letter beyond ASCII where the picture has one) that must be in the picture
PICTURES = {
    "ego": (["ego", "Koszalin"], ["City of Koszalin", "Tempelhof-Schöneberg", "City of Neumünster", "Partnership status", "Country"]),
    "map": (["map", "Koszalin"], ["City of Koszalin", "City of Neumünster", "City of Seinäjoki", "Tempelhof-Schöneberg"]),
    "timeline": (["timeline", "Koszalin", "Trakai"], ["City of Koszalin – Trakai District Municipality", "letter of intent · 2018-06-01"]),
    "degrees": (["degrees"], ["Degree distribution", "City of Ivano-Frankivsk", "mean degree"]),
}


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def svg_size_px(root) -> tuple[float, float]:
    """matplotlib writes the SVG size in pt (72 per inch); CSS pixels are 96 per inch."""
    def px(value: str) -> float:
        if value.endswith("pt"):
            return float(value[:-2]) * 96 / 72
        return float(value.removesuffix("px"))
    return px(root.attrib["width"]), px(root.attrib["height"])


def svg_texts(root) -> str:
    return "\n".join("".join(el.itertext()) for el in root.iter(SVG + "text"))


@pytest.mark.parametrize("name", list(PICTURES))
def test_png_has_the_requested_size(mg, tmp_path, name):
    args, _ = PICTURES[name]
    out = tmp_path / f"{name}.png"
    run = mg("plot", *args, "--out", str(out), "--width", "800", "--height", "600")
    assert run.code == 0, run.err
    assert out.stat().st_size > 5000
    assert png_size(out) == (800, 600)
    assert "missing from font" not in run.err  # every letter has a glyph in DejaVu Sans
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # the temporary file is gone


@pytest.mark.parametrize("name", list(PICTURES))
def test_svg_has_the_requested_size_and_keeps_text_as_text(mg, tmp_path, name):
    args, labels = PICTURES[name]
    out = tmp_path / f"{name}.svg"
    run = mg("plot", *args, "--out", str(out), "--width", "800", "--height", "600")
    assert run.code == 0, run.err
    root = ET.parse(out).getroot()
    assert root.tag == SVG + "svg"
    width, height = svg_size_px(root)
    assert (round(width), round(height)) == (800, 600)
    text = svg_texts(root)
    for label in labels:
        assert label in text, f"{label!r} not in the {name} picture"
    assert "DejaVu Sans" in out.read_text(encoding="utf-8")


def test_timeline_renders_polish_letters(mg, tmp_path):
    out = tmp_path / "timeline.svg"
    run = mg("plot", "timeline", "Białystok", "Kaliningrad", "--out", str(out), "--width", "900", "--height", "500")
    assert run.code == 0, run.err
    text = svg_texts(ET.parse(out).getroot())
    assert "City of Białystok – City of Kaliningrad" in text
    assert "Partnership terminated" in text and "2022-03-03" in text


def test_odd_sizes_are_exact(mg, tmp_path):
    out = tmp_path / "degrees.png"
    assert mg("plot", "degrees", "--out", str(out), "--width", "1001", "--height", "703").code == 0
    assert png_size(out) == (1001, 703)


def test_the_same_store_gives_the_same_picture(mg, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for out in (first, second):
        assert mg("plot", "ego", "Koszalin", "--out", str(out), "--width", "700", "--height", "500").code == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("suffix", [".jpg", ".txt", ""])
def test_an_unknown_suffix_is_a_one_line_error_naming_the_file(mg, tmp_path, suffix):
    out = tmp_path / f"picture{suffix}"
    run = mg("plot", "degrees", "--out", str(out))
    assert run.code != 0
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert str(out) in lines[0] and ".png" in lines[0] and ".svg" in lines[0]
    assert "Traceback" not in run.err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_unknown_municipality_gives_the_resolvers_error(mg, tmp_path):
    run = mg("plot", "ego", "Atlantis", "--out", str(tmp_path / "ego.png"))
    assert run.code != 0
    assert "no municipality called 'Atlantis'" in run.err
    assert not (tmp_path / "ego.png").exists()


def test_a_municipality_outside_the_network(mg, tmp_path):
    run = mg("plot", "ego", "Koszalin", "--status", "suspended", "--out", str(tmp_path / "ego.png"))
    assert run.code != 0 and "no partnership in this network" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_map_needs_coordinates(mg, tmp_path):
    run = mg("plot", "map", "Tempelhof-Schöneberg", "--out", str(tmp_path / "map.png"))
    assert run.code != 0 and "no coordinates" in run.err and "Tempelhof-Schöneberg" in run.err


def test_a_missing_folder_is_an_error(mg, tmp_path):
    out = tmp_path / "nowhere" / "degrees.png"
    run = mg("plot", "degrees", "--out", str(out))
    assert run.code != 0 and str(out) in run.err and "does not exist" in run.err


def test_failed_writes_leave_the_old_picture(tmp_path):
    """The picture is written beside the target and renamed over it, so a failure keeps what was there."""
    import networkx as nx

    from munigraph import plot
    from munigraph.errors import MunigraphError

    out = tmp_path / "degrees.png"
    out.write_bytes(b"old")
    with pytest.raises(MunigraphError, match="network is empty"):
        plot.degrees(nx.Graph(statuses="active"), out, 800, 600)
    assert out.read_bytes() == b"old"
    graph = nx.Graph(statuses="active")
    graph.add_edge("a", "b", status="active")
    for node in graph:
        graph.nodes[node].update(label=node, country="PL")
    plot.degrees(graph, out, 800, 600)
    assert png_size(out) == (800, 600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["degrees.png"]
