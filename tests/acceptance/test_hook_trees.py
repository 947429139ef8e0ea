"""Acceptance, check-jsonschema style: each hook's real entry (through `pre-commit try-repo`) passes on its
`positive/` tree and fails on its `negative/` tree with the expected rule ids.

Trees live in tests/acceptance/trees/<hook id>/{positive,negative}/; each is copied into a fresh git
repository and run with --all-files, as a team adopting the hook would first run it.
"""

import shutil
from pathlib import Path

import pytest

from observatory_invariants import registry
from tests.helpers import commit_all, findings_in, git, git_repo, schema, versions_md, write_tree

pytestmark = pytest.mark.slow  # a real pre-commit environment: .ci/run runs these, the inner loop does not

TREES = Path(__file__).parent / "trees"
EXPECTED = {
    "observatory-docker": {"B3.latest-tag", "B1.wrong-context"},
    "observatory-powershell": {"X4.pwsh-bashism", "X2.undeclared", "X1.removed-cmdlet", "X3.drive-path"},
    "observatory-shell": {"X4.sh-bashism"},
    "observatory-workflows": {"X4.workflow-step"},
    "observatory-windows-paths": {"X3.drive-path", "X3.unc-path"},
    "observatory-integration": {"I3.k8s-tooling", "I4.budget", "I5.outside-finally", "I7.missing-in-compose"},
    "observatory-ci-gate": {"I1", "A3.not-called", "R1.publish-before-test"},
    "observatory-bazel": {"A1.stale-lock", "A1.lockfile-mode"},
    "observatory-map": {"M1.claims-enforced"},
    "observatory-coverage": {"V1", "V1.docs", "V1.ci-threshold", "V5.ci-bypass", "V5.ci-threshold",
                             "V7.missing-baseline"},
}


def test_every_file_hook_has_trees_or_its_own_acceptance_test():
    covered = set(EXPECTED) | {"observatory-contracts", "observatory-compat", "observatory-invariants"}
    assert {h.id for h in registry.HOOKS} == covered
    for hook_id in EXPECTED:
        assert (TREES / hook_id / "positive").is_dir() and (TREES / hook_id / "negative").is_dir()


def _repo_from(tree: Path, tmp_path: Path) -> Path:
    repo = tmp_path / tree.name
    shutil.copytree(tree, repo)
    git_repo(repo)
    commit_all(repo, "tree")
    return repo


@pytest.mark.parametrize("hook_id", sorted(EXPECTED))
def test_hook_passes_positive_and_fails_negative(hook_id, tmp_path, try_repo):
    positive = try_repo(_repo_from(TREES / hook_id / "positive", tmp_path), hook_id)
    assert positive.returncode == 0, positive.stdout + positive.stderr
    negative = try_repo(_repo_from(TREES / hook_id / "negative", tmp_path), hook_id)
    assert negative.returncode == 1, negative.stdout + negative.stderr
    assert {rule for _, _, rule in findings_in(negative.stdout)} == EXPECTED[hook_id]


def test_compat_hook_compares_the_staged_schema_with_head(tmp_path, try_repo):
    job = schema("job", properties={"status": {"enum": ["PENDING", "DONE", "FAILED"]}})
    repo = git_repo(tmp_path / "compat", {"contracts/schemas/job.json": job,
                                          "contracts/VERSIONS.md": versions_md({"job": "1.0.0"})})
    narrowed = schema("job", version="1.1.0", properties={"status": {"enum": ["PENDING", "DONE"]}})
    write_tree(repo, {"contracts/schemas/job.json": narrowed})
    git(repo, "add", "-A")
    failed = try_repo(repo, "observatory-compat", "contracts/schemas/job.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert {rule for _, _, rule in findings_in(failed.stdout)} == {"C4.bump-too-small"}
    write_tree(repo, {"contracts/schemas/job.json": {**narrowed, "$version": "2.0.0"}})
    git(repo, "add", "-A")
    passed = try_repo(repo, "observatory-compat", "contracts/schemas/job.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
