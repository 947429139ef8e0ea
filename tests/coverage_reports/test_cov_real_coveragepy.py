"""coverage.py for real: run a tiny project under coverage, then compare our totals with what coverage prints.

Cross-checked: `coverage report --format=total --precision=2` (the number CI scripts grep) against our
reading of `coverage json`, `coverage xml` and the `.coverage` data file; `lcov --summary` against our reading
of `coverage lcov` output.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from observatory_invariants.parsers.coverage import (read_coverage_data, read_coverage_json, read_coverage_xml,
                                                     read_lcov, read_report, relative_to_folder)

from tests.coverage_reports.realtools import need_tool, run, write

pytestmark = pytest.mark.slow

PROJECT = {
    "app/__init__.py": "",
    "app/calc.py": (
        "def classify(n):\n"
        "    if n < 0:\n"
        "        return 'negative'\n"
        "    elif n == 0:\n"
        "        return 'zero'\n"
        "    for i in range(n):\n"
        "        if i > 100:\n"
        "            break\n"
        "    return 'positive'\n"
        "\n"
        "def never_called(x):\n"
        "    y = x * 2\n"
        "    return y if y else -1\n"
    ),
    "app/validator/__init__.py": "",
    "app/validator/rules.py": (
        "def valid(name):\n"
        "    if not name:\n"
        "        return False\n"
        "    return name.isidentifier()\n"
    ),
    "main.py": (
        "from app.calc import classify\n"
        "from app.validator.rules import valid\n"
        "print(classify(3), classify(-1), valid('abc'))\n"
    ),
}


def _coverage(tmp: Path, *args: str):
    return run([sys.executable, "-m", "coverage", *args], cwd=tmp)


@pytest.fixture(params=[True, False], ids=["branch", "statements"])
def measured(request, tmp_path):
    write(tmp_path, PROJECT)
    (tmp_path / ".coveragerc").write_text("[run]\nbranch = %s\n" % request.param)
    _coverage(tmp_path, "run", "main.py")
    total = _coverage(tmp_path, "report", "--format=total", "--precision=2").stdout.strip()
    _coverage(tmp_path, "json", "-o", "cov.json")
    _coverage(tmp_path, "xml", "-o", "cov.xml")
    return tmp_path, total, request.param


def test_json_total_equals_coverage_report(measured):
    tmp, printed, _ = measured
    report = read_coverage_json((tmp / "cov.json").read_bytes(), "cov.json")
    assert report.native_total_text(precision=2) == printed
    assert report.total("statements") == report.declared["statements"]


def test_xml_total_equals_coverage_report(measured):
    tmp, printed, branch = measured
    report = read_coverage_xml((tmp / "cov.xml").read_bytes(), "cov.xml")
    assert report.native_total_text(precision=2) == printed
    assert report.total("lines") == report.declared["lines"]          # lines-covered / lines-valid
    if branch:
        assert report.total("branches") == report.declared["branches"]
    assert read_report("cov.xml", (tmp / "cov.xml").read_bytes()).format == "coverage.py-xml"


def test_data_file_total_equals_coverage_report(measured):
    tmp, printed, _ = measured
    report = read_coverage_data(tmp / ".coverage", tmp)
    assert report.native_total_text(precision=2) == printed
    json_report = read_coverage_json((tmp / "cov.json").read_bytes(), "cov.json")
    assert {f.path: f for f in report.files} == {f.path: f for f in json_report.files}


def test_three_readers_agree_file_by_file(measured):
    tmp, _, branch = measured
    from_json = {f.path: (f.statements, f.branches) for f in read_coverage_json((tmp / "cov.json").read_bytes()).files}
    xml_report = relative_to_folder(read_coverage_xml((tmp / "cov.xml").read_bytes()), "")
    from_xml = {f.path: (f.statements, f.branches) for f in xml_report.files}
    assert set(from_json) == {"app/__init__.py", "app/calc.py", "app/validator/__init__.py",
                              "app/validator/rules.py", "main.py"}
    for path, (statements, branches) in from_json.items():
        assert from_xml[path][0] == statements
        if branch:
            assert from_xml[path][1] == branches


def test_data_file_recorded_elsewhere_is_found_under_the_source_root(measured, tmp_path_factory):
    tmp, printed, _ = measured
    moved = tmp_path_factory.mktemp("checkout") / "service"
    shutil.copytree(tmp, moved)
    shutil.rmtree(tmp / "app")  # the recorded paths no longer exist
    report = read_coverage_data(moved / ".coverage", moved)
    assert report.native_total_text(precision=2) == printed
    assert "app/validator/rules.py" in {f.path for f in report.files}


def test_lcov_export_matches_lcov_summary(measured):
    tmp, _, branch = measured
    lcov = need_tool("lcov")
    _coverage(tmp, "lcov", "-o", "cov.info")
    summary = run([lcov, "--summary", "cov.info", "--rc", "lcov_branch_coverage=1"], cwd=tmp)
    text = summary.stdout + summary.stderr
    report = read_lcov((tmp / "cov.info").read_bytes(), "cov.info")
    lines = re.search(r"lines\.+: (\S+) \((\d+) of (\d+) lines\)", text)
    assert lines, text
    assert report.native_total_text("lines") == lines.group(1)
    assert (report.total("lines").covered, report.total("lines").total) == (int(lines.group(2)), int(lines.group(3)))
    # lcov 1.x (Debian 12) skips coverage.py's BRDA lines (their branch ids are text, an lcov 2 feature), so
    # branches are compared with coverage.py's own count instead.
    if branch:
        data = read_coverage_json((tmp / "cov.json").read_bytes())
        assert report.total("branches") == data.total("branches")
