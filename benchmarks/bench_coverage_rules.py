"""Benchmark V1–V6 through the rule on large reports: a ~50 MB LCOV tracefile and a Cobertura XML of 20,000 files
(the generators of bench_coverage_reports.py), each named as a service's ``report`` in a coverage-config.json with
a sub-path threshold and an exclude glob, in a real git repository.

Each case runs ``observatory-invariants check --select V1,V2,V2a`` in a fresh process (the console entry point, as
CI runs it), so the wall time includes start-up, config, report streaming, path rewriting, selection, sub-paths and
the verdicts; the peak RSS is that process's (interpreter included). Run:
``python benchmarks/bench_coverage_rules.py [--mb 50] [--files 20000] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_coverage_reports import write_cobertura, write_lcov  # noqa: E402

CHILD = r"""
import json, resource, sys, time
sys.argv = ["observatory-invariants", "check", "--select", "V1,V2,V2a", "--format", "json", "--root", sys.argv[1]]
start = time.perf_counter()
import io, contextlib
from observatory_invariants import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = cli.main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
findings = json.loads(out.getvalue())["findings"]
print(json.dumps({"exit": code, "seconds": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024, "findings": [f["rule"] + " " + f["message"][:90] for f in findings]}))
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid", "GIT_COMMITTER_NAME": "b",
                        "GIT_COMMITTER_EMAIL": "b@example.invalid", "HOME": "/tmp", "PATH": "/usr/bin:/bin"})


def make_repo(folder: Path, megabytes: int, files: int) -> Path:
    repo = folder / "repo"
    (repo / "build").mkdir(parents=True)
    rng = random.Random(7)
    write_lcov(repo / "build" / "lcov.info", megabytes, rng)
    write_cobertura(repo / "build" / "cobertura.xml", files, rng)
    config = {"thresholds": {
        "processor": {"min": 10, "warn": 20, "report": "build/lcov.info", "root": "src/services/svc",
                      "exclude": ["pkg0/"], "paths": {"pkg1/": {"min": 10}}},
        "metrics-engine": {"min": 10, "warn": 20, "report": "build/cobertura.xml", "format": "cobertura",
                           "paths": {"src/pkg3/": {"min": 10}}},
    }, "ratchet": {"enabled": False}}
    (repo / "coverage-config.json").write_text(json.dumps(config, indent=2))
    (repo / ".gitignore").write_text("build/\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "bench")
    return repo


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the LCOV report (MB)")
    parser.add_argument("--files", type=int, default=20000, help="files in the Cobertura report")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="obs-bench-cov-rules-"))
    try:
        started = time.perf_counter()
        repo = make_repo(folder, args.mb, args.files)
        sizes = {p.name: p.stat().st_size / 1e6 for p in (repo / "build").iterdir()}
        print(f"generated in {time.perf_counter() - started:.1f}s: "
              + ", ".join(f"{name} {size:.1f} MB" for name, size in sorted(sizes.items())))
        proc = subprocess.run([sys.executable, "-c", CHILD, str(repo)], capture_output=True, text=True, cwd=ROOT,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": "/tmp"})
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 2
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"check --select V1,V2,V2a (both reports): {result['seconds']:.2f}s wall, {result['cpu']:.2f}s CPU, "
              f"peak RSS {result['peak_mb']:.0f} MB, exit {result['exit']}")
        for line in result["findings"]:
            print("  ", line)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
