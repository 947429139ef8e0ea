"""The tool's own contracts (its config and report formats) pass its own contract rules."""

from observatory_invariants.api import check
from tests.helpers import REPO_ROOT, run_cli


def test_own_contracts_pass_c1_c2_c3_c5():
    assert check(REPO_ROOT, select=["C1", "C2", "C3", "C5"]) == []


def test_own_negative_fixtures_are_really_rejected():
    # Each negative fixture must fail for a schema reason; C1 reports one that passes, so the empty result
    # above means every one of them was rejected. Prove the check can fail by mapping one as golden.
    from observatory_invariants.rules.contracts.inputs import gather_contract_schemas
    from observatory_invariants.rules.contracts.c1_c2_instances import Instance, check_instances
    from observatory_invariants.rules.contracts.inputs import read_document
    from observatory_invariants.api import open_workspace

    ws = open_workspace(REPO_ROOT)
    doc = read_document(ws, "contracts/fixtures/negative/config-unknown-key.json")
    [f] = check_instances(gather_contract_schemas(ws), [Instance(doc, True, None)], job_schemas=[], formats=[])
    assert "'colour' was unexpected" in f.message


def test_cli_on_own_repository_is_clean_for_contracts():
    proc = run_cli("check", "--select", "C1,C2,C3,C5", cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_whole_tool_repository_passes_its_own_rules():
    proc = run_cli("check", cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
