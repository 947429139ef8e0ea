"""The coverage engine: selection, measurement, verdicts, sub-paths, the ratchet and lowered thresholds.
Values are computed by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory_invariants.engines.coverage import (EMPTY, FAIL, OK, WARN, Measurement, compare_with_baseline,
                                                     evaluate_service, exact_percent, lowered_thresholds, measure,
                                                     ratchet_severity, select_files, service_report,
                                                     threshold_verdict, update_baseline)
from observatory_invariants.engines.coverage_config import (Baseline, BaselineEntry, RatchetConfig,
                                                            load_coverage_config, parse_coverage_config)
from observatory_invariants.parsers.coverage import (Counter, CoverageReport, CoverageReportError, FileCoverage,
                                                     read_go_profile, read_tarpaulin_json)

SEED_HISTORY = sorted((Path(__file__).parent / "data" / "seed-coverage-config").glob("*.json"))


def _report(*files: tuple[str, int, int], fmt: str = "go") -> CoverageReport:
    return CoverageReport(fmt, "r", tuple(FileCoverage(p, statements=Counter(c, t)) for p, c, t in files),
                          ("statements",), "statements")


METRICS = _report(("main.go", 5, 90), ("validator/v.go", 17, 20), ("validator/v_test_helpers.go", 0, 0),
                  ("internal/validator/x.go", 3, 10))


def _service(raw: dict, name: str = "svc"):
    return load_coverage_config({"thresholds": {name: raw}}).services[name]


def test_select_files_include_then_exclude():
    paths = [f.path for f in select_files(METRICS.files, include=["*.go"], exclude=["validator/"])]
    assert paths == ["main.go"]                                 # "validator/" is any folder named validator...
    paths = [f.path for f in select_files(METRICS.files, exclude=["/validator/"])]
    assert paths == ["main.go", "internal/validator/x.go"]     # ...and "/validator/" only the top-level one


def test_measure_and_empty():
    assert measure(METRICS).counter == Counter(25, 120)
    empty = measure(METRICS, include=["nothing/"])
    assert empty.empty and empty.percent is None and empty.files == 0
    with pytest.raises(CoverageReportError, match="has no branches data"):
        measure(METRICS, "branches")


@pytest.mark.parametrize("covered,total,minimum,warn,verdict", [
    (80, 100, 80, 85, WARN),     # exactly min: not below it
    (7996, 10000, 80, 85, FAIL),  # 79.96% prints as 80.0% in go's one decimal, but is below 80
    (85, 100, 80, 85, OK),
    (801, 1000, 80.1, 80.1, OK),  # 80.1 is the decimal written, not the binary float just above it
    (0, 0, 80, 85, EMPTY),
])
def test_threshold_verdict(covered, total, minimum, warn, verdict):
    assert threshold_verdict(Counter(covered, total), minimum, warn) == verdict


def test_v2a_sub_path_threshold_from_per_file_data():
    service = _service({"min": 10, "warn": 15, "paths": {"/validator/": {"min": 80, "warn": 90, "rule": "V2a"}}})
    result = evaluate_service(METRICS, service)
    # whole service: 25 of 120 = 20.8% >= 15 -> ok; validator/: 17 of 20 = 85% -> warn (below 90).
    assert (result.measured.counter, result.verdict) == (Counter(25, 120), OK)
    sub = result.paths[0]
    assert (sub.pattern, sub.measured.counter, sub.verdict, sub.rule) == ("/validator/", Counter(17, 20), WARN, "V2a")


def test_sub_path_with_no_files_is_empty_not_a_pass():
    result = evaluate_service(METRICS, _service({"min": 10, "paths": {"validatr/": {"min": 80}}}))
    assert result.paths[0].verdict == EMPTY and result.paths[0].measured.files == 0


def test_exclude_applies_before_the_total_the_seed_tarpaulin_case():
    report = read_tarpaulin_json('{"files": ['
                                 '{"path": ["src", "lib.rs"], "traces": [{"line": 1, "stats": {"Line": 1}},'
                                 ' {"line": 2, "stats": {"Line": 1}}, {"line": 3, "stats": {"Line": 0}}]},'
                                 '{"path": ["src", "main.rs"], "traces": [{"line": 1, "stats": {"Line": 0}},'
                                 ' {"line": 2, "stats": {"Line": 0}}, {"line": 3, "stats": {"Line": 0}}]}]}')
    seed = parse_coverage_config(SEED_HISTORY[-1].read_text()).services["tui"]
    # with main.rs: 2 of 6 = 33.3%; --exclude-files src/main.rs leaves lib.rs: 2 of 3 = 66.7%.
    assert measure(report).counter == Counter(2, 6)
    result = evaluate_service(report, seed)
    assert (result.measured.counter, result.verdict) == (Counter(2, 3), OK)
    explicit = evaluate_service(report, _service({"min": 31, "exclude": "src/main.rs"}))
    assert explicit.measured.counter == Counter(2, 3)


def test_measurement_named_by_config_and_unavailable_measurement():
    report = CoverageReport("lcov", "r", (FileCoverage("a.c", lines=Counter(9, 10), branches=Counter(1, 4)),),
                            ("lines", "branches"), "lines")
    assert evaluate_service(report, _service({"min": 50, "measurement": "branches"})).verdict == FAIL
    assert evaluate_service(report, _service({"min": 50})).verdict == OK
    with pytest.raises(CoverageReportError, match="no statements data"):
        evaluate_service(report, _service({"min": 50, "measurement": "statements"}))


def test_service_report_relative_to_the_module():
    report = read_go_profile("mode: set\nexample.com/m/validator/v.go:1.1,2.2 4 1\nexample.com/m/main.go:1.1,2.2 4 0\n")
    relative = service_report(report, "", roots=("example.com/m",))
    result = evaluate_service(relative, _service({"min": 10, "paths": {"/validator/": {"min": 80}}}))
    assert result.paths[0].measured.counter == Counter(4, 4)


# --- ratchet ------------------------------------------------------------------------------------------------

def _result(percent_counter: Counter, sub: Counter | None = None):
    raw = {"min": 0}
    if sub is not None:
        raw["paths"] = {"v/": {"min": 0}}
    files = [("a.go", percent_counter.covered, percent_counter.total)]
    if sub is not None:
        files = [("a.go", percent_counter.covered - sub.covered, percent_counter.total - sub.total),
                 ("v/b.go", sub.covered, sub.total)]
    return evaluate_service(_report(*files), _service(raw))


def test_compare_with_baseline_tolerance_and_statuses():
    baseline = Baseline({("svc", None): BaselineEntry(80.5, "statements"),
                         ("svc", "v/"): BaselineEntry(90.0, "lines")})
    # 80 of 100 = 80%: 0.5 points below 80.5 -> decreased with no tolerance, ok with 0.5.
    results = [_result(Counter(80, 100), sub=Counter(9, 10))]
    strict = compare_with_baseline(results, baseline, 0)
    assert [(r.path, r.status) for r in strict] == [(None, "decreased"), ("v/", "incomparable")]
    assert strict[0].drop == pytest.approx(0.5)
    assert compare_with_baseline(results, baseline, 0.5)[0].status == "ok"
    assert compare_with_baseline(results, Baseline(), 0)[0].status == "new"
    assert ratchet_severity(strict[0], RatchetConfig(enabled=True, mode="fail")) == "error"
    assert ratchet_severity(strict[0], RatchetConfig(enabled=True, mode="warn")) == "warning"
    assert ratchet_severity(strict[0], RatchetConfig(enabled=False, mode="fail")) is None


def test_remeasuring_the_stored_value_is_never_a_decrease():
    # 2 of 3 = 66.666..%: stored rounded down (66.66), so the same measurement is not below it.
    new_baseline, _ = update_baseline(Baseline(), [_result(Counter(2, 3))])
    assert new_baseline.entries[("svc", None)].percent == 66.66
    assert compare_with_baseline([_result(Counter(2, 3))], new_baseline)[0].status == "ok"


def test_update_baseline_raises_never_lowers_unless_allowed():
    baseline = Baseline({("svc", None): BaselineEntry(70.0, "statements"), ("gone", None): BaselineEntry(50, "lines")})
    raised, changes = update_baseline(baseline, [_result(Counter(3, 4))])
    assert raised.entries[("svc", None)] == BaselineEntry(75.0, "statements", 3, 4)
    assert raised.entries[("gone", None)] == BaselineEntry(50, "lines")          # not measured now: kept
    assert [(c.action, c.old, c.new) for c in changes] == [("raised", 70.0, 75.0)]
    kept, changes = update_baseline(raised, [_result(Counter(1, 2))])
    assert kept.entries[("svc", None)].percent == 75.0 and changes[0].action == "kept"
    lowered, changes = update_baseline(raised, [_result(Counter(1, 2))], allow_decrease=True)
    assert lowered.entries[("svc", None)].percent == 50.0 and changes[0].action == "lowered"


def test_update_baseline_adds_sub_paths_and_skips_empty():
    new, changes = update_baseline(Baseline(), [_result(Counter(5, 10), sub=Counter(4, 5)), _result(Counter(0, 0))])
    assert new.entries[("svc", "v/")].percent == 80.0
    assert [c.action for c in changes] == ["added", "added"]


def test_update_baseline_measurement_switch_needs_allow_decrease():
    baseline = Baseline({("svc", None): BaselineEntry(99.0, "lines")})
    kept, changes = update_baseline(baseline, [_result(Counter(1, 2))])
    assert kept == baseline and changes[0].action == "kept"
    replaced, changes = update_baseline(baseline, [_result(Counter(1, 2))], allow_decrease=True)
    assert replaced.entries[("svc", None)].measurement == "statements" and changes[0].action == "replaced"


# --- thresholds only go up -------------------------------------------------------------------------------

def test_seed_history_lowered_thresholds_are_listed():
    configs = [(p.stem, parse_coverage_config(p.read_text(), p.name)) for p in SEED_HISTORY]
    found = []
    for (_, old), (name, new) in zip(configs, configs[1:]):
        found += [(name, c.service, c.kind, c.old, c.new) for c in lowered_thresholds(old, new)]
    assert found == [
        ("02-ebd9abf", "processor", "min-lowered", 80, 30),    # "set processor coverage threshold to current reality"
        ("02-ebd9abf", "processor", "warn-lowered", 85, 50),
        ("07-020d418", "tui", "exclude-added", (), ("src/main.rs",)),   # raised min while excluding main.rs
        ("08-97ad17c", "tui", "min-lowered", 33, 32),          # "lower TUI threshold from 33% to 32%"
        ("08-97ad17c", "tui", "warn-lowered", 35, 33),
        ("09-29efc3b", "tui", "min-lowered", 32, 31),          # "fix(typing): threshold issue"
        ("09-29efc3b", "tui", "warn-lowered", 33, 32),
    ]


def test_lowered_thresholds_removed_entries_and_sub_paths():
    old = load_coverage_config({"thresholds": {"a": {"min": 50, "paths": {"v/": {"min": 80}, "w/": {"min": 70}}},
                                               "b": {"min": 10}}})
    new = load_coverage_config({"thresholds": {"a": {"min": 50, "measurement": "lines", "include": "src/",
                                                     "paths": {"v/": {"min": 79.5}}}}})
    kinds = [(c.service, c.path, c.kind) for c in lowered_thresholds(old, new)]
    assert kinds == [("a", None, "measurement-changed"), ("a", None, "include-changed"),
                     ("a", "v/", "min-lowered"), ("a", "v/", "warn-lowered"), ("a", "w/", "removed"),
                     ("b", None, "removed")]
    assert lowered_thresholds(new, new) == []


def test_raising_is_not_lowering():
    old = load_coverage_config({"thresholds": {"a": {"min": 50}}})
    new = load_coverage_config({"thresholds": {"a": {"min": 60}, "c": {"min": 1}}})
    assert lowered_thresholds(old, new) == []


def test_exact_percent_reads_decimals():
    assert exact_percent(80.1) * 10 == 801 and exact_percent(80) == 80
    assert Measurement("lines", Counter(1, 3), 1).floored() == 33.33
