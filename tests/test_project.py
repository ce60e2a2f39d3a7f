"""The project's own files: one source of dependencies, documented commands, clean notebooks."""

import json
import re
import subprocess
import tomllib

import yaml

from .conftest import ROOT


def test_environment_yml_installs_the_package_with_pyproject_dependencies():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert any(re.fullmatch(r"-e \.(\[[\w,]+\])?", p) for p in pip), "pip section must install -e ."
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~\[ ]", d)[0].lower() for d in project["dependencies"]}
    # anything conda installs beyond python and pip must be a declared dependency too
    extra = {re.split(r"[<>=!~ ]", c)[0].lower() for c in conda} - {"python", "pip"}
    assert extra <= names
    # and pip installs nothing that pyproject.toml does not declare
    assert all(p.startswith("-e .") for p in pip)
    assert project["requires-python"] == ">=3.11"


def test_make_help_lists_every_target():
    text = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", text, re.M))
    out = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "help"], capture_output=True, text=True, check=True
    ).stdout
    listed = set(re.findall(r"make (\S+)", out))
    assert {"demo", "test", "bench", "install", "help"} <= listed
    assert targets - {"help"} <= listed | {t for t in targets if t.startswith("$")}


def test_readme_shows_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_notebooks_have_no_outputs_and_no_definitions():
    for nb_path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and not cell.get("execution_count"), nb_path
                src = "".join(cell["source"])
                assert not re.search(r"^\s*(def|class) ", src, re.M), nb_path


def test_every_module_declares_all():
    for path in (ROOT / "kapot").rglob("*.py"):
        if path.name in ("__main__.py",):
            continue
        assert "__all__" in path.read_text(), path
