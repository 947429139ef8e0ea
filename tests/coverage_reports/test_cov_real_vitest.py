"""vitest + @vitest/coverage-v8 for real: our reading of coverage-summary.json, coverage-final.json and lcov.info
against vitest's own text summary, and lcov.info against `lcov --summary`.

vitest is installed outside the repository (benchmarks/ci_install_coverage_tools.sh puts it in /tmp/obs-vitest,
or $OBS_VITEST_DIR); the test project links that node_modules.
"""

from __future__ import annotations

import re
import shutil

import pytest

from observatory_invariants.parsers.coverage import read_report, relative_to_folder
from tests.coverage_reports.realtools import VITEST_DIR, need_tool, run, write

pytestmark = pytest.mark.slow

PROJECT = {
    "package.json": '{"name": "gateway", "type": "module", "private": true}\n',
    "lib/validate.ts": (
        "export function sign(x: number): string {\n"
        "  if (x < 0) {\n    return \"neg\";\n  }\n"
        "  return x === 0 ? \"zero\" : \"pos\";\n}\n\n"
        "export function unused(a: number, b: number): number {\n"
        "  const c = a + b;\n  if (c > 10) { return c; }\n  return a && b ? 1 : 0;\n}\n"
    ),
    "lib/build.ts": "export const double = (x: number) => x * 2;\nexport function never() { return 42; }\n",
    "index.ts": "import { double } from './lib/build';\nexport const four = double(2);\n",
    "__tests__/validate.test.ts": (
        "import { expect, test } from 'vitest';\n"
        "import { sign } from '../lib/validate';\nimport { four } from '../index';\n"
        "test('sign', () => { expect(sign(3)).toBe('pos'); expect(sign(-1)).toBe('neg'); expect(four).toBe(4); });\n"
    ),
}

KINDS = {"Statements": "statements", "Branches": "branches", "Functions": "functions", "Lines": "lines"}


@pytest.fixture(scope="module")
def vitest_run(tmp_path_factory):
    need_tool("node")
    binary = VITEST_DIR / "node_modules" / ".bin" / "vitest"
    if not binary.exists() or not (VITEST_DIR / "node_modules" / "@vitest" / "coverage-v8").is_dir():
        pytest.skip(f"vitest and @vitest/coverage-v8 are not installed in {VITEST_DIR} "
                    "(benchmarks/ci_install_coverage_tools.sh installs them)")
    project = write(tmp_path_factory.mktemp("vitest") / "gateway", PROJECT)
    (project / "node_modules").symlink_to(VITEST_DIR / "node_modules")
    proc = run([binary, "run", "--coverage.enabled", "--coverage.provider=v8", "--coverage.include=lib/**",
                "--coverage.include=index.ts", "--coverage.reporter=json-summary", "--coverage.reporter=json",
                "--coverage.reporter=lcov", "--coverage.reporter=text-summary"], cwd=project,
               env={"CI": "true", "NO_COLOR": "1"})
    printed = {}
    for kind, pct, covered, total in re.findall(r"^(Statements|Branches|Functions|Lines)\s*:\s*(\S+)%\s*\(\s*(\d+)/(\d+)\s*\)",
                                                proc.stdout, re.M):
        printed[KINDS[kind]] = (pct, int(covered), int(total))
    assert set(printed) == set(KINDS.values()), proc.stdout
    return project, printed


@pytest.mark.parametrize("name", ["coverage-summary.json", "coverage-final.json", "lcov.info"])
def test_every_output_gives_vitest_s_totals(vitest_run, name):
    project, printed = vitest_run
    report = read_report(name, (project / "coverage" / name).read_bytes())
    for measurement, (pct, covered, total) in printed.items():
        if measurement not in report.measurements:   # LCOV has no statements
            continue
        counter = report.total(measurement)
        assert (counter.covered, counter.total) == (covered, total), measurement
        if report.format.startswith("istanbul"):
            assert report.native_total_text(measurement) == pct


def test_summary_files_relative_to_the_service(vitest_run):
    project, _ = vitest_run
    report = read_report("coverage-summary.json", (project / "coverage" / "coverage-summary.json").read_bytes())
    relative = relative_to_folder(report, "src/services/gateway", roots=(str(project),))
    assert {f.path for f in relative.files} == {"lib/validate.ts", "lib/build.ts", "index.ts"}


def test_vitest_lcov_matches_lcov_summary(vitest_run):
    project, _ = vitest_run
    lcov = need_tool("lcov")
    shutil.copy(project / "coverage" / "lcov.info", project / "copy.info")
    out = run([lcov, "--summary", "copy.info", "--rc", "lcov_branch_coverage=1"], cwd=project)
    text = out.stdout + out.stderr
    report = read_report("lcov.info", (project / "copy.info").read_bytes())
    for measurement, word in (("lines", "lines"), ("functions", "functions"), ("branches", "branches")):
        match = re.search(rf"{word}\.+: (\S+) \((\d+) of (\d+) {word}\)", text)
        assert match, text
        counter = report.total(measurement)
        assert report.native_total_text(measurement) == match.group(1)
        assert (counter.covered, counter.total) == (int(match.group(2)), int(match.group(3)))
