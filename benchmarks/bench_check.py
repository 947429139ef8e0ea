"""Time ``observatory-invariants check`` on synthetic monorepos of growing size.

    /work/venv/bin/python benchmarks/bench_check.py [--quick] [--runs R] [--json FILE] [--keep DIR]

What it measures (SPEC.md, "Quality bars": hooks cost little more than starting
Python; a 10,000-file scan takes seconds and grows linearly):

- scale: ``python -c pass`` and ``observatory-invariants --version``;
- for N=10 and N=1000 services (N/2 schemas, ~10 files per service): a full
  ``check`` through the real console entry (best of R runs), the same with
  ``--select C1,C2,C3,C5``, a pre-commit style run on one schema file
  (``check contracts/schemas/X.json --select C3``), ``api.check`` in a fresh
  interpreter (first call, with its imports, and best later call), and each
  check adapter on its own;
- linear growth: a full ``check`` at N = 250, 500, 1000, in seconds and in
  seconds per 1,000 files.

Every repository is generated clean, so any finding or exit code 2 is a bug
(in the generator or in a rule) and is printed with its traceback, not hidden.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # standalone runs: make `benchmarks` importable from the repository root

from benchmarks.generate_monorepo import generate  # noqa: E402

CONTRACT_RULES = "C1,C2,C3,C5"


@dataclass
class Timing:
    label: str
    seconds: float                     # best run
    runs: list[float] = field(default_factory=list)
    exit_code: int | None = None
    problem: str | None = None         # crash (exit 2) or unexpected findings, verbatim


def console_entry() -> list[str]:
    """The installed console script next to this interpreter (what users and pre-commit run)."""
    beside = Path(sys.executable).parent / "observatory-invariants"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("observatory-invariants")
    return [found] if found else [sys.executable, "-m", "observatory_invariants"]


def run_timed(label: str, argv: list[str], cwd: Path, runs: int, expect_clean: bool = True) -> Timing:
    """Best wall-clock time of ``runs`` runs; a crash or a finding on a clean tree is kept as the problem."""
    times = []
    proc = None
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    timing = Timing(label, min(times), times, proc.returncode)
    if proc.returncode == 2 or (expect_clean and proc.returncode != 0):
        timing.problem = describe_failure(argv, cwd, proc)
    return timing


def describe_failure(argv: list[str], cwd: Path, proc: subprocess.CompletedProcess) -> str:
    text = f"$ {' '.join(argv[-4:])}  (cwd {cwd})\nexit {proc.returncode}\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
    if proc.returncode == 2 and "internal error" in proc.stderr:
        # The CLI hides tracebacks unless asked; ask, so the report names the file and line that crashed.
        debug = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               env={**os.environ, "OBSERVATORY_DEBUG": "1"})
        text += f"\n--- traceback (OBSERVATORY_DEBUG=1) ---\n{debug.stderr[-8000:]}"
    return text


# Runs in a fresh interpreter so the first call pays the imports a real process pays.
IN_PROCESS = r"""
import json, sys, time
root = sys.argv[1]
select = sys.argv[2].split(",") if sys.argv[2] else None
started = time.perf_counter()
from observatory_invariants import api
first = time.perf_counter()
findings = api.check(root, select=select)
first = time.perf_counter() - first
later = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    api.check(root, select=select)
    later.append(time.perf_counter() - t)
print(json.dumps({"first": first, "later": later, "findings": [str(f) for f in findings[:20]],
                  "count": len(findings)}))
"""

# Each implemented check adapter alone, on a fresh workspace each (so shared parsing is counted per check).
PER_CHECK = r"""
import json, sys, time, traceback
from observatory_invariants import api, registry
root = sys.argv[1]
out = []
seen = set()
for rule in registry.RULES:
    if not rule.implemented or rule.check in seen:
        continue
    seen.add(rule.check)
    ids = [r.id for r in registry.RULES if r.check == rule.check]
    ws = api.open_workspace(root)
    t = time.perf_counter()
    try:
        found = rule.load_check()(ws, None)
        error = None
    except Exception:
        found, error = [], traceback.format_exc()
    out.append({"check": rule.check, "rules": ids, "seconds": time.perf_counter() - t,
                "findings": len(found), "error": error})
print(json.dumps(out))
"""


def in_process(root: Path, select: str | None, runs: int) -> tuple[Timing, Timing]:
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, str(root), select or "", str(runs)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        problem = f"api.check raised:\n{proc.stderr[-8000:]}"
        return Timing("api.check, first call", float("nan"), problem=problem), Timing("api.check, best later call",
                                                                                     float("nan"))
    data = json.loads(proc.stdout)
    problem = None
    if data["count"]:
        problem = f"{data['count']} finding(s) on a clean tree:\n" + "\n".join(data["findings"])
    first = Timing("api.check in-process, first call (incl. imports)", data["first"], [data["first"]],
                   problem=problem)
    later = Timing("api.check in-process, best later call", min(data["later"]), data["later"])
    return first, later


def per_check(root: Path) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", PER_CHECK, str(root)], capture_output=True, text=True)
    if proc.returncode != 0:
        return [{"check": "(per-check timing failed)", "rules": [], "seconds": float("nan"), "findings": 0,
                 "error": proc.stderr[-8000:]}]
    return json.loads(proc.stdout)


@dataclass
class RepoResult:
    services: int
    schemas: int
    files: int
    git: bool
    timings: list[Timing] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


def make_repo(base: Path, services: int, git: bool = True) -> tuple[Path, int, int]:
    root = base / f"monorepo-{services}{'' if git else '-nogit'}"
    repo = generate(root, services=services, git=git)
    return root, len(repo.files), repo.schemas


def bench_repo(base: Path, services: int, runs: int, entry: list[str], detail: bool) -> RepoResult:
    started = time.perf_counter()
    root, files, schemas = make_repo(base, services)
    print(f"  generated N={services}: {files} files, {schemas} schemas in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    result = RepoResult(services, schemas, files, True)
    result.timings.append(run_timed("check (full, all rules)", [*entry, "check"], root, runs))
    if detail:
        result.timings.append(run_timed(f"check --select {CONTRACT_RULES}", [*entry, "check", "--select",
                                                                             CONTRACT_RULES], root, runs))
        one_schema = sorted(p.name for p in (root / "contracts" / "schemas").glob("*.json"))[-1]
        result.timings.append(run_timed("pre-commit style: check <one schema> --select C3",
                                        [*entry, "check", f"contracts/schemas/{one_schema}", "--select", "C3"],
                                        root, runs))
        result.timings.extend(in_process(root, None, runs))
        result.checks = per_check(root)
    return result


def fmt(seconds: float) -> str:
    return "   n/a" if seconds != seconds else f"{seconds:6.3f}"


def print_report(scale: list[Timing], repos: list[RepoResult], growth: list[RepoResult],
                 nogit: RepoResult | None) -> None:
    print("\n== Scale (best of runs) ==")
    for t in scale:
        print(f"  {t.label:<55} {fmt(t.seconds)} s")
    for repo in repos:
        print(f"\n== N={repo.services} services, {repo.schemas} schemas, {repo.files} files (git) ==")
        for t in repo.timings:
            flag = "  <-- PROBLEM, see below" if t.problem else ""
            print(f"  {t.label:<55} {fmt(t.seconds)} s  exit {t.exit_code if t.exit_code is not None else '-'}{flag}")
        if repo.checks:
            print("  per check (fresh workspace each, so shared parsing is counted in each):")
            for c in sorted(repo.checks, key=lambda c: -c["seconds"] if c["seconds"] == c["seconds"] else 0):
                name = c["check"].replace("observatory_invariants.checks.", "")
                rules = ",".join(c["rules"])
                note = "  CRASHED" if c["error"] else (f"  {c['findings']} finding(s)" if c["findings"] else "")
                print(f"    {name:<38} {rules:<16} {fmt(c['seconds'])} s{note}")
    if growth:
        print("\n== Linear growth: full check (best of runs) ==")
        print(f"  {'services':>8} {'schemas':>8} {'files':>7} {'seconds':>8} {'s / 1,000 files':>16}")
        for repo in growth:
            t = repo.timings[0]
            print(f"  {repo.services:>8} {repo.schemas:>8} {repo.files:>7} {fmt(t.seconds):>8} "
                  f"{t.seconds / repo.files * 1000:>16.3f}")
    if nogit:
        t = nogit.timings[0]
        print(f"\n== N={nogit.services} without git (file list by os.walk + .gitignore) ==")
        print(f"  {t.label:<55} {fmt(t.seconds)} s  exit {t.exit_code}")
    measured = list({id(r): r for r in [*repos, *growth, *([nogit] if nogit else [])]}.values())  # N=1000 is in both
    problems = [(repo, t) for repo in measured for t in repo.timings if t.problem]
    crashed = [(repo, c) for repo in repos for c in repo.checks if c["error"]]
    if problems or crashed:
        print("\n== PROBLEMS (a clean synthetic tree must give exit 0 and no findings) ==")
        for repo, t in problems:
            print(f"\n-- N={repo.services}: {t.label} --\n{t.problem}")
        for repo, c in crashed:
            print(f"\n-- N={repo.services}: {c['check']} raised --\n{c['error']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small repositories, one run each (a smoke test)")
    parser.add_argument("--runs", type=int, help="runs per measurement, best kept (default 3; 1 with --quick)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR (kept) instead of a temporary folder")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    sizes, growth_sizes = ((10, 100), (25, 50, 100)) if args.quick else ((10, 1000), (250, 500, 1000))
    entry = console_entry()

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="observatory-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        print(f"benchmarking {' '.join(entry)} in {base} ({os.cpu_count()} CPUs, runs={runs})", file=sys.stderr)
        scale_runs = max(runs, 5)
        scale = [run_timed("python -c pass", [sys.executable, "-c", "pass"], base, scale_runs),
                 run_timed("observatory-invariants --version", [*entry, "--version"], base, scale_runs)]
        repos = [bench_repo(base, n, runs, entry, detail=True) for n in sizes]
        by_size = {r.services: r for r in repos}
        growth = [by_size.get(n) or bench_repo(base, n, runs, entry, detail=False) for n in growth_sizes]
        nogit = None
        if not args.quick:
            root, files, schemas = make_repo(base, sizes[-1], git=False)
            nogit = RepoResult(sizes[-1], schemas, files, False,
                               [run_timed("check (full, all rules), no git", [*entry, "check", "--root", "."],
                                          root, runs)])
        print_report(scale, repos, growth, nogit)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "cpus": os.cpu_count(), "python": sys.version.split()[0], "runs": runs,
                "scale": [asdict(t) for t in scale], "repos": [asdict(r) for r in repos],
                "growth": [asdict(r) for r in growth], "nogit": asdict(nogit) if nogit else None,
            }, indent=2) + "\n", encoding="utf-8")
        failed = any(t.problem for r in [*repos, *growth, *([nogit] if nogit else [])] for t in r.timings) or any(
            c["error"] for r in repos for c in r.checks)
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
