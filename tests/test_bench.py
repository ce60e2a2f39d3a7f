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


def test_the_server_bench_culls_only_kernels_idle_longer_than_a_visit_may_take():
    """A kernel culled while its visitor's browser is still loading the page would be a
    failure of the bench's making: the idle timeout must exceed the page timeout."""
    from bench.server import IDLE_MINUTES, PAGE_TIMEOUT_S

    assert IDLE_MINUTES * 60 > PAGE_TIMEOUT_S


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux schedstat")
def test_the_server_bench_reads_a_loops_cpu_and_wait_from_the_scheduler():
    import math
    import os
    import time

    from bench.server import _sched_s

    ran0, waited0 = _sched_s(os.getpid())
    t0 = time.process_time()
    while time.process_time() - t0 < 0.2:  # 0.2 s of this thread's CPU
        pass
    ran, waited = _sched_s(os.getpid())
    assert ran - ran0 >= 0.15 and waited >= waited0 >= 0
    assert all(math.isnan(x) for x in _sched_s(2**22 + 7))  # no such process: NaN, not 0


def test_each_run_gives_its_sections_a_temporary_folder_of_its_own(monkeypatch, capsys):
    """build_prepare leaves its warehouse in the temporary folder for build: two runs at once
    must not share that file, and a run leaves nothing behind."""
    import json
    import os

    import bench.__main__ as bm

    seen = []

    def fake_run(cmd, **kw):
        folder = kw["env"]["TMPDIR"]
        seen.append(folder)
        assert os.path.isdir(folder)
        out = json.dumps({"what": cmd[-1]})
        return subprocess.CompletedProcess(cmd, 0, stdout=out + "\n", stderr="")

    monkeypatch.setattr(bm.subprocess, "run", fake_run)
    assert main(["build_prepare", "build"]) == 0
    assert main(["build_prepare"]) == 0
    assert seen[0] == seen[1] != seen[2]
    assert not any(os.path.exists(f) for f in seen)
