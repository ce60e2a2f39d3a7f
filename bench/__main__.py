"""``make bench``: speed and memory figures, each section measured in a fresh process and printed.

Targets come from the issues; the figures are printed beside them, never asserted in tests.
``python -m bench --help`` lists the sections; ``python -m bench find report`` (or ``--only find
report``) runs some of them. The exit status is 1 when a section failed.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

__all__ = ["SECTIONS", "main"]

# name -> (module, function, what it measures); run in this order by ``make bench``
SECTIONS: dict[str, tuple[str, str, str]] = {
    "synth": ("bench.data", "bench_synth", "generating 10M synthetic lines, 100k clients"),
    "ingest": ("bench.data", "bench_ingest", "ingesting 1M lines of a cp1251 1C export"),
    "seasonality": ("bench.seasonality", "bench_seasonality", "peak months per synthetic world"),
    "clusters": ("bench.clusters", "bench_clusters", "the clusters' bootstrap stability"),
    "build_prepare": ("bench.build", "bench_build_prepare", "(setup) 10M lines for build"),
    "build": ("bench.build", "bench_build", "kapot build on 10M lines"),
    "find": (
        "bench.find",
        "bench_find",
        "100k clients: kapot score vs ALS, find, a typed SKU, the page's load and redraw",
    ),
    "backtest": ("bench.backtest", "bench_backtest", "the engine's backtest on every split"),
    "report": ("bench.report", "bench_report", "the weekly report on 1M lines"),
    "server": ("bench.server", "bench_server", "the team server: 30 managers at once"),
}

USAGE = "usage: python -m bench [--only] [SECTION ...]   (no section: all of them, in order)"


def _help() -> str:
    rows = [f"  {name:<14}{what}" for name, (_, _, what) in SECTIONS.items()]
    return "\n".join([USAGE, "", "sections:", *rows])


def _one(name: str) -> dict:
    """One section's figures, in this process. Its module is imported here, by name: each
    section runs in a process of its own and loads only what it measures."""
    module, function, _ = SECTIONS[name]
    return getattr(importlib.import_module(module), function)()


def _print(fig: dict, seconds: float) -> None:
    what = fig.pop("what")
    flat = {k: v for k, v in fig.items() if not isinstance(v, dict)}
    flat["section_wall_s"] = round(seconds, 1)
    print(f"{what}\n    " + "  ".join(f"{k}={v}" for k, v in flat.items()))
    for k, v in fig.items():
        if isinstance(v, dict):
            print(f"    {k}:\n        " + "  ".join(f"{a}={b}" for a, b in v.items()))


def main(argv: list[str] | None = None) -> int:
    """Run the named sections (all when none is named), each in a fresh process; 0 when every
    one printed its figures, 1 when one failed, 2 on an unknown section."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(_help())
        return 0
    if argv and argv[0] == "--one":
        print(json.dumps(_one(argv[1])))
        return 0
    if argv and argv[0] == "--only":  # python -m bench --only server [find ...]
        argv = argv[1:]
    unknown = [a for a in argv if a not in SECTIONS]
    if unknown:
        print(f"unknown section: {', '.join(unknown)}\n{_help()}", file=sys.stderr)
        return 2
    names = argv or list(SECTIONS)
    print(f"kapot bench ({', '.join(names)}); each in its own process\n", flush=True)
    failed = []
    # one temporary folder per run, removed at its end: sections that hand files to the next
    # one (build_prepare, build) find them there, and two runs at once never share a file
    run_tmp = tempfile.TemporaryDirectory(prefix="kapot-bench-")
    env = {**os.environ, "TMPDIR": run_tmp.name}
    for name in names:
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-m", "bench", "--one", name], capture_output=True, text=True, env=env
        )
        if res.returncode != 0:
            print(f"{name}: FAILED\n{res.stderr}", flush=True)
            failed.append(name)
            continue
        _print(json.loads(res.stdout.strip().splitlines()[-1]), time.perf_counter() - t0)
        sys.stdout.flush()
    run_tmp.cleanup()
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
