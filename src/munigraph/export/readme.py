"""README.txt and index.html of a release: what it contains, the licence, how to cite it, and checksums."""

from __future__ import annotations

from html import escape


def _lines(ctx) -> tuple[str, list]:
    p = ctx.settings.publish
    files = sorted(ctx.files, key=lambda f: f.path)
    return p, files


def write(ctx) -> None:
    p, files = _lines(ctx)
    cite = (f"{p['publisher_name']} ({ctx.issued.year}). {p['title_en']}, release {ctx.release} "
            f"[data set]. {p['download_url']}")
    text = [
        p["title_en"],
        "=" * len(p["title_en"]),
        "",
        f"Release {ctx.release}, issued {ctx.issued.isoformat()}.",
        "",
        p["description_en"],
        "",
        f"Publisher: {p['publisher_name']} <{p['publisher_url']}>",
        f"Licence: {p['licence']}",
        f"Contact: {p['contact_name']} <{p['contact_email']}>",
        f"Entity IRIs: {ctx.base}...  (ontology: https://w3id.org/munigraph/ontology#)",
        "",
        "How to cite:",
        f"  {cite}",
        "",
        "Files (SHA-256, bytes, path, what):",
    ]
    for f in files:
        text.append(f"  {f.sha256}  {f.size:>10}  {f.path}  {f.title}")
    text += [
        "",
        "The catalog record for portals is catalog.ttl (DCAT-AP 3.0.1; catalog.jsonld is the same in JSON-LD);",
        "void.ttl describes the data set in VoID; csv-metadata.json describes the CSV tables (CSVW).",
        "Sources of the data are listed in tables/sources.csv; each source is its own named graph in the N-Quads and",
        "TriG dumps. Coordinates come from the Hekman/twincities data set (MIT licence, (c) 2026 Erik Hekman).",
        "Check the files with: sha256sum -c SHA256SUMS",
        "",
    ]
    (ctx.out / "README.txt").write_text("\n".join(text), encoding="utf-8")
    (ctx.out / "SHA256SUMS").write_text("".join(f"{f.sha256}  {f.path}\n" for f in files), encoding="utf-8")
    rows = "\n".join(
        f'<tr><td><a href="{escape(f.path)}">{escape(f.path)}</a></td><td>{escape(f.title)}</td>'
        f"<td>{escape(f.media_type)}</td><td>{f.size}</td><td><code>{f.sha256}</code></td></tr>" for f in files)
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(p['title_en'])} — release {escape(ctx.release)}</title>
<link rel="alternate" type="text/turtle" href="catalog.ttl" title="DCAT-AP catalog record">
<style>body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}}code{{font-size:.8rem}}</style>
</head><body>
<h1>{escape(p['title_en'])}</h1>
<p lang="pl">{escape(p['title_pl'])}</p>
<p>Release <strong>{escape(ctx.release)}</strong>, issued {ctx.issued.isoformat()}.</p>
<p>{escape(p['description_en'])}</p>
<p lang="pl">{escape(p['description_pl'])}</p>
<p>Publisher: <a href="{escape(p['publisher_url'])}">{escape(p['publisher_name'])}</a>. Licence: <a href="{escape(p['licence'])}">{escape(p['licence'])}</a>.
Contact: <a href="mailto:{escape(p['contact_email'])}">{escape(p['contact_name'])}</a>.</p>
<p>Catalog record (DCAT-AP 3.0.1): <a href="catalog.ttl">catalog.ttl</a>, <a href="catalog.jsonld">catalog.jsonld</a>;
VoID: <a href="void.ttl">void.ttl</a>; CSVW: <a href="csv-metadata.json">csv-metadata.json</a>; ontology: <a href="ontology/index.html">ontology/</a>.</p>
<h2>How to cite</h2><p>{escape(cite)}</p>
<h2>Files</h2>
<table><tr><th>file</th><th>what</th><th>media type</th><th>bytes</th><th>SHA-256</th></tr>
{rows}
</table>
<p>Check the files with <code>sha256sum -c SHA256SUMS</code>.</p>
</body></html>
"""
    (ctx.out / "index.html").write_text(html, encoding="utf-8")
