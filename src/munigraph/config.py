"""Settings: munigraph.toml, then MUNIGRAPH_* environment variables, then command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import MunigraphError
from .remote import RemoteConfig
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
    # [remote]: a remote store (endpoints, credentials); remote.endpoint set means commands read from it
    remote: RemoteConfig = field(default_factory=RemoteConfig)

    def with_overrides(self, **values) -> "Settings":
        return replace(self, **{k: v for k, v in values.items() if v is not None})


# [remote] keys of munigraph.toml, and the environment variables that override them
REMOTE_KEYS = {"endpoint": "MUNIGRAPH_ENDPOINT", "update_endpoint": "MUNIGRAPH_UPDATE_ENDPOINT",
               "graph_store": "MUNIGRAPH_GRAPH_STORE", "auth": "MUNIGRAPH_AUTH", "user": "MUNIGRAPH_USER",
               "password": "MUNIGRAPH_PASSWORD", "token": "MUNIGRAPH_TOKEN", "timeout": "MUNIGRAPH_REMOTE_TIMEOUT",
               "retries": "MUNIGRAPH_REMOTE_RETRIES", "password_env": None, "token_env": None}


def remote_settings(table: dict, env, path: Path | None) -> RemoteConfig:
    """The remote store from the [remote] table, then the environment. Credentials are read from the environment
    (MUNIGRAPH_PASSWORD, MUNIGRAPH_TOKEN, or the variables named by password_env / token_env) or the file itself,
    never from the command line."""
    unknown = set(table) - set(REMOTE_KEYS)
    if unknown:
        raise MunigraphError(f"{path}: unknown [remote] setting(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(REMOTE_KEYS))}")
    values = {k: v for k, v in table.items() if k not in ("password_env", "token_env")}
    for key, variable in REMOTE_KEYS.items():
        if variable and env.get(variable):
            values[key] = env[variable]
    for key, named in (("password", "password_env"), ("token", "token_env")):
        if table.get(named) and env.get(str(table[named])):
            values[key] = env[str(table[named])]
    try:
        for key, kind in (("timeout", float), ("retries", int)):
            if key in values:
                values[key] = kind(values[key])
    except ValueError:
        raise MunigraphError(f"remote {key}: expected a number, got {values[key]!r}") from None
    if "auth" not in values:
        values["auth"] = "bearer" if values.get("token") else ("basic" if values.get("password") else "none")
    values["auth"] = str(values["auth"]).lower()
    return RemoteConfig(**values)


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
        values["remote"] = document.get("remote", {})
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
    settings = Settings(config_file=path, publish=values.get("publish", dict(PUBLISH_KEYS)),
                        remote=remote_settings(values.get("remote", {}), env, path))
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
