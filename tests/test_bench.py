"""The bench's command line (``python -m bench``): its sections, help and exit status."""

import importlib
import subprocess
import sys

import pytest

from bench.__main__ import SECTIONS, main

from .conftest import ROOT


def test_every_section_names_a_function_of_its_module():
    for name, (module, function, what) in SECTIONS.items():
        assert callable(getattr(importlib.import_module(module), function)), name
        assert what, name


def test_help_lists_every_section(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bench")
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed == list(SECTIONS)


@pytest.mark.parametrize("argv", [["nope"], ["--only", "find", "nope"]])
def test_an_unknown_section_is_refused_before_anything_runs(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "unknown section: nope" in captured.err and captured.out == ""


def test_python_m_bench_help_from_the_repository():
    res = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0 and "report" in res.stdout, res.stderr
