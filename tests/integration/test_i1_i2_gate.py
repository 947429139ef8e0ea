"""I1/I2: the gate decision (pure and through `gate`), and the static check simulating the CI workflows."""

import json

from observatory_invariants.memory import workspace
from observatory_invariants.rules.integration.i1_i2_gate import GateOptions, decide_gate, run
from tests.helpers import commit_all, git_repo, run_cli, write_tree

HARNESS = {"scripts/integration-harness.ps1": "docker compose up -d\n"}

# The seed's shape (our own words): a dorny filter job whose outputs gate the integration job.
FILTER_CI = """\
name: CI
on:
  pull_request:
    branches: [main]
jobs:
  changes:
    runs-on: ubuntu-latest
    outputs:
      schemas: ${{ steps.f.outputs.schemas }}
      critical: ${{ steps.f.outputs.schemas == 'true' || steps.f.outputs.services == 'true' }}
    steps:
      - uses: dorny/paths-filter@v3
        id: f
        with:
          filters: |
            schemas:
              - 'contracts/schemas/**'
            services:
              - 'src/services/**'
            docs:
              - 'contracts/*.md'
  unit:
    runs-on: ubuntu-latest
    steps: [{run: echo unit}]
  integration:
    needs: [changes, unit]
    if: always() && needs.unit.result == 'success' && (needs.changes.result != 'success' || needs.changes.outputs.critical == 'true')
    runs-on: ubuntu-latest
    steps:
      - name: harness
        shell: pwsh
        run: ./scripts/integration-harness.ps1
"""


def findings(files, **options):
    from observatory_invariants.config import build_config

    config = build_config({"integration": options}) if options else None
    return run(workspace({**HARNESS, **files}, config=config), None)


def test_decision_names_the_path_and_the_filter_and_fails_closed():
    decision = decide_gate(["README.md", "contracts/schemas/job.json", "src/services/api/main.go"])
    assert decision.run and decision.reason.startswith("contracts/schemas/job.json matches contracts/** (I1)")
    assert [(m.rule, m.path) for m in decision.matches] == [("I1", "contracts/schemas/job.json"),
                                                           ("I2", "src/services/api/main.go")]
    assert not decide_gate(["README.md", "docs/x.md"]).run
    assert not decide_gate([]).run
    closed = decide_gate(None, error="unknown git ref 'origin/nope'")
    assert closed.run and "fail closed" in closed.reason and closed.error
    custom = GateOptions(contracts_paths=("api/**",), services_paths=())
    assert decide_gate(["api/v1.json"], custom).run and not decide_gate(["contracts/x.json"], custom).run


def test_seed_shaped_filter_lets_contracts_changes_skip_the_gate():
    found = findings({".github/workflows/ci.yml": FILTER_CI, "contracts/VERSIONS.md": "# v\n"})
    assert [(f.rule, f.line) for f in found] == [("I1", 27)]   # the if: line
    assert "a change to contracts/x.json would not run the integration gate (job 'integration', on pull_request)" \
        in found[0].message and "contracts/**" in found[0].message


def test_a_filter_covering_both_defaults_is_clean():
    ci = FILTER_CI.replace("'contracts/schemas/**'", "'contracts/**'")
    assert findings({".github/workflows/ci.yml": ci}) == []


def test_repository_files_are_tried_after_the_synthetic_example():
    ci = FILTER_CI.replace("'contracts/schemas/**'", "'contracts/*.json'")   # covers contracts/x.json only
    found = findings({".github/workflows/ci.yml": ci, "contracts/fixtures/golden/job.json": "{}"})
    assert len(found) == 1 and "a change to contracts/fixtures/golden/job.json" in found[0].message


def test_workflow_paths_with_anchors_and_on_as_boolean():
    ci = """\
on:
  pull_request:
    paths: &watched
      - 'contracts/**'
      - 'src/services/gateway/**'
  push:
    paths: *watched
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - run: pwsh -File scripts/integration-harness.ps1
"""
    found = findings({".github/workflows/it.yml": ci})
    assert [(f.rule, f.line) for f in found] == [("I2", 3)]
    assert "src/services/x.json" in found[0].message and "on pull_request, push" in found[0].message
    assert "on.pull_request.paths" in found[0].message


def test_paths_ignore_and_negations_are_read_as_github_does():
    ci = ("on:\n  pull_request:\n    paths-ignore: ['**/*.md', 'contracts/**', '!contracts/schemas/**']\n"
          "jobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/integration-harness.ps1\n"
          "        shell: pwsh\n")
    found = findings({".github/workflows/it.yml": ci})
    assert [f.rule for f in found] == ["I1"] and "contracts/x.json" in found[0].message


def test_unknowable_conditions_and_other_events_are_not_judged():
    unknown = FILTER_CI.replace("needs.unit.result == 'success' &&", "vars.RUN_IT == 'yes' &&")
    assert findings({".github/workflows/ci.yml": unknown}) == []
    manual = FILTER_CI.replace("pull_request:\n    branches: [main]", "workflow_dispatch:")
    assert findings({".github/workflows/ci.yml": manual}) == []
    # a gate that never runs on pull requests at all is not a *path filter* gap
    never = FILTER_CI.replace("if: always() &&", "if: github.event_name == 'schedule' &&")
    assert findings({".github/workflows/ci.yml": never}) == []


def test_no_harness_no_gate_no_findings_unless_configured():
    ci = FILTER_CI.replace("run: ./scripts/integration-harness.ps1", "run: ./scripts/e2e.ps1")
    assert findings({".github/workflows/ci.yml": ci}) == []
    assert [f.rule for f in findings({".github/workflows/ci.yml": ci}, **{"gate-jobs": ["integration"]})] == ["I1"]


def test_filters_file_and_skipped_needs():
    ci = FILTER_CI.replace("filters: |", "filters: .github/filters.yml\n          unused: |")
    filters = "schemas: ['contracts/**']\nservices: ['src/services/**']\n"
    assert findings({".github/workflows/ci.yml": ci, ".github/filters.yml": filters}) == []
    # a job that needs a skipped job is skipped too (no status function in its if:)
    chained = FILTER_CI.replace("if: always() && needs.unit.result == 'success' && (needs.changes.result != 'success' || needs.changes.outputs.critical == 'true')",
                                "if: needs.changes.outputs.schemas == 'true'")
    found = findings({".github/workflows/ci.yml": chained})
    assert {f.rule for f in found} == {"I1", "I2"}


def test_gate_command_on_a_real_repository(tmp_path):
    repo = git_repo(tmp_path / "r", {"README.md": "x\n", ".observatory-invariants.toml": ""})
    base = commit_all(repo, "base")
    write_tree(repo, {"src/services/api/main.go": "package main\n"})
    commit_all(repo, "change")
    proc = run_cli("gate", "--base", base, "--format", "github", cwd=repo)
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "integration=true"
    assert "src/services/api/main.go matches src/services/** (I2)" in proc.stdout
    proc = run_cli("gate", "--base", "HEAD", "--format", "json", cwd=repo)
    assert json.loads(proc.stdout)["integration"] is False
    for bad in ("no-such-ref", "--output=/tmp/x", "HEAD..main"):
        proc = run_cli("gate", f"--base={bad}", "--format", "github", cwd=repo)
        assert proc.returncode == 0 and proc.stdout.startswith("integration=true\nreason=the diff could not be")
        assert "fail closed" in proc.stderr
    write_tree(repo, {"contracts/job.json": "{}"})
    proc = run_cli("gate", cwd=repo)
    assert proc.stdout.startswith("integration gate: run — contracts/job.json matches contracts/** (I1)")
    assert run_cli("gate", "--base", "HEAD", "--staged", cwd=repo).returncode == 2


def test_gate_outside_git_fails_closed(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("gate", "--format", "github", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("integration=true")
