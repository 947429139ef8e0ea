"""The invariant map exists once: the manifest, docs, README and list output come from it."""

import re
import tomllib
from pathlib import Path

import pytest

from observatory_invariants import registry
from observatory_invariants.config import Config
from observatory_invariants.hooks_manifest import glob_to_regex, render_manifest
from observatory_invariants.invariant_map import explain, map_rows
from observatory_invariants.layout import DEFAULT_PATHS
from observatory_invariants.workspace import path_matches

ROOT = Path(__file__).resolve().parent.parent
SEED_IDS = ["C1", "C2", "C3", "C4", "C5", "X1", "X2", "X3", "X4", "V1", "V2", "V2a", "V3", "V4", "V5", "V6", "V7",
            "I1", "I2", "I3", "I4", "I5", "I6", "I7", "A1", "A2", "A3", "B1", "B2", "B3", "B4", "R1"]


def test_every_seed_id_is_in_the_registry_once():
    assert [r.id for r in registry.RULES] == SEED_IDS


def test_governance_rules_are_never_checked():
    for rule in registry.RULES:
        if rule.id in ("I6", "A2"):
            assert rule.enforcement == registry.GOVERNANCE and rule.check is None
            assert rule.status == registry.GOVERNANCE_ONLY


def test_every_check_reference_imports():
    for rule in registry.RULES:
        if rule.check:
            assert callable(rule.load_check()), rule.id


def test_reads_name_layout_keys():
    for rule in registry.RULES:
        for key in rule.reads:
            assert key in DEFAULT_PATHS, (rule.id, key)


def test_subrule_ids_belong_to_their_rule():
    for rule in registry.RULES:
        for sub in rule.subrules:
            assert sub.id.startswith(rule.id + "."), sub.id


def test_committed_manifest_is_generated_from_registry():
    assert (ROOT / ".pre-commit-hooks.yaml").read_text() == render_manifest()


def test_hook_ids_are_unique_and_in_readme():
    readme = (ROOT / "README.md").read_text()
    ids = [h.id for h in registry.HOOKS]
    assert len(ids) == len(set(ids))
    for hook_id in ids:
        assert f"id: {hook_id}" in readme or f"`{hook_id}`" in readme, hook_id


def test_hook_rules_exist_and_are_implemented():
    for hook in registry.HOOKS:
        for rule_id in hook.rules:
            assert registry.get(rule_id).implemented, (hook.id, rule_id)


@pytest.mark.parametrize("key", sorted(DEFAULT_PATHS))
def test_hook_regex_agrees_with_layout_globs(key):
    samples = ["contracts/schemas/job.json", "contracts/schemas/sub/job.json", "contracts/VERSIONS.md",
               "contracts/fixtures/golden/job-1.json", "src/services/gateway/Dockerfile", "src/services/gateway",
               "Dockerfile", "a/b/Dockerfile.prod", "scripts/run-all-tests.ps1", "x.ps1", "deep/x/y.sh",
               ".github/workflows/ci.yml", "infra/k8s/a/b.yaml", "docker-compose.integration.yml",
               "compose.yaml", "tools/docker-compose.dev.yml", "MODULE.bazel", ".bazelrc", "README.md"]
    for glob in DEFAULT_PATHS[key]:
        regex = re.compile("^" + glob_to_regex(glob) + "$")
        for sample in samples:
            assert bool(regex.match(sample)) == path_matches((glob,), sample), (glob, sample)


def test_every_implemented_rule_has_a_doc_page_with_the_sections():
    for rule in registry.RULES:
        page = ROOT / "docs" / "rules" / f"{rule.id}.md"
        if rule.implemented:
            text = page.read_text()
            for section in ("## What it does", "## Why it matters", "## Example", "## How to fix"):
                assert section in text, (rule.id, section)


def test_readme_links_every_documented_rule():
    readme = (ROOT / "README.md").read_text()
    for row in map_rows(Config()):
        linked = f"[{row['id']}](docs/rules/{row['id']}.md)" in readme
        assert linked == (ROOT / "docs" / "rules" / f"{row['id']}.md").exists(), row["id"]
        if row["status"] == registry.IMPLEMENTED:
            assert linked, row["id"]


def test_readme_rule_table_is_generated_from_the_registry():
    from observatory_invariants.readme_tables import update_readme

    readme = (ROOT / "README.md").read_text()
    assert update_readme(readme) == readme, "run: python -m observatory_invariants.readme_tables"


def test_explain_prints_the_doc_page_or_an_honest_status():
    assert explain("C3").startswith("# C3")
    assert "not implemented" in explain("V1") or (ROOT / "docs/rules/V1.md").exists()
    assert "governance" in explain("I6").lower()
    assert explain("Z9") is None


@pytest.mark.parametrize("selector, rule_id, expected", [
    ("C", "C3", True), ("C", "B3", False), ("B3", "B3.latest-tag", True), ("B", "B3.latest-tag", True),
    ("C1", "C10", False), ("V", "V2a", True), ("V2", "V2a", False), ("ALL", "R1", True),
])
def test_selector_matches(selector, rule_id, expected):
    assert registry.selector_matches(selector, rule_id) is expected


def test_most_specific_selector_wins():
    assert registry.is_enabled("C3", None, ()) is True
    assert registry.is_enabled("C3", ["C"], ["C3"]) is False
    assert registry.is_enabled("C3", ["C3"], ["C"]) is True
    assert registry.is_enabled("C3", ["B"], ()) is False


def test_pyproject_lists_every_subpackage():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(data["tool"]["setuptools"]["packages"])
    for init in (ROOT / "observatory_invariants").rglob("__init__.py"):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        assert package in listed, package
