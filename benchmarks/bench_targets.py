"""The performance targets of the performance issue, measured in one run, today's code beside an earlier one.

    python benchmarks/bench_targets.py [--before-root DIR --before-python PY] [--runs N] [--seed-repo DIR]
                                       [--only ROW,ROW] [--json FILE]

Rows (medians of ``--runs`` runs, the versions alternating, ``python -c pass`` measured in the same run):

- ``seed-vs-scripts``: a full ``check`` of the seed repository's HEAD against the seed's own five Python
  checkers run one after another (test-contracts-sanity, check-schema-compat --ci, validate-dockerfile-context,
  check-service-versions, check-timeout-sync) — target ≤ 0.8×;
- ``seed-vs-python``: the same check against ``python -c pass`` — target ≤ 6×;
- ``synthetic-10k``: a 10,000-file synthetic monorepo (benchmarks/generate_monorepo.py), full check — ≤ 3 s,
  with 2,500 / 5,000 / 10,000 files to show it grows linearly;
- ``select-one``: ``--select X3`` / ``B4`` / ``C3`` on that repository as a share of the full check — ≤ 15 % for one
  script rule;
- ``pre-commit``: each hook command alone on a 3-file commit of the seed (a schema, a script, a Dockerfile), warm —
  ≤ 3× ``python -c pass``;
- ``powershell-2000``: 2,000 PowerShell files × 300 lines, X1–X4 + B4 (benchmarks/bench_scripts.py) — ≤ 3 s;
- ``compat-pair``: one C4 schema pair of 20–50 properties, depth 4 (benchmarks/bench_compat.py) — ≤ 0.5 ms.

The seed repository is materialised by the ecosystem check (``benchmarks/ecosystem/run.py`` puts it in
``/work/.ecosystem-cache/odd-demonstration``); rows that need it are skipped, with the reason, without it.
``--before-root``/``--before-python`` name an earlier checkout of this repository and an interpreter with that
checkout installed (e.g. a ``git worktree`` of an older commit with its own venv): its column is "today's".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED_CHECKERS = [["scripts/test-contracts-sanity.py"], ["scripts/check-schema-compat.py", "--ci"],
                 ["scripts/validate-dockerfile-context.py"], ["scripts/check-service-versions.py"],
                 ["scripts/check-timeout-sync.py"]]
DEFAULT_SEED = Path(os.environ.get("OBS_ECOSYSTEM_CACHE", "/work/.ecosystem-cache")) / "odd-demonstration"


class Version:
    """One version of the tool: the checkout it lives in, the interpreter it is installed for, and the environment
    its commands run with (``now`` runs twice: with the run cache off, and warm — the command already ran on the same
    state, so the cache answers; the library rows are measured once per checkout)."""

    def __init__(self, name: str, root: Path, python: str, env: dict | None = None, library_rows: bool = True):
        self.name, self.root, self.python = name, root, python
        self.env = {**os.environ, **(env or {})}
        self.library_rows = library_rows

    def tool(self, *args: str) -> list[str]:
        return [self.python, "-m", "observatory_invariants", *args]


def wall(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> float:
    """Wall time of one run. No ``timeout=`` on the wait: with one, subprocess polls with sleeps of up to 50 ms,
    which rounds short commands up by tens of milliseconds; a timer kills a run that hangs instead."""
    import threading

    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    watchdog = threading.Timer(1800, process.kill)
    watchdog.start()
    try:
        process.wait()   # a blocking waitpid: returns the moment the child ends
    finally:
        watchdog.cancel()
    return time.perf_counter() - start


def medians(commands: dict[str, tuple], runs: int) -> dict[str, float]:
    """Median wall time of each command — ``(argv, cwd)`` or ``(argv, cwd, env)`` — the commands alternating run by
    run (so load hits them alike)."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    for key, (cmd, cwd, *env) in commands.items():   # one warm-up each: disk cache, .pyc files, the run cache
        wall(cmd, cwd, *env)
    for _ in range(runs):
        for key, (cmd, cwd, *env) in commands.items():
            times[key].append(wall(cmd, cwd, *env))
    return {k: statistics.median(v) for k, v in times.items()}


def _row(rows: list, what: str, target: str, values: dict[str, str], note: str = "") -> None:
    rows.append({"what": what, "target": target, **values, "note": note})
    shown = "  ".join(f"{k}: {v}" for k, v in values.items())
    print(f"- {what}: {shown}  (target {target}){' — ' + note if note else ''}", flush=True)


def bench_seed(versions: list[Version], seed: Path, runs: int, rows: list) -> None:
    if not seed.is_dir():
        _row(rows, "seed rows", "-", {}, f"skipped: no materialised seed repository at {seed}")
        return
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], None)}
    scripts = [[sys.executable, *c] for c in SEED_CHECKERS if (seed / c[0]).exists()]
    script_file = Path(tempfile.mkdtemp()) / "seed_checkers.sh"
    script_file.write_text("".join(" ".join(map(str, c)) + " >/dev/null 2>&1\n" for c in scripts))
    commands["seed's five checkers"] = (["sh", str(script_file)], seed)
    for v in versions:
        commands[v.name] = (v.tool("check", "--format", "json", "--exit-zero", "--root", str(seed)), seed, v.env)
    t = medians(commands, runs)
    base, scripts_t = t["python -c pass"], t["seed's five checkers"]
    _row(rows, "full check of the seed HEAD vs the seed's five Python checkers", "≤ 0.8×",
         {v.name: f"{t[v.name] / scripts_t:.2f}× ({t[v.name]:.2f} s vs {scripts_t:.2f} s)" for v in versions})
    _row(rows, "full check of the seed HEAD vs python -c pass", "≤ 6×",
         {v.name: f"{t[v.name] / base:.1f}× ({t[v.name]:.2f} s vs {base:.3f} s)" for v in versions})


def _synthetic(services: int, keep: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate_monorepo import generate

    out = keep / f"synthetic-{services}"
    if not out.exists():
        generate(out, services=services, schemas=max(1, services // 2), git=True)
    return out


def bench_synthetic(versions: list[Version], runs: int, keep: Path, rows: list) -> None:
    sizes = {250: None, 500: None, 1000: None}
    for services in sizes:
        sizes[services] = _synthetic(services, keep)
    big = sizes[1000]
    files = sum(1 for _ in big.rglob("*") if _.is_file() and ".git" not in _.parts)
    commands = {}
    for v in versions:
        for services, repo in sizes.items():
            commands[f"{v.name} {services}"] = (v.tool("check", "--format", "json", "--exit-zero", "--root", str(repo)),
                                                repo, v.env)
    t = medians(commands, max(3, runs // 2))
    _row(rows, f"synthetic monorepo ({files:,} files), full check", "≤ 3 s, linear",
         {v.name: f"{t[f'{v.name} 1000']:.2f} s (250/500/1000 services: "
                  f"{t[f'{v.name} 250']:.2f} / {t[f'{v.name} 500']:.2f} / {t[f'{v.name} 1000']:.2f} s)"
          for v in versions})
    # The shares are measured against the full check *in the same batch*, interleaved: this machine's speed drifts
    # by tens of per cent within minutes, so a share taken against another batch's full check drifts with it.
    select = {}
    for v in versions:
        select[f"{v.name} full"] = commands[f"{v.name} 1000"]
        for rule in ("X3", "B4", "C3"):
            select[f"{v.name} {rule}"] = (v.tool("check", "--format", "json", "--exit-zero", "--select", rule,
                                                 "--root", str(big)), big, v.env)
    s = medians(select, max(3, runs // 2))
    _row(rows, "--select one rule on the synthetic monorepo, share of the full check", "≤ 15 % (script rule)",
         {v.name: ", ".join(f"{r} {s[f'{v.name} {r}'] / s[f'{v.name} full'] * 100:.0f} %" for r in ("X3", "B4", "C3"))
          for v in versions})


def bench_pre_commit(versions: list[Version], seed: Path, runs: int, rows: list) -> None:
    if not seed.is_dir():
        return
    work = Path(tempfile.mkdtemp()) / "seed"
    shutil.copytree(seed, work, symlinks=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@e"}
    schema = next(iter(sorted((work / "contracts" / "schemas").glob("*.json"))))
    script = next(iter(sorted((work / "scripts").glob("*.ps1"))))
    dockerfile = next(iter(sorted(work.glob("src/services/*/Dockerfile"))))
    schema.write_text(schema.read_text() + "\n")
    script.write_text("# touched\n" + script.read_text())
    dockerfile.write_text(dockerfile.read_text() + "\n# touched\n")
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True, env=env, capture_output=True)
    rel = lambda p: str(p.relative_to(work))  # noqa: E731
    hooks = {"contracts": ["check", "--staged", "--select", "C1,C2,C3,C5", "--", rel(schema)],
             "powershell": ["check", "--select", "X1,X2,X3,X4,B4", "--", rel(script)],
             "docker": ["check", "--staged", "--select", "B1,B2,B3", "--", rel(dockerfile), rel(script)]}
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], None)}
    for v in versions:
        for name, args in hooks.items():
            commands[f"{v.name} {name}"] = (v.tool(*args), work, v.env)
    t = medians(commands, runs)
    base = t["python -c pass"]
    _row(rows, "pre-commit hook command alone on a 3-file commit of the seed (warm)", "≤ 3× python -c pass",
         {v.name: ", ".join(f"{n} {t[f'{v.name} {n}'] / base:.1f}× ({t[f'{v.name} {n}'] * 1000:.0f} ms)"
                            for n in hooks) for v in versions}, f"python -c pass {base * 1000:.0f} ms")


def _script_seconds(v: Version, script: str, args: list[str], pattern: str, shown: str = "{0}") -> str:
    path = v.root / "benchmarks" / script
    if not path.exists():
        return "n/a"
    proc = subprocess.run([v.python, str(path), *args], capture_output=True, text=True, timeout=1800, cwd=v.root)
    match = re.search(pattern, proc.stdout, re.DOTALL)
    if not match:
        return f"failed: {(proc.stdout + proc.stderr)[-200:]!r}"
    if match.lastindex < len(match.groups()):   # an older script without the pool line
        return match.group(1)
    return shown.format(*match.groups())


def bench_units(versions: list[Version], rows: list) -> None:
    versions = [v for v in versions if v.library_rows]
    # one process, and the adapter's pool (what `check` uses when a core is free); the same run of the script
    _row(rows, "2,000 PowerShell files × 300 lines, X1–X4 + B4", "≤ 3 s",
         {v.name: _script_seconds(v, "bench_scripts.py", [],
                                  r"X1-X4, B4:\s+([\d.]+ s) wall(?:.*?X1-X4, B4:\s+([\d.]+ s) wall with)?",
                                  "{0} in one process, {1} with the pool") for v in versions})
    _row(rows, "one C4 schema pair (20–50 properties, depth 4)", "≤ 0.5 ms",
         {v.name: _script_seconds(v, "bench_compat.py", ["1000"], r"seed\s*:.*?\(([\d.]+ ms)/pair") for v in versions})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before-root", type=Path, help="an earlier checkout of this repository")
    parser.add_argument("--before-python", help="an interpreter with --before-root installed")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed-repo", type=Path, default=DEFAULT_SEED)
    parser.add_argument("--only", help="comma-separated rows: seed, synthetic, pre-commit, units")
    parser.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "obs-bench-targets",
                        help="where generated repositories are kept between runs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    # The run cache in a folder of this run's own (never the user's), empty at the start.
    os.environ["OBSERVATORY_CACHE_DIR"] = tempfile.mkdtemp(prefix="obs-bench-cache-")
    os.environ.pop("OBSERVATORY_NO_CACHE", None)
    versions = [Version("now, no cache", ROOT, sys.executable, {"OBSERVATORY_NO_CACHE": "1"}),
                Version("now, warm cache", ROOT, sys.executable, library_rows=False)]
    if args.before_root and args.before_python:
        versions.insert(0, Version("before", args.before_root.resolve(), args.before_python))
    args.keep.mkdir(parents=True, exist_ok=True)
    for v in versions:   # as an installed wheel would be: bytecode compiled once (PYTHONDONTWRITEBYTECODE may be set)
        subprocess.run([v.python, "-m", "compileall", "-q", str(v.root / "observatory_invariants")], check=False,
                       capture_output=True, env={k: val for k, val in os.environ.items()
                                                 if k != "PYTHONDONTWRITEBYTECODE"})
    only = set(args.only.split(",")) if args.only else {"seed", "synthetic", "pre-commit", "units"}
    rows: list = []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; versions: "
          + ", ".join(f"{v.name}={v.root}" for v in versions), flush=True)
    if "seed" in only:
        bench_seed(versions, args.seed_repo, args.runs, rows)
    if "synthetic" in only:
        bench_synthetic(versions, args.runs, args.keep, rows)
    if "pre-commit" in only:
        bench_pre_commit(versions, args.seed_repo, args.runs, rows)
    if "units" in only:
        bench_units(versions, rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
