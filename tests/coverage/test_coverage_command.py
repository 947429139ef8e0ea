"""`observatory-invariants coverage`: the table, --report, exit codes, and --update-baseline (raises, never lowers
without --allow-decrease, the only write). In process (cli.main) on real git repositories; one subprocess run
checks the console entry point."""

from __future__ import annotations

import json

import pytest

from observatory_invariants import cli
from tests.coverage.test_v1_v6 import coverage_json, go_profile
from tests.helpers import git_repo, run_cli

CONFIG = {"thresholds": {
    "processor": {"min": 80, "warn": 85, "tool": "pytest-cov", "report": "src/services/processor/coverage.json"},
    "metrics-engine": {"min": 10, "warn": 15, "tool": "go-cover", "paths": {"validator/": {"min": 80}}},
}, "ratchet": {"enabled": True, "mode": "fail"}}


@pytest.fixture
def repo(tmp_path):
    return git_repo(tmp_path / "repo", {
        "coverage-config.json": CONFIG, ".gitignore": "coverage.json\n*.out\n",
        "src/services/processor/main.py": "", "src/services/metrics-engine/main.go": "",
    })


def write_reports(repo, processor=(90, 100), validator=(17, 20)):
    (repo / "src/services/processor/coverage.json").write_text(coverage_json({"main.py": processor}))
    (repo / "build").mkdir(exist_ok=True)
    (repo / "build/metrics.out").write_text(go_profile([("main.go", 80, 0), ("main.go", 20, 1),
                                                        ("validator/v.go", validator[0], 1),
                                                        ("validator/v.go", validator[1] - validator[0], 0)]))


def coverage(repo, monkeypatch, capsys, *args):
    monkeypatch.chdir(repo)
    code = cli.main(["coverage", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_and_exit_code(repo, monkeypatch, capsys):
    write_reports(repo, processor=(70, 100))
    code, out, err = coverage(repo, monkeypatch, capsys, "--report", "metrics-engine=build/metrics.out")
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].split() == ["SERVICE", "RULE", "MEASURED", "MIN", "WARN", "BASELINE", "VERDICT", "REPORT"]
    assert lines[1].split()[:5] == ["processor", "V1", "70%", "(70/100", "statements+branches)"]
    assert "below min" in lines[1]
    assert lines[2].split()[:3] == ["metrics-engine", "V2", "30.83%"]     # 37 of 120 statements
    assert lines[3].split()[:4] == ["metrics-engine", "validator/", "V2a", "85%"]
    assert "coverage-config.json:3: V1 processor: coverage 70%" in out


def test_missing_report_is_an_error_here_and_json_output(repo, monkeypatch, capsys):
    write_reports(repo)
    code, out, _ = coverage(repo, monkeypatch, capsys, "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("V2.no-report", "error"),
                                                                          ("V1.ratchet", "note")]
    assert [(r["service"], r["path"], r["verdict"]) for r in document["services"]] == [
        ("processor", None, "ok"), ("metrics-engine", None, "no report"), ("metrics-engine", "validator/", "no report")]


def test_update_baseline_raises_and_never_lowers(repo, monkeypatch, capsys):
    write_reports(repo, processor=(90, 100))
    args = ("--report", "metrics-engine=build/metrics.out")
    code, out, _ = coverage(repo, monkeypatch, capsys, *args, "--update-baseline")
    assert code == 0 and "wrote coverage-baseline.json" in out
    baseline = json.loads((repo / "coverage-baseline.json").read_text())
    assert baseline["services"]["processor"] == {"percent": 90.0, "measurement": "statements+branches",
                                                 "covered": 90, "total": 100}
    assert baseline["services"]["metrics-engine"]["paths"]["validator/"]["percent"] == 85.0
    # Lower now: the ratchet (mode fail) is an error, and --update-baseline keeps the entry.
    write_reports(repo, processor=(85, 100))
    code, out, _ = coverage(repo, monkeypatch, capsys, *args, "--update-baseline")
    assert code == 1 and "V1.ratchet processor: coverage 85% fell 5.00 points below the baseline 90%" in out
    assert "baseline kept: processor 90% -> 85% (kept: pass --allow-decrease to lower it)" in out
    assert json.loads((repo / "coverage-baseline.json").read_text())["services"]["processor"]["percent"] == 90.0
    code, out, _ = coverage(repo, monkeypatch, capsys, *args, "--update-baseline", "--allow-decrease")
    assert "baseline lowered: processor 90% -> 85%" in out
    assert json.loads((repo / "coverage-baseline.json").read_text())["services"]["processor"]["percent"] == 85.0
    # The same measurement again writes nothing.
    before = (repo / "coverage-baseline.json").stat().st_mtime_ns
    code, out, _ = coverage(repo, monkeypatch, capsys, *args, "--update-baseline")
    assert code == 0 and "baseline unchanged" in out and (repo / "coverage-baseline.json").stat().st_mtime_ns == before


def test_without_update_baseline_nothing_is_written(repo, monkeypatch, capsys):
    write_reports(repo)
    coverage(repo, monkeypatch, capsys, "--report", "metrics-engine=build/metrics.out")
    assert not (repo / "coverage-baseline.json").exists()


@pytest.mark.parametrize("args,message", [
    (("--allow-decrease",), "--allow-decrease only makes sense with --update-baseline"),
    (("--report", "processor"), "--report processor: expected SERVICE=PATH"),
    (("--report", "a=x", "--report", "a=y"), "given twice"),
])
def test_usage_errors(repo, monkeypatch, capsys, args, message):
    code, _, err = coverage(repo, monkeypatch, capsys, *args)
    assert code == 2 and message in err


def test_no_coverage_config_is_a_usage_error(tmp_path, monkeypatch, capsys):
    git_repo(tmp_path / "empty", {"README.md": "x"})
    code, _, err = coverage(tmp_path / "empty", monkeypatch, capsys)
    assert code == 2 and "no coverage config" in err


def test_check_gives_the_same_findings_when_reports_are_required(repo):
    write_reports(repo, processor=(70, 100))
    (repo / ".observatory-invariants.toml").write_text('[coverage]\nreports = "required"\n')
    via_check = run_cli("check", "--select", "V1,V2,V2a", "--format", "json", cwd=repo)
    via_coverage = run_cli("coverage", "--format", "json", cwd=repo)
    assert via_check.returncode == via_coverage.returncode == 1, via_check.stderr + via_coverage.stderr
    rows = lambda out: [{k: v for k, v in row.items() if k != "fingerprint"} for row in json.loads(out)["findings"]]  # noqa: E731
    assert rows(via_check.stdout) == rows(via_coverage.stdout)
