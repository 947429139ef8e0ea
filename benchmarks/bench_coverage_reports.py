"""Benchmark the coverage report readers on large inputs: a ~50 MB LCOV tracefile and a Cobertura XML of
20,000 files (plus a Go profile and a billion-laughs XML that must be refused at once).

Each file is generated into a temporary folder, then read from a path (a binary stream, as a rule would
read it) in a fresh Python process, so the peak RSS printed is that read's own (ru_maxrss of the child,
including the interpreter, ~15 MB). Wall-clock and CPU seconds are both printed: on a shared machine the
CPU figure is the stable one. Run: ``python benchmarks/bench_coverage_reports.py [--mb 50]
[--files 20000] [--keep DIR]``.
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

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from observatory_invariants.parsers.coverage import read_report, CoverageReportError
start = time.perf_counter()
cpu_start = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
try:
    with open(sys.argv[2], "rb") as handle:
        report = read_report(sys.argv[2], handle)
    outcome = {"files": len(report.files), "total": [report.total().covered, report.total().total],
               "text": report.native_total_text()}
except CoverageReportError as exc:
    outcome = {"error": str(exc)[-120:]}
outcome["seconds"] = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
outcome["cpu"] = usage.ru_utime + usage.ru_stime - cpu_start
outcome["peak_mb"] = usage.ru_maxrss / 1024
print(json.dumps(outcome))
"""


def write_lcov(path: Path, megabytes: int, rng: random.Random) -> None:
    target = megabytes * 1024 * 1024
    written = 0
    index = 0
    with path.open("w") as out:
        while written < target:
            lines = rng.randint(50, 400)
            parts = [f"TN:unit\nSF:/home/runner/work/repo/repo/src/services/svc/pkg{index // 100}/file{index}.c\n"]
            for fn in range(lines // 25):
                parts.append(f"FN:{fn * 25 + 1},func_{index}_{fn}\nFNDA:{rng.randint(0, 3)},func_{index}_{fn}\n")
            hit = 0
            for line in range(1, lines + 1):
                count = rng.choice((0, 0, 1, 2, 17, 130))
                hit += count > 0
                parts.append(f"DA:{line},{count}\n")
                if line % 10 == 0:
                    parts.append(f"BRDA:{line},0,0,{rng.choice(('-', '0', '3'))}\nBRDA:{line},0,1,{rng.randint(0, 2)}\n")
            parts.append(f"LF:{lines}\nLH:{hit}\nend_of_record\n")
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
            index += 1


def write_cobertura(path: Path, files: int, rng: random.Random) -> None:
    with path.open("w") as out:
        out.write('<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n'
                  '<coverage line-rate="0.5" branch-rate="0.5" version="1" timestamp="0">\n'
                  "<sources><source>/home/runner/work/repo/repo</source></sources>\n<packages>\n")
        for package in range(files // 100):
            out.write(f'<package name="pkg{package}" line-rate="0.5" branch-rate="0.5" complexity="0"><classes>\n')
            for index in range(package * 100, package * 100 + 100):
                out.write(f'<class name="C{index}" filename="src/pkg{package}/File{index}.java" line-rate="0.5" '
                          'branch-rate="0.5" complexity="0"><methods><method name="m" signature="()V"><lines>'
                          '<line number="1" hits="1"/></lines></method></methods><lines>\n')
                for line in range(1, rng.randint(20, 80)):
                    if line % 7 == 0:
                        out.write(f'<line number="{line}" hits="{rng.randint(0, 3)}" branch="true" '
                                  f'condition-coverage="50% (1/2)"/>\n')
                    else:
                        out.write(f'<line number="{line}" hits="{rng.choice((0, 1, 5))}"/>\n')
                out.write("</lines></class>\n")
            out.write("</classes></package>\n")
        out.write("</packages>\n</coverage>\n")


def write_go(path: Path, blocks: int, rng: random.Random) -> None:
    with path.open("w") as out:
        out.write("mode: count\n")
        for i in range(blocks):
            out.write(f"example.com/m/pkg{i // 5000}/f{i // 50}.go:{i % 50 * 3 + 1}.2,{i % 50 * 3 + 3}.3 "
                      f"{rng.randint(1, 5)} {rng.choice((0, 1, 4))}\n")


def write_bomb(path: Path) -> None:
    entities = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">\n' for i in range(10))
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE coverage [\n{entities}]>\n<coverage><source>&l9;</source></coverage>\n')


def read_in_child(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path)], capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"reading {path} crashed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the LCOV file in MB (default 50)")
    parser.add_argument("--files", type=int, default=20000, help="files in the Cobertura XML (default 20000)")
    parser.add_argument("--keep", help="write the inputs here and keep them")
    args = parser.parse_args()
    rng = random.Random(12)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="obs-bench-coverage-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        inputs = {
            "lcov.info": lambda p: write_lcov(p, args.mb, rng),
            "cobertura.xml": lambda p: write_cobertura(p, args.files, rng),
            "cover.out": lambda p: write_go(p, 500_000, rng),
            "bomb.xml": write_bomb,
        }
        print(f"{'input':<16}{'size':>10}{'files':>9}{'wall s':>9}{'CPU s':>8}{'peak RSS':>11}  result")
        for name, make in inputs.items():
            path = folder / name
            make(path)
            size = path.stat().st_size / 1024 / 1024
            outcome = read_in_child(path)
            result = outcome.get("error") or f"total {outcome['text']} ({outcome['total'][0]}/{outcome['total'][1]})"
            print(f"{name:<16}{size:>8.1f}MB{outcome.get('files', 0):>9}{outcome['seconds']:>9.2f}"
                  f"{outcome['cpu']:>8.2f}{outcome['peak_mb']:>9.0f}MB  {result}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
