"""Issue 15 item 9 (the script rules' part): hostile inputs finish in bounded time and memory.

Each case runs in a child process (so its memory is its own) with a wall-clock guard, and reports its peak RSS.
The guards are generous for a shared 2-core machine; the measured figures are far below them (see
benchmarks/README.md). The work is linear: the same inputs used to take 30 s to many minutes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
sys.path.insert(0, {str(ROOT / 'benchmarks')!r})
def report(found):
    print(json.dumps({{"findings": len(found),
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_bounded(body: str, seconds: float) -> dict:
    """Run ``body`` (which calls report(findings)) in a fresh interpreter; fail past ``seconds``."""
    code = PRELUDE + textwrap.dedent(body)
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {seconds} s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_x3_one_line_json_array_of_strings_is_linear():
    result = run_bounded("""
        from observatory_invariants.rules.scripts.x3_windows_paths import source_paths
        text = "[" + ",".join('"C:\\\\\\\\data\\\\\\\\item%d"' % i for i in range(5000)) + "]"
        assert len(text) > 50_000
        report(source_paths("data.json", text, "json"))
    """, seconds=10)
    assert result["findings"] == 5000


def test_x3_minified_javascript_is_linear():
    result = run_bounded("""
        from observatory_invariants.rules.scripts.x3_windows_paths import source_paths
        text = "var a=" + ";".join("b%d='x%d',c%d=\\"y\\"/*z*/" % (i, i, i) for i in range(4000))
        text += ';d="C:\\\\\\\\fakepath\\\\\\\\"'
        assert len(text) > 80_000 and "\\n" not in text
        report(source_paths("bundle.js", text, "js"))
    """, seconds=10)
    assert result["findings"] == 1


def test_x3_source_without_any_candidate_is_skipped_by_the_pre_test():
    result = run_bounded("""
        from observatory_invariants.rules.scripts.x3_windows_paths import source_paths
        text = "[" + ",".join('"item%d"' % i for i in range(200000)) + "]"
        start = time.perf_counter()
        found = source_paths("data.json", text, "json")
        assert time.perf_counter() - start < 2, "the pre-test should skip a file with no drive letter"
        report(found)
    """, seconds=20)
    assert result["findings"] == 0


def test_powershell_unbalanced_brackets_are_linear():
    result = run_bounded("""
        from observatory_invariants.rules.scripts.lint import check_powershell
        report(check_powershell("a.ps1", "(" * 100000 + "}" * 100000))
    """, seconds=20)
    assert result["rss_mb"] < 300


def test_powershell_5mb_realistic_script():
    result = run_bounded("""
        import bench_scripts
        from observatory_invariants.rules.scripts.lint import check_powershell
        text = "".join(bench_scripts.generate(450, 300))
        assert len(text) > 4_800_000
        report(check_powershell("big.ps1", text))
    """, seconds=60)
    assert result["findings"] == 0 and result["rss_mb"] < 400


def test_sh_5mb_script_lexes_and_lints_in_bounded_memory():
    result = run_bounded("""
        from observatory_invariants.rules.scripts.x4_bashisms import bashisms
        from observatory_invariants.rules.scripts.x3_windows_paths import shell_paths
        chunk = ('#!/bin/sh\\nset -eu\\nf() {\\n  local x="${1:-}"\\n  case "$x" in a) echo "$x" ;; esac\\n}\\n'
                 'for i in 1 2 3; do f "$i" | tr -d "\\\\\\\\r\\\\\\\\n" >/dev/null; done\\n'
                 'if [ -n "$BASH_VERSION" ]; then shopt -s nullglob; fi\\ncat <<EOF\\n$HOME C:\\\\\\\\x\\nEOF\\n')
        text = chunk * (4_900_000 // len(chunk) + 1)
        report(bashisms("big.sh", text) + shell_paths("big.sh", text))
    """, seconds=60)
    assert result["rss_mb"] < 300
