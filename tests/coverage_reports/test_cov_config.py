"""coverage-config.json and coverage-baseline.json: schema, loader, key-naming errors, the seed's real history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observatory_invariants.engines.coverage_config import (Baseline, BaselineEntry, CoverageConfigError,
                                                            dump_baseline, load_coverage_config, parse_baseline,
                                                            parse_coverage_config, tool_flag_excludes)

SEED_HISTORY = sorted((Path(__file__).parent / "data" / "seed-coverage-config").glob("*.json"))


@pytest.mark.parametrize("path", SEED_HISTORY, ids=lambda p: p.stem)
def test_every_version_of_the_seed_config_loads(path):
    config = parse_coverage_config(path.read_text(), path.name)
    assert config.ratchet.enabled and config.ratchet.mode == "warn"
    assert all(s.warn >= s.min for s in config.services.values())


def test_seed_head_config_typed():
    config = parse_coverage_config(SEED_HISTORY[-1].read_text())
    tui = config.services["tui"]
    assert (tui.min, tui.warn, tui.tool, tui.measurement) == (31, 32, "cargo-tarpaulin", None)
    assert tui.measurement_text == "--lib --exclude-files src/main.rs"
    assert tui.effective_exclude == ("src/main.rs",)          # the seed's tarpaulin case
    assert config.services["web-pty-server"].effective_exclude == ()
    assert config.ratchet.baseline == "coverage-baseline.json" and config.ratchet.tolerance == 0


def test_full_config_with_sub_paths_report_and_rule():
    config = load_coverage_config({
        "thresholds": {"metrics-engine": {
            "min": 10, "warn": 15, "tool": "go-cover", "measurement": "statements", "report": "svc/cover.out",
            "format": "go", "root": "src/services/metrics-engine", "include": "**/*.go", "exclude": ["*_test.go"],
            "paths": {"validator/": {"min": 80, "rule": "V2a"}}, "rule": "V2"}},
        "ratchet": {"enabled": True, "mode": "fail", "tolerance": 0.5, "baseline": "ci/baseline.json"}})
    service = config.services["metrics-engine"]
    assert service.include == ("**/*.go",) and service.exclude == ("*_test.go",)
    assert service.paths[0].pattern == "validator/" and service.paths[0].warn == 80   # warn defaults to min
    assert (config.ratchet.mode, config.ratchet.tolerance, config.ratchet.baseline) == ("fail", 0.5, "ci/baseline.json")


@pytest.mark.parametrize("change,expected", [
    ('"min": 80', "coverage-config.json:6: thresholds.processor.min: -5 is less than the minimum of 0"),
    ('"warn": 85', "coverage-config.json:7: thresholds.processor.warn: 75 is below min (80); warn must be >= min"),
    ('"tool": "pytest-cov"', "coverage-config.json:8: thresholds.processor: unknown key 'tol'"),
    ('"mode": "warn"', "ratchet.mode: 'block' is not one of ['warn', 'fail']"),
])
def test_malformed_config_names_the_key_and_line(change, expected):
    replacement = {'"min": 80': '"min": -5', '"warn": 85': '"warn": 75', '"tool": "pytest-cov"': '"tol": 3',
                   '"mode": "warn"': '"mode": "block"'}[change]
    text = SEED_HISTORY[-1].read_text().replace(change, replacement, 1)
    with pytest.raises(CoverageConfigError) as caught:
        parse_coverage_config(text)
    assert expected in str(caught.value)


@pytest.mark.parametrize("raw,key,message", [
    ({"thresholds": {"a": {"min": 101}}}, "thresholds.a.min", "101 is greater than the maximum of 100"),
    ({"thresholds": {"a": {"warn": 5}}}, "thresholds.a", "'min' is a required property"),
    ({"thresholds": {"a": {"min": 5, "paths": {"v/": {"min": 90, "warn": 80}}}}}, "thresholds.a.paths.v/.warn",
     "80 is below min (90)"),
    ({"thresholds": {"a": {"min": 5, "measurement": "line"}}}, "thresholds.a.measurement",
     "unknown measurement 'line'"),
    ({"thresholds": {"a": {"min": 5, "exclude": ["ok/", "a\\"]}}}, "thresholds.a.exclude", "invalid glob"),
    ({"thresholds": {"a": {"min": 5, "format": "jacoco"}}}, "thresholds.a.format", "is not one of"),
    ({"thresholds": {"a": {"min": 5}}, "ratchet": {"tolerance": -1}}, "ratchet.tolerance", "less than the minimum"),
    ({"thresholds": {"a": {"min": True}}}, "thresholds.a.min", "True is not of type 'number'"),
    ({}, "", "'thresholds' is a required property"),
])
def test_config_errors(raw, key, message):
    with pytest.raises(CoverageConfigError) as caught:
        load_coverage_config(raw, "cfg.json")
    assert caught.value.key == key and message in caught.value.message


@pytest.mark.parametrize("text,message", [
    ("", "the file is empty"),
    ('{"thresholds": {}, "thresholds": {}}', "key 'thresholds' appears twice"),
    ('{"thresholds": {"a": {"min": NaN}}}', "NaN is not a JSON number"),
    ('{"thresholds": ', "invalid JSON"),
])
def test_config_text_errors(text, message):
    with pytest.raises(CoverageConfigError, match=message):
        parse_coverage_config(text)


def test_tarpaulin_flag_excludes():
    assert tool_flag_excludes("cargo-tarpaulin", "--lib --exclude-files src/main.rs 'src/bin/*.rs' --out Xml") == (
        "src/main.rs", "src/bin/*.rs")
    assert tool_flag_excludes("cargo-tarpaulin", "--exclude-files=a.rs,b.rs") == ("a.rs", "b.rs")
    assert tool_flag_excludes("pytest-cov", "--exclude-files src/main.rs") == ()    # not tarpaulin's flag


def test_baseline_round_trip_and_errors():
    baseline = Baseline({("svc", None): BaselineEntry(81.25, "statements", 13, 16),
                         ("svc", "validator/"): BaselineEntry(90.0, "statements")})
    text = dump_baseline(baseline)
    assert json.loads(text)["services"]["svc"]["paths"]["validator/"] == {"percent": 90.0, "measurement": "statements"}
    assert parse_baseline(text) == baseline
    with pytest.raises(CoverageConfigError, match=r"services.svc.percent: 101 is greater than the maximum of 100"):
        parse_baseline('{"services": {"svc": {"percent": 101, "measurement": "lines"}}}')
