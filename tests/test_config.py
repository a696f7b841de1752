"""Settings: munigraph.toml, overridden by the environment, overridden by the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from munigraph.config import load_settings
from munigraph.errors import MunigraphError


def test_file_then_environment(tmp_path, monkeypatch):
    cfg = tmp_path / "munigraph.toml"
    cfg.write_text('[munigraph]\nbase = "https://data.example.org/id/"\nstore = "here"\nlanguages = ["pl", "en"]\n', encoding="utf-8")
    for var in ("MUNIGRAPH_BASE", "MUNIGRAPH_STORE", "MUNIGRAPH_CONFIG", "MUNIGRAPH_LANGUAGES", "MUNIGRAPH_DATA"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings(cwd=tmp_path)
    assert settings.base == "https://data.example.org/id/"
    assert settings.store == Path("here") and settings.languages == ["pl", "en"]
    monkeypatch.setenv("MUNIGRAPH_STORE", "/elsewhere")
    monkeypatch.setenv("MUNIGRAPH_LANGUAGES", "lt,uk")
    settings = load_settings(cwd=tmp_path)
    assert settings.store == Path("/elsewhere") and settings.languages == ["lt", "uk"]
    assert settings.with_overrides(store=Path("cli")).store == Path("cli")


def test_bad_settings_are_reported_with_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("MUNIGRAPH_BASE", raising=False)
    cfg = tmp_path / "munigraph.toml"
    cfg.write_text('[munigraph]\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(MunigraphError, match="unknown setting.*colour"):
        load_settings(cfg)
    cfg.write_text('[munigraph]\nbase = "not an iri"\n', encoding="utf-8")
    with pytest.raises(MunigraphError, match="expected an http"):
        load_settings(cfg)
    cfg.write_text('[munigraph\n', encoding="utf-8")
    with pytest.raises(MunigraphError, match="not valid TOML"):
        load_settings(cfg)
