"""V1–V6 / V2a `.docs`, `.ci-threshold`, `.ci-bypass` through the rule: documentation tables and CI gates held to
coverage-config.json. The seed's real history supplies the cases (see the comments)."""

from __future__ import annotations

import json

import pytest

from observatory_invariants.memory import workspace
from observatory_invariants.rules.coverage.v1_v6_thresholds import run

CONFIG = {"thresholds": {
    "processor": {"min": 30, "warn": 50, "tool": "pytest-cov"},
    "metrics-engine": {"min": 10, "warn": 15, "tool": "go-cover"},
    "read-model": {"min": 18, "warn": 25, "tool": "go-cover"},
    "gateway": {"min": 80, "warn": 85, "tool": "vitest"},
}}
SERVICES = {f"src/services/{name}/main.x": "" for name in CONFIG["thresholds"]}


def found(files: dict, config=CONFIG, keep=(".docs", ".ci-threshold", ".ci-bypass")):
    ws = workspace({"coverage-config.json": json.dumps(config, indent=2), **SERVICES, **files})
    return sorted((f for f in run(ws, None) if any(f.rule.endswith(k) for k in keep)), key=lambda f: f.sort_key())


def summary(findings):
    return [(f.rule, f.severity.value, f.path, f.line) for f in findings]


# --- documentation ----------------------------------------------------------------------------------------------

SEED_TABLE = """# Invariants

| ID | Invariant | Automated Check | Status |
|----|-----------|-----------------|--------|
| V1 | Processor coverage ≥ 80% | `check-coverage.py processor` | ✅ CI |
| V2 | metrics-engine coverage ≥ 10% | `check-coverage.py metrics-engine` | ✅ CI |
| V2a | metrics-engine/validator coverage ≥ 80% | `check-coverage.py metrics-engine` (subpkg) | ✅ CI |
| V5 | Gateway coverage ≥ 80% | `vitest --coverage` | ✅ CI |

## Coverage Invariants

| Service | Min Threshold | Warn Threshold | Notes |
|---------|---------------|----------------|-------|
| Processor (Python) | 80% | 85% | Target achieved with mocked unit tests |
| Metrics Engine (Go) | 10% | 15% | Business logic is in validator subpackage (80%+). |
| Metrics Engine Validator (Go) | 80% | 85% | Core validation logic |
| Read Model (Go) | 18% | 25% | |
| Visual Tests (Playwright) | — | — | Screenshot comparison |
"""


def test_seed_documentation_after_the_threshold_was_lowered():
    # ebd9abf: processor lowered to 30/50 in the config, INVARIANTS.md still says 80/85 in two tables.
    result = found({"docs/INVARIANTS.md": SEED_TABLE})
    assert summary(result) == [
        ("V1.docs", "error", "docs/INVARIANTS.md", 5),        # | V1 | Processor coverage ≥ 80% |
        ("V2a.docs", "error", "docs/INVARIANTS.md", 7),       # V2a claimed ✅ CI, no threshold carries V2a
        ("V1.docs", "error", "docs/INVARIANTS.md", 14),       # min 80 vs 30
        ("V1.docs", "error", "docs/INVARIANTS.md", 14),       # warn 85 vs 50
        ("V2a.docs", "warning", "docs/INVARIANTS.md", 16),    # a validator row with no sub-path threshold
    ]
    assert "documents processor's min as 80% but coverage-config.json says 30 (thresholds.processor.min)" in \
        result[2].message and result[2].column == 24


def test_documentation_that_agrees_and_a_sub_path_row():
    config = json.loads(json.dumps(CONFIG))
    config["thresholds"]["processor"].update(min=80, warn=85)
    config["thresholds"]["metrics-engine"]["paths"] = {"validator/": {"min": 80, "warn": 85}}
    assert found({"docs/INVARIANTS.md": SEED_TABLE}, config) == []
    config["thresholds"]["metrics-engine"]["paths"]["validator/"]["min"] = 75
    result = found({"docs/INVARIANTS.md": SEED_TABLE}, config)
    assert [(f.rule, f.line) for f in result] == [("V2a.docs", 7), ("V2a.docs", 16)]


@pytest.mark.parametrize("text", [
    # A version table (contracts/VERSIONS.md in the seed): "Min event-envelope" is not a threshold column.
    "| Service | Min event-envelope | Min job |\n|---|---|---|\n| gateway | 1.0.0 | 1.0.0 |\n| processor | 1.0.0 | - |\n",
    # Inside a fenced code block: an example, not documentation of this repository.
    "```\n| Service | Min | Warn |\n|---|---|---|\n| processor | 99% | 99% |\n```\n",
    # No threshold column at all.
    "| Service | Owner |\n|---|---|\n| processor | team-a |\n",
    # A different invariant map id, a row stating no percentage.
    "| ID | Invariant |\n|---|---|\n| V1 | Processor coverage is measured |\n| X1 | ≥ 5% of scripts |\n",
])
def test_tables_that_are_not_threshold_documentation(text):
    assert found({"README.md": text}) == []


def test_unknown_service_row_is_a_warning():
    text = "| Service | Min | Warn |\n|---|---|---|\n| billing | 70% | 75% |\n| `gateway` service | **80%** | 85 % |\n"
    result = found({"COVERAGE.md": text})
    assert summary(result) == [("V1.docs", "warning", "COVERAGE.md", 3)]
    assert "'billing', which is neither a service" in result[0].message


# --- CI gates ---------------------------------------------------------------------------------------------------

def workflow(run: str, working_directory: str | None = None, extra: str = "") -> str:
    wd = f"        working-directory: {working_directory}\n" if working_directory else ""
    body = "\n".join("          " + line for line in run.splitlines())
    return (f"on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - name: coverage\n{wd}{extra}"
            f"        run: |\n{body}\n")


def test_seed_f6f7543c_processor_gate_that_always_passes():
    # CI: `pytest … --cov-fail-under=80 … || echo` — hard-coded (the config says 30) and can never fail.
    wf = workflow('pytest --cov=. --cov-report=xml --cov-fail-under=80 tests/ || echo "Coverage check: threshold"',
                  "src/services/processor")
    result = found({".github/workflows/ci.yml": wf})
    assert summary(result) == [("V1.ci-bypass", "error", ".github/workflows/ci.yml", 9),
                               ("V1.ci-threshold", "error", ".github/workflows/ci.yml", 9)]
    assert result[0].column == 43 and "(|| echo Coverage check: threshold)" in result[0].message
    assert "hard-codes processor's coverage threshold as 80% (--cov-fail-under=80), but coverage-config.json says " \
           "min 30" in result[1].message


def test_seed_go_gate_through_bc_in_xargs_bash_c():
    script = ("go test -coverprofile=coverage.out ./...\n"
              "go tool cover -func=coverage.out | grep total | awk '{print $3}' | sed 's/%//' | "
              "xargs -I{} bash -c 'if (( $(echo \"{} < 60\" | bc -l) )); then echo low; exit 1; fi'")
    result = found({".github/workflows/ci.yml": workflow(script, "src/services/metrics-engine")})
    assert summary(result) == [("V2.ci-threshold", "error", ".github/workflows/ci.yml", 10)]
    assert "as 60%" in result[0].message and "says min 10" in result[0].message


def test_tarpaulin_fail_under_and_a_matching_gate_is_a_note():
    config = json.loads(json.dumps(CONFIG))
    config["thresholds"]["tui"] = {"min": 31, "tool": "cargo-tarpaulin", "root": "src/interfaces/tui"}
    result = found({".github/workflows/ci.yml": workflow("cd src/interfaces/tui\ncargo tarpaulin --out Xml "
                                                         "--fail-under 14")}, config)
    assert summary(result) == [("V4.ci-threshold", "error", ".github/workflows/ci.yml", 9)]
    result = found({".github/workflows/ci.yml": workflow("cargo tarpaulin --fail-under 31", "src/interfaces/tui")},
                   config)
    assert summary(result) == [("V4.ci-threshold", "note", ".github/workflows/ci.yml", 9)]


def test_vitest_flags_through_npm_run_compare_the_headline_measurements():
    # f6f7543c: `npm run test:coverage -- --coverage.thresholds.lines=80 --coverage.thresholds.branches=70`;
    # the config's gateway min is 80 with no measurement named: lines is compared, branches is another number.
    files = {".github/workflows/ci.yml": workflow("npm run test:coverage -- --coverage.thresholds.lines=75 "
                                                  "--coverage.thresholds.branches=70", "src/services/gateway"),
             "src/services/gateway/package.json": json.dumps({"scripts": {"test:coverage": "vitest run --coverage"}})}
    assert summary(found(files)) == [("V5.ci-threshold", "error", ".github/workflows/ci.yml", 9)]


def test_seed_head_gateway_step_swallows_the_vitest_config_thresholds():
    # 9b98fbd: `npm run test:coverage || echo "::warning::…"`; vitest.config.ts holds 80/70/80/80.
    vitest = ("import { defineConfig } from 'vitest/config';\nexport default defineConfig({\n  test: {\n"
              "    coverage: {\n      provider: 'v8',\n      thresholds: {\n        statements: 80,\n"
              "        branches: 70,\n        functions: 80,\n        lines: 80,\n      },\n    },\n  },\n});\n")
    files = {".github/workflows/ci.yml": workflow("cd src/services/gateway\nnpm run test:coverage || echo "
                                                  "\"::warning::Gateway coverage check\""),
             "src/services/gateway/package.json": json.dumps({"scripts": {"test:coverage": "vitest run --coverage"}},
                                                             indent=2),
             "src/services/gateway/vitest.config.ts": vitest}
    result = found(files)
    assert summary(result) == [
        ("V5.ci-bypass", "error", ".github/workflows/ci.yml", 9),
        ("V5.ci-threshold", "note", "src/services/gateway/vitest.config.ts", 7),     # statements: 80 == min
        ("V5.ci-threshold", "note", "src/services/gateway/vitest.config.ts", 10),    # lines: 80 == min
    ]
    assert result[0].message.startswith("`npm run test:coverage` runs gateway's coverage gate")
    # Without the fallback the step enforces the thresholds: no bypass.
    files[".github/workflows/ci.yml"] = workflow("cd src/services/gateway\nnpm run test:coverage")
    assert [f.rule for f in found(files)] == ["V5.ci-threshold", "V5.ci-threshold"]


def test_continue_on_error_is_a_bypass():
    wf = workflow("pytest --cov-fail-under=30", "src/services/processor", "        continue-on-error: true\n")
    result = found({".github/workflows/ci.yml": wf})
    assert [(f.rule, f.severity.value) for f in result] == [("V1.ci-bypass", "error"), ("V1.ci-threshold", "note")]
    assert "(continue-on-error: true)" in result[0].message


@pytest.mark.parametrize("script", [
    "# pytest --cov-fail-under=90",                                         # a comment
    "echo 'pytest --cov-fail-under=90'",                                    # quoted text
    "cat <<EOF\npytest --cov-fail-under=90\nEOF",                           # a here-document
    "pytest --cov-fail-under=$MIN_COVERAGE",                                # read from elsewhere, not hard-coded
    "diff-cover coverage.xml --compare-branch=origin/main --fail-under=90",  # diff coverage: another number
    "if [ \"$recovery\" -lt 90 ]; then exit 1; fi",                          # not a coverage variable
    "if [ \"$retries\" -gt 3 ]; then exit 1; fi",
    "pytest --cov-fail-under=30 || exit 1",                                  # fails properly
    "pytest --cov-fail-under=30 || { echo failed; exit 1; }",
    "pytest --cov-fail-under=30 || echo failed && exit 1",
])
def test_not_a_disagreeing_or_bypassed_gate(script):
    result = found({".github/workflows/ci.yml": workflow(script, "src/services/processor")})
    assert [f for f in result if f.severity.value == "error"] == []


def test_shell_and_powershell_scripts_and_comparisons_on_coverage_variables():
    sh = ("#!/bin/sh\nset -e\ncd src/services/read-model\nCOVERAGE=$(go tool cover -func=c.out | tail -1 | "
          "awk '{print $3}')\nif [ \"${COVERAGE%.*}\" -lt 25 ]; then echo low; exit 1; fi\n")
    ps1 = "Set-Location src/services/read-model\n$coverage = 12.5\nif ($coverage -lt 18) { exit 1 }\n"
    result = found({"scripts/cov.sh": sh, "scripts/cov.ps1": ps1})
    assert summary(result) == [("V3.ci-threshold", "note", "scripts/cov.ps1", 3),
                               ("V3.ci-threshold", "error", "scripts/cov.sh", 5)]


def test_a_gate_no_service_claims_is_a_note():
    # Runs at the root with no folder, and two services use go: not attributable.
    result = found({".github/workflows/ci.yml": workflow("COV=$(go tool cover -func=c.out)\n"
                                                         "[ \"$COV\" -lt 70 ] && exit 1")})
    assert [(f.rule, f.severity.value) for f in result] == [("V1.ci-threshold", "note")]
    assert "not attributable to one service" in result[0].message


def test_a_tool_only_one_service_uses_attributes_a_root_gate():
    result = found({".github/workflows/ci.yml": workflow("pytest --cov=. --cov-fail-under 45")})
    # --cov=. at the root names the root folder, which is no service's: attributed by the tool instead, which is
    # weaker evidence (the root may hold other Python code): a warning.
    assert [(f.rule, f.severity.value) for f in result] == [("V1.ci-threshold", "warning")]
    assert "attributed by its tool: the only pytest-cov service" in result[0].message
