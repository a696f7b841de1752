"""`munigraph export`: a dated release folder for open-data portals, written atomically.

Everything is written into a temporary folder beside the target; only when every file is complete is the new
folder swapped in for the old one (an atomic exchange where the system has one), so a failed or interrupted
export leaves the previous release untouched. Output is deterministic: the same graph gives byte-identical
files (sorted statements, canonical blank-node labels, gzip without time stamps).

Steps, each in its own module:
    dumps    N-Quads, TriG (all named graphs), N-Triples, Turtle, RDF/XML, JSON-LD (merged view), gzip copies
    tables   CSV tables and their CSVW metadata (csv-metadata.json)
    docs     the ontology and shapes files and an HTML page documenting the ontology
    void     VoID description (void.ttl)
    catalog  DCAT-AP 3.0.1 catalog record (catalog.ttl, catalog.jsonld), written last: it lists every other file
    readme   README.txt and index.html with checksums
    site     (with --site) the static linked-data site: the server's pages as files, and an nginx configuration
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..build import sha256
from ..config import Settings
from ..errors import MunigraphError
from ..store import EmbeddedStore


@dataclass
class ReleaseFile:
    """One file of the release, as the catalog describes it."""

    path: str                # relative to the release folder, with / separators
    media_type: str          # IANA media type
    title: str               # what it is, in English
    file_type: str | None = None   # EU file-type authority code (e.g. "RDF_TURTLE", "CSV", "JSON_LD")
    kind: str = "data"       # data, metadata, documentation
    size: int = 0
    sha256: str = ""


@dataclass
class ReleaseContext:
    settings: Settings
    store: EmbeddedStore          # read access with rdflib terms: store.select(text), store.query(text)
    out: Path                     # the temporary folder being written
    release: str                  # version, e.g. "2026.12.01"
    issued: dt.date
    progress: Callable[[str], None] | None = None
    files: list[ReleaseFile] = field(default_factory=list)
    target: Path | None = None    # the release folder `out` will be swapped into (None: written outside export())
    # (finished temporary folder, its target) swapped in right after the release: the static site outside it
    pending: list[tuple[Path, Path]] = field(default_factory=list)

    @property
    def ox(self) -> ox.Store:
        return self.store.ox

    @property
    def base(self) -> str:
        return self.settings.base

    def add(self, path: str, media_type: str, title: str, file_type: str | None = None, kind: str = "data") -> ReleaseFile:
        """Record a file that has been written under `out`; size and checksum are taken now."""
        full = self.out / path
        item = ReleaseFile(path, media_type, title, file_type, kind, full.stat().st_size, sha256(full))
        self.files.append(item)
        return item

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)




@dataclass
class ExportReport:
    out: Path
    release: str
    files: list[ReleaseFile]


def export(settings: Settings, out: Path, release: str | None = None, issued: dt.date | None = None,
           site: Path | None = None, progress: Callable[[str], None] | None = None,
           store: EmbeddedStore | None = None) -> ExportReport:
    """`store`: what to export (default: the built store; `munigraph export --endpoint` passes a copy of the remote)."""
    from . import catalog, docs, dumps, readme, tables, void

    store = store or EmbeddedStore.open(settings.store)
    out = Path(out)
    issued = issued or dt.date.today()
    release = release or issued.strftime("%Y.%m.%d")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(out)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    ctx = ReleaseContext(settings, store, tmp, release, issued, progress, target=out)
    try:
        dumps.write(ctx)
        tables.write(ctx)
        docs.write(ctx)
        void.write(ctx)
        catalog.write(ctx)
        readme.write(ctx)
        if site is not None:
            from . import site as site_mod
            site_mod.write(ctx, Path(site))  # inside `out`: into tmp; elsewhere: beside it, into ctx.pending
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for partial, _ in ctx.pending:
            shutil.rmtree(partial, ignore_errors=True)
        raise
    swap(tmp, out)
    for partial, target in ctx.pending:
        swap(partial, target)
    return ExportReport(out, release, ctx.files)


def _remove_stale_partials(out: Path) -> None:
    """Folders left by exports that were killed (their process is gone)."""
    for partial in out.parent.glob(f".{out.name}.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(partial, ignore_errors=True)


_RENAME_EXCHANGE = 2


def swap(new: Path, target: Path) -> None:
    """Put `new` where `target` is: an atomic exchange of the two folders on Linux, else rename aside and in."""
    if not target.exists():
        os.rename(new, target)
        return
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            AT_FDCWD = -100
            if renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
                shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous release
                return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise MunigraphError(f"{out}: exists and is not a folder")
