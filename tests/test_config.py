"""kapot.config: the paths, defined once."""

from pathlib import Path

from kapot import config

from .conftest import ROOT


def test_the_project_root_is_the_tree_the_package_lives_in():
    # an editable install (the README's set-up): the folder holding pyproject.toml
    assert config.PROJECT_ROOT == ROOT
    assert (config.PROJECT_ROOT / "pyproject.toml").is_file()
    assert config.DEFAULT_DB == ROOT / "data" / "kapot.duckdb"


def test_the_warehouse_path_is_kapot_db_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("KAPOT_DB", str(tmp_path / "w.duckdb"))
    assert config.default_db_path() == tmp_path / "w.duckdb"
    assert not config.default_db_path().exists()  # the file need not exist


def test_a_tilde_in_kapot_db_is_the_home_folder(monkeypatch):
    monkeypatch.setenv("KAPOT_DB", "~/w.duckdb")
    assert config.default_db_path() == Path.home() / "w.duckdb"


def test_without_kapot_db_the_warehouse_is_in_the_project(monkeypatch):
    for value in (None, ""):  # unset or empty: the default
        if value is None:
            monkeypatch.delenv("KAPOT_DB", raising=False)
        else:
            monkeypatch.setenv("KAPOT_DB", value)
        assert config.default_db_path() == config.DEFAULT_DB
