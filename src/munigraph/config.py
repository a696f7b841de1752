"""Settings: munigraph.toml, then MUNIGRAPH_* environment variables, then command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import MunigraphError
from .vocab import DEFAULT_BASE

CONFIG_FILE = "munigraph.toml"
DEFAULT_LANGUAGES = ["en", "pl", "lt", "uk", "be", "de"]


PUBLISH_KEYS = {
    "title_en": "munigraph: partnerships between municipalities",
    "title_pl": "munigraph: partnerstwa między samorządami",
    "description_en": ("A knowledge graph of twin towns and partner cities: the local governments that sign agreements, "
                       "the officials who sign them, the agreements, the visits that lead to them, their status over time "
                       "and the shared partners that connect cities. Every fact keeps its source."),
    "description_pl": ("Graf wiedzy o miastach partnerskich: samorządy zawierające porozumienia, osoby, które je podpisują, "
                       "same porozumienia, wizyty, które do nich prowadzą, ich status w czasie oraz wspólni partnerzy "
                       "łączący miasta. Każdy fakt zachowuje swoje źródło."),
    "publisher_name": "munigraph editors",
    "publisher_url": "https://w3id.org/munigraph/",
    "homepage": "https://w3id.org/munigraph/",
    "licence": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "contact_name": "munigraph editors",
    "contact_email": "munigraph@example.org",
    "download_url": "https://w3id.org/munigraph/releases/latest/",
    "sparql_endpoint": "",
    "keywords_en": ["twin towns", "sister cities", "partner cities", "local government", "municipal cooperation"],
    "keywords_pl": ["miasta partnerskie", "samorząd terytorialny", "współpraca samorządów"],
}


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE
    store: Path = Path(".munigraph")
    data: Path = Path("data")
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    config_file: Path | None = None
    # [publish]: who publishes the releases, under which licence, where (see munigraph.toml)
    publish: dict = field(default_factory=lambda: dict(PUBLISH_KEYS))

    def with_overrides(self, **values) -> "Settings":
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _find_config(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_path: str | os.PathLike | None = None, cwd: Path | None = None) -> Settings:
    """Read the config file (explicit path, $MUNIGRAPH_CONFIG, or munigraph.toml here or above), then the environment."""
    cwd = cwd or Path.cwd()
    explicit = config_path or os.environ.get("MUNIGRAPH_CONFIG")
    path = Path(explicit) if explicit else _find_config(cwd)
    values: dict = {}
    if path is not None:
        if not path.is_file():
            raise MunigraphError(f"{path}: config file not found")
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MunigraphError(f"{path}: not valid TOML: {exc}") from None
        table = document.get("munigraph", {})
        publish = document.get("publish", {})
        unknown_publish = set(publish) - set(PUBLISH_KEYS)
        if unknown_publish:
            raise MunigraphError(f"{path}: unknown [publish] setting(s) {', '.join(sorted(unknown_publish))}; expected {', '.join(sorted(PUBLISH_KEYS))}")
        values["publish"] = {**PUBLISH_KEYS, **publish}
        known = {"base", "store", "data", "languages"}
        unknown = set(table) - known
        if unknown:
            raise MunigraphError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known))}")
        values.update(table)
    env = os.environ
    for key in ("base", "store", "data"):
        if env.get(f"MUNIGRAPH_{key.upper()}"):
            values[key] = env[f"MUNIGRAPH_{key.upper()}"]
    if env.get("MUNIGRAPH_LANGUAGES"):
        values["languages"] = [x.strip() for x in env["MUNIGRAPH_LANGUAGES"].split(",") if x.strip()]
    settings = Settings(config_file=path, publish=values.get("publish", dict(PUBLISH_KEYS)))
    if env.get("MUNIGRAPH_SPARQL_ENDPOINT"):
        settings.publish["sparql_endpoint"] = env["MUNIGRAPH_SPARQL_ENDPOINT"]
    if env.get("MUNIGRAPH_DOWNLOAD_URL"):
        settings.publish["download_url"] = env["MUNIGRAPH_DOWNLOAD_URL"]
    if "base" in values:
        settings = replace(settings, base=check_base(str(values["base"])))
    if "store" in values:
        settings = replace(settings, store=Path(values["store"]))
    if "data" in values:
        settings = replace(settings, data=Path(values["data"]))
    if "languages" in values:
        if not isinstance(values["languages"], list) or not all(isinstance(x, str) for x in values["languages"]):
            raise MunigraphError(f"{path}: languages must be a list of language tags, e.g. [\"en\", \"pl\"]")
        settings = replace(settings, languages=list(values["languages"]))
    return settings


def check_base(base: str) -> str:
    if not (base.startswith("http://") or base.startswith("https://")) or not base.endswith("/"):
        raise MunigraphError(f"base {base!r}: expected an http(s) IRI ending with '/'")
    return base
