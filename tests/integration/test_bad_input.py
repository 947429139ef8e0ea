"""Hostile and malformed input for I1-I7, A1, A3, R1: findings or silence, never a crash or a hang."""

import pytest

from observatory_invariants.memory import workspace
from observatory_invariants.runner import run as run_rules

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))

HOSTILE = {
    ".github/workflows/bomb.yml": BOMB + "on: [pull_request]\njobs: {}\n",
    ".github/workflows/deep.yml": "on: [push]\njobs:\n  j:\n    if: " + "(" * 300 + "true" + ")" * 300 + "\n"
                                  "    steps: [{run: ./scripts/integration-harness.ps1}]\n",
    ".github/workflows/odd.yml": "on: {pull_request: {paths: 7}}\njobs: [1, 2]\n",
    ".github/workflows/two.yml": "on: push\n---\non: pull_request\n",
    ".github/workflows/release.yml": "on: push\njobs:\n  r: {steps: {run: cargo publish}}\n  s: {needs: s, steps: [{run: cargo package}]}\n",
    ".github/workflows/loop.yml": "on: [pull_request]\njobs:\n  a: {needs: b, runs-on: x, steps: [{run: ./scripts/integration-harness.ps1, shell: pwsh}]}\n"
                                  "  b: {needs: a, runs-on: x, steps: [{uses: 'dorny/paths-filter@v3', id: f, with: {filters: '[: bad'}}]}\n",
    "scripts/integration-harness.ps1": "param([int]$RuntimeBudgetSec = 99999999999999999999)\n$x = @\"\nunterminated { here-string\n",
    "docker-compose.integration.yml": "x-a: &a {image: 1}\nservices:\n  s: {extends: {service: s, file: docker-compose.integration.yml}}\n  t: *a\n  u: null\nvolumes: [1]\n",
    "infra/k8s/stream.yaml": "---\n---\n\n---\nkind: Deployment\nmetadata: {name: [1]}\n---\nkind: Deployment\nspec: 3\n---\n",
    "infra/k8s/bin.yaml": b"\x00\x01binary",
    "MODULE.bazel": b"\xff\xfe not utf-8",
    "MODULE.bazel.lock": '{"lockFileVersion": 6, "moduleFileHash": 12}',
    ".bazelrc": "import %workspace%/.bazelrc\ntry-import %workspace%/../../etc/passwd\ncommon --lockfile_mode=\\\n",
    "scripts/run-all-tests.ps1": b"\xef\xbb\xbfWrite-Host ok\r\n",
}


@pytest.mark.parametrize("select", ["I1,I2", "I3", "I4", "I5", "I7", "A1", "A3", "R1"])
def test_hostile_inputs_never_crash(select):
    result = run_rules(workspace(HOSTILE), select=select.split(","))
    assert result.internal_errors == []
