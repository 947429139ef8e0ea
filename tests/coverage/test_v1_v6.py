"""V1–V6 and V2a through the rule: measured coverage from reports, the reports policy, bad input, the ratchet,
thresholds that only go up. Percentages are computed by hand in the comments."""

from __future__ import annotations

import json

import pytest

from observatory_invariants.config import Config
from observatory_invariants.memory import workspace
from observatory_invariants.rules.coverage.v1_v6_thresholds import run
from observatory_invariants.runner import run as run_rules

SEED_CONFIG = {
    "thresholds": {
        "processor": {"min": 80, "warn": 85, "tool": "pytest-cov", "report": "src/services/processor/coverage.json"},
        "metrics-engine": {"min": 10, "warn": 15, "tool": "go-cover", "report": "src/services/metrics-engine/cover.out",
                           "paths": {"validator/": {"min": 80, "warn": 90}}},
        "tui": {"min": 31, "warn": 32, "tool": "cargo-tarpaulin", "measurement": "--lib --exclude-files src/main.rs",
                "report": "src/interfaces/tui/tarpaulin-report.json"},
    },
    "ratchet": {"enabled": True, "mode": "warn"},
}


def coverage_json(files: dict[str, tuple[int, int]]) -> str:
    """A coverage.py JSON report: {path: (covered statements, statements)}."""
    return json.dumps({"meta": {"version": "7.6.1", "format": 3},
                       "files": {p: {"summary": {"covered_lines": c, "num_statements": t}} for p, (c, t) in files.items()}})


def go_profile(blocks: list[tuple[str, int, int]]) -> str:
    """A Go cover profile: (file, statements, count) blocks."""
    lines = ["mode: set"] + [f"example.com/metrics/{f}:{i + 1}.1,{i + 2}.2 {n} {c}" for i, (f, n, c) in enumerate(blocks)]
    return "\n".join(lines) + "\n"


def tarpaulin(files: dict[str, list[int]]) -> str:
    return json.dumps({"files": [{"path": path.split("/"), "traces": [{"line": i + 1, "stats": {"Line": hits}}
                                                                      for i, hits in enumerate(hits_list)]}
                                 for path, hits_list in files.items()]})


def make_files(config=None, **extra) -> dict:
    files = {"coverage-config.json": json.dumps(config or SEED_CONFIG, indent=2),
             "src/services/processor/main.py": "", "src/services/metrics-engine/main.go": "",
             "src/interfaces/tui/src/lib.rs": ""}
    files.update(extra)
    return files


# processor 85 of 100 = 85% (ok); metrics-engine 25 of 120 (20.8%, ok) with validator 17 of 20 (85%: below warn 90);
# tui: lib.rs 2 of 3 = 66.7% once main.rs (0 of 3) is excluded as the measurement's --exclude-files says.
HEALTHY = {
    "src/services/processor/coverage.json": coverage_json({"main.py": (85, 100)}),
    "src/services/metrics-engine/cover.out": go_profile([("main.go", 90, 0), ("main.go", 8, 1),
                                                          ("validator/v.go", 17, 1), ("validator/w.go", 3, 0)]),
    "src/interfaces/tui/tarpaulin-report.json": tarpaulin({"src/lib.rs": [1, 1, 0], "src/main.rs": [0, 0, 0]}),
}


def findings(files, *, config=None, select=None, **ws_options):
    ws = workspace(files, config=config, **{k: v for k, v in ws_options.items() if k in ("history",)},
                   base_ref=ws_options.get("base_ref"), staged=ws_options.get("staged", False))
    if "reports" in ws_options:
        ws.reports = ws_options["reports"]
    if ws_options.get("require"):
        ws.require_reports = True
    if select is not None:
        return run_rules(ws, select=select).findings
    return run(ws, None)


def by_rule(found):
    return sorted((f.rule, f.severity.value) for f in found)


def options(**coverage) -> Config:
    """A Config with ``[tool.observatory-invariants.coverage]`` set (validated like a file's)."""
    from observatory_invariants.config import build_config, validate_raw

    raw = {"coverage": {key.replace("_", "-"): value for key, value in coverage.items()}}
    validate_raw(raw, "test")
    return build_config(raw, "test")


def test_healthy_reports_give_only_the_sub_path_warning():
    found = findings(make_files(**HEALTHY))
    # The ratchet is on and there is no baseline yet: a note says how to create it.
    assert by_rule(found) == [("V1.ratchet", "note"), ("V2a", "warning")]
    sub = next(f for f in found if f.rule == "V2a")
    assert "metrics-engine validator/: coverage 85%" in sub.message and "warn level 90%" in sub.message


def test_below_min_is_an_error_below_warn_a_warning():
    files = make_files(**{**HEALTHY, "src/services/processor/coverage.json": coverage_json({"main.py": (79, 100),
                                                                                            "util.py": (0, 0)})})
    found = [f for f in findings(files) if f.rule == "V1"]
    assert [(f.severity.value, f.line) for f in found] == [("error", 3)]
    assert "coverage 79% (statements+branches over 2 file(s) of src/services/processor/coverage.json) is below its " \
           "minimum 80%" in found[0].message
    files["src/services/processor/coverage.json"] = coverage_json({"main.py": (84, 100)})
    assert [f.severity.value for f in findings(files) if f.rule == "V1"] == ["warning"]


def test_exclude_applies_before_computing_the_seed_tarpaulin_case():
    # warn 40: with main.rs, 2 of 6 = 33.3% (a warning); main.rs excluded, 2 of 3 = 66.7% (nothing).
    config = json.loads(json.dumps(SEED_CONFIG))
    config["thresholds"]["tui"]["warn"] = 40
    assert not [f for f in findings(make_files(config, **HEALTHY)) if f.rule.startswith("V4")]
    del config["thresholds"]["tui"]["measurement"]
    found = [f for f in findings(make_files(config, **HEALTHY)) if f.rule == "V4"]
    assert [f.severity.value for f in found] == ["warning"] and "coverage 33.33%" in found[0].message
    config["thresholds"]["tui"]["exclude"] = ["src/main.rs"]
    assert not [f for f in findings(make_files(config, **HEALTHY)) if f.rule.startswith("V4")]


def test_sub_path_below_min_and_matching_nothing():
    files = make_files(**{**HEALTHY, "src/services/metrics-engine/cover.out": go_profile(
        [("main.go", 10, 1), ("validator/v.go", 7, 1), ("validator/w.go", 3, 0)])})
    found = [f for f in findings(files) if f.rule.startswith("V2a")]
    assert [(f.rule, f.severity.value) for f in found] == [("V2a", "error")]      # 7 of 10 = 70% < 80
    config = json.loads(json.dumps(SEED_CONFIG))
    config["thresholds"]["metrics-engine"]["paths"] = {"validatr/": {"min": 80}}
    found = [f for f in findings(make_files(config, **HEALTHY)) if f.rule.startswith("V2a")]
    assert [(f.rule, f.severity.value) for f in found] == [("V2a.empty", "warning")]
    assert "not a pass" in found[0].message


# --- where reports come from, and when a missing one matters -------------------------------------------------

def test_missing_reports_are_notes_by_default_errors_when_required():
    found = findings(make_files())
    assert by_rule(found) == [("V1.no-report", "note"), ("V2.no-report", "note"), ("V4.no-report", "note")]
    assert "does not exist (reports are build outputs" in found[0].message
    assert by_rule(findings(make_files(), config=options(reports="required"))) == [
        ("V1.no-report", "error"), ("V2.no-report", "error"), ("V4.no-report", "error")]
    assert {f.severity.value for f in findings(make_files(), require=True)} == {"error"}   # the coverage command
    assert findings(make_files(), config=options(reports="ignore")) == []


def test_reports_from_the_command_line_and_for_unknown_services():
    files = make_files(**{"out/proc.json": coverage_json({"main.py": (10, 100)})})
    found = findings(files, reports={"processor": "out/proc.json", "gatewy": "out/gw.json"})
    assert ("V1", "error") in by_rule(found)
    unknown = next(f for f in found if "gatewy" in f.message)
    assert (unknown.rule, unknown.severity.value) == ("V1.config", "note")
    assert "gatewy is not a service of coverage-config.json" in unknown.message


def test_service_ids_from_the_config_the_mapping_and_the_default():
    config = {"thresholds": {"api": {"min": 50, "report": "api.json", "rule": "V3"},
                             "worker": {"min": 50, "report": "worker.json"},
                             "web": {"min": 50, "report": "web.json"}}}
    files = {"coverage-config.json": json.dumps(config)}
    found = findings(files, config=options(rules={"worker": "V6"}, default_rule="V2"))
    assert {f.message.split(":")[0]: f.rule for f in found} == {"api": "V3.no-report", "worker": "V6.no-report",
                                                                "web": "V2.no-report"}


# --- bad input, through the rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("path,content,expected", [
    ("src/services/processor/coverage.xml",
     '<?xml version="1.0"?>\n<coverage><packages><package><classes><class filename="a.py"><lines>\n',
     "(truncated file?)"),
    ("src/services/processor/lcov.info", "SF:a.py\nDA:1,1\nSF:b.py\nDA:1,0\nend_of_record\n", "no end_of_record"),
    ("src/services/processor/cover.out", "mode: set\na.go:1.1,2.2 3 1\na.go:what\n", "line 3"),
    ("src/services/processor/coverage.json", "", "the report is empty"),
])
def test_unreadable_reports_are_bad_report_errors(path, content, expected):
    config = {"thresholds": {"processor": {"min": 80, "report": path}}}
    found = findings({"coverage-config.json": json.dumps(config), path: content})
    assert [(f.rule, f.severity.value) for f in found] == [("V1.bad-report", "error")]
    assert path in found[0].message and (expected in found[0].message or expected.split(": ", 1)[-1] in found[0].message)


def test_empty_report_says_so_and_never_divides_by_zero():
    config = {"thresholds": {"processor": {"min": 80, "report": "c.json"}}}
    found = findings({"coverage-config.json": json.dumps(config), "c.json": coverage_json({"a.py": (0, 0)})})
    assert [(f.rule, f.severity.value) for f in found] == [("V1.empty", "warning")]
    assert "measures nothing" in found[0].message and "0 to cover" in found[0].message
    found = findings({"coverage-config.json": json.dumps(config), "c.json": coverage_json({"a.py": (0, 0)})},
                     require=True)
    assert [(f.rule, f.severity.value) for f in found] == [("V1.empty", "error")]


def test_a_measurement_the_report_lacks_is_a_bad_report():
    config = {"thresholds": {"processor": {"min": 80, "report": "c.json", "measurement": "functions"}}}
    found = findings({"coverage-config.json": json.dumps(config), "c.json": coverage_json({"a.py": (1, 1)})})
    assert [(f.rule, f.severity.value) for f in found] == [("V1.bad-report", "error")]
    assert "has no functions data" in found[0].message


@pytest.mark.parametrize("change,key", [
    ({"min": 120}, "thresholds.processor.min: 120 is greater than the maximum of 100"),
    ({"min": -5}, "thresholds.processor.min: -5 is less than the minimum of 0"),
    ({"min": 80, "warn": 70}, "thresholds.processor.warn: 70 is below min (80); warn must be >= min"),
    ({"min": "80"}, "thresholds.processor.min: '80' is not of type 'number'"),
])
def test_invalid_config_is_one_error_naming_the_key(change, key):
    config = {"thresholds": {"processor": change}}
    found = findings({"coverage-config.json": json.dumps(config, indent=2)})
    assert [(f.rule, f.severity.value) for f in found] == [("V1.config", "error")]
    assert key in found[0].message and found[0].line is not None


def test_a_service_rule_that_is_not_a_service_rule():
    config = {"thresholds": {"processor": {"min": 80, "rule": "V7"}}}
    found = findings({"coverage-config.json": json.dumps(config, indent=2)})
    assert by_rule(found) == [("V1.config", "error"), ("V1.no-report", "note")]
    assert "thresholds.processor.rule: 'V7' is not a service rule" in found[0].message


def test_broken_config_is_reported_once_under_an_enabled_id():
    files = {"coverage-config.json": '{"thresholds": {"gateway": {"min": 200}}}'}
    assert [f.rule for f in findings(files, select=["V"])] == ["V5.config"]      # gateway's id
    assert [f.rule for f in findings(files, select=["V3"])] == ["V3.config"]


def test_a_foreign_coverage_config_is_a_note_not_an_error():
    nyc = {"check-coverage": True, "lines": 95, "branches": 95, "reporter": ["text", "lcov"]}
    found = findings({"coverage-config.json": json.dumps(nyc)})
    assert [(f.rule, f.severity.value) for f in found] == [("V1.config", "note")]
    assert "not an observatory-invariants coverage config" in found[0].message


def test_coverage_py_data_from_another_version(tmp_path):
    import sqlite3

    from observatory_invariants.api import open_workspace
    from tests.helpers import write_tree

    write_tree(tmp_path, {"coverage-config.json": {"thresholds": {"processor": {"min": 80, "report": ".coverage"}}},
                          ".observatory-invariants.toml": ""})
    db = sqlite3.connect(tmp_path / ".coverage")
    db.executescript("create table coverage_schema (version integer); insert into coverage_schema values (2);"
                     "create table meta (key text, value text);")
    db.commit()
    db.close()
    found = run(open_workspace(tmp_path), None)
    assert [(f.rule, f.severity.value) for f in found] == [("V1.bad-report", "error")]
    assert "coverage.py cannot use this data file" in found[0].message and ".coverage" in found[0].message


def test_report_path_outside_the_repository_is_refused():
    config = {"thresholds": {"processor": {"min": 80, "report": "../../etc/passwd"}}}
    found = findings({"coverage-config.json": json.dumps(config)})
    assert ("V1.config", "error") in by_rule(found)
    assert any("outside the repository" in f.message for f in found)


# --- the ratchet ----------------------------------------------------------------------------------------------

def baseline(percent: float, mode: str = "warn", tolerance: float = 0) -> dict:
    config = {"thresholds": {"processor": {"min": 50, "report": "c.json"}},
              "ratchet": {"enabled": True, "mode": mode, "tolerance": tolerance}}
    return {"coverage-config.json": json.dumps(config),
            "coverage-baseline.json": json.dumps({"services": {"processor": {"percent": percent,
                                                                              "measurement": "statements+branches"}}}),
            "c.json": coverage_json({"a.py": (80, 100)})}


@pytest.mark.parametrize("percent,mode,tolerance,expected", [
    (80.5, "warn", 0, [("V1.ratchet", "warning")]),     # 80% is 0.5 below 80.5
    (80.5, "fail", 0, [("V1.ratchet", "error")]),
    (80.5, "fail", 0.5, []),                             # within the tolerance
    (80.0, "fail", 0, []),
])
def test_ratchet_mode_and_tolerance(percent, mode, tolerance, expected):
    found = findings(baseline(percent, mode, tolerance))
    assert by_rule(found) == expected
    if expected:
        assert found[0].path == "coverage-baseline.json" and "fell 0.50 points below the baseline 80.50%" in found[0].message


def test_ratchet_without_a_baseline_is_a_note_and_a_broken_baseline_an_error():
    files = baseline(80)
    del files["coverage-baseline.json"]
    assert by_rule(findings(files)) == [("V1.ratchet", "note")]
    files["coverage-baseline.json"] = '{"services": {"processor": {"percent": 101, "measurement": "lines"}}}'
    assert by_rule(findings(files)) == [("V1.config", "error")]


# --- thresholds only go up ------------------------------------------------------------------------------------

def test_lowered_min_since_base_is_an_error(tmp_path):
    old = json.dumps({"thresholds": {"tui": {"min": 33, "warn": 35}, "metrics-engine": {"min": 10, "paths": {
        "validator/": {"min": 80}}}}}, indent=2)
    new = json.dumps({"thresholds": {"tui": {"min": 32, "warn": 33, "exclude": "src/main.rs"}, "metrics-engine": {
        "min": 10, "paths": {"validator/": {"min": 75}}}}}, indent=2)
    files = {"coverage-config.json": new}
    found = [f for f in findings(files, history={"main": {"coverage-config.json": old}}, base_ref="main")
             if f.rule.endswith(".lowered")]
    # validator/'s warn defaulted to its min, so lowering the min lowers the warn too.
    assert [(f.rule, f.severity.value) for f in found] == [("V4.lowered", "error"), ("V4.lowered", "warning"),
                                                            ("V4.lowered", "warning"), ("V2a.lowered", "error"),
                                                            ("V2a.lowered", "warning")]
    assert "min lowered from 33% to 32% since main" in found[0].message and found[0].line == 4
    # --staged compares the index with HEAD; no base at all compares nothing.
    staged = [f for f in findings(files, history={"HEAD": {"coverage-config.json": old}}, staged=True)
              if f.rule.endswith(".lowered")]
    assert len(staged) == 5
    assert not [f for f in findings(files) if f.rule.endswith(".lowered")]


def test_raising_a_threshold_or_a_config_new_since_base_is_fine():
    files = {"coverage-config.json": json.dumps({"thresholds": {"tui": {"min": 40}}})}
    old = json.dumps({"thresholds": {"tui": {"min": 33}}})
    assert not [f for f in findings(files, history={"main": {"coverage-config.json": old}}, base_ref="main")
                if f.rule.endswith(".lowered")]
    assert not [f for f in findings(files, history={"main": {}}, base_ref="main") if f.rule.endswith(".lowered")]


# --- pre-commit: only the parts the change touches ---------------------------------------------------------------

def test_targets_run_only_the_touched_part():
    from observatory_invariants.memory import workspace as ws_of

    files = make_files(**{"docs/COVERAGE.md": "| Service | Min | Warn |\n|---|---|---|\n| processor | 70% | 85% |\n"})
    ws = ws_of(files)
    only_docs = run(ws, ["docs/COVERAGE.md"])
    assert by_rule(only_docs) == [("V1.docs", "error")]                  # no report notes: the config is untouched
    assert ("V1.no-report", "note") in by_rule(run(ws_of(files), ["coverage-config.json"]))
    assert run(ws_of(files), ["src/services/processor/main.py"]) == []


def test_reports_of_unselected_services_are_not_read():
    config = {"thresholds": {"processor": {"min": 80, "report": "p.xml"}, "gateway": {"min": 80, "report": "g.json"}}}
    files = {"coverage-config.json": json.dumps(config), "p.xml": "<coverage><packages>", "g.json": coverage_json(
        {"a.ts": (9, 10)})}
    assert [f.rule for f in findings(files, select=["V"])] == ["V1.bad-report"]
    assert findings(files, select=["V5"]) == []          # the broken processor report is never opened


def test_a_sub_path_rule_outside_the_family_is_a_config_finding_not_a_crash():
    config = {"thresholds": {"metrics-engine": {"min": 10, "report": "c.out", "paths": {"v/": {"min": 90, "rule": "X9"}}}}}
    files = {"coverage-config.json": json.dumps(config, indent=2), "c.out": go_profile([("v/a.go", 10, 1), ("b.go", 90, 0)])}
    found = findings(files, select=["V"])
    assert by_rule(found) == [("V2.config", "error")]     # v/ (10 of 10) is judged under V2a all the same
    assert any("'X9' is not a coverage rule" in f.message for f in found)
