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


@dataclass(frozen=True)
class Settings:
    base: str = DEFAULT_BASE
    store: Path = Path(".munigraph")
    data: Path = Path("data")
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    config_file: Path | None = None

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
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("munigraph", {})
        except tomllib.TOMLDecodeError as exc:
            raise MunigraphError(f"{path}: not valid TOML: {exc}") from None
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
    settings = Settings(config_file=path)
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
