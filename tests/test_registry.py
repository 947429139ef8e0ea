"""The invariant map exists once, in the rules' declarations; the registry collects and orders them."""

import tomllib
from pathlib import Path

import pytest

from observatory_invariants import registry
from observatory_invariants.config import Config
from observatory_invariants.invariant_map import explain, map_rows
from observatory_invariants.layout import DEFAULT_PATHS

ROOT = Path(__file__).resolve().parent.parent
SEED_IDS = ["C1", "C2", "C3", "C4", "C5", "X1", "X2", "X3", "X4", "V1", "V2", "V2a", "V3", "V4", "V5", "V6", "V7",
            "I1", "I2", "I3", "I4", "I5", "I6", "I7", "A1", "A2", "A3", "B1", "B2", "B3", "B4", "R1"]


# Rules of the tool that are not in the seed's map: the opt-in map-drift rule.
TOOL_IDS = ["M1"]


def test_every_seed_id_is_in_the_registry_once():
    assert [r.id for r in registry.RULES] == SEED_IDS + TOOL_IDS


def test_opt_in_rules_run_only_when_named():
    assert not registry.is_enabled("M1.missing-row", None, ())
    assert not registry.is_enabled("M1.missing-row", ["ALL"], ()) and not registry.is_enabled("M1", ["M"], ())
    assert registry.is_enabled("M1.missing-row", ["M1"], ()) and registry.is_enabled("M1.missing-row", ["M1.missing-row"], ())
    assert not registry.is_enabled("M1.unknown-id", ["M1.missing-row"], ())
    assert not registry.is_enabled("M1.missing-row", ["M1"], ["M1.missing-row"])


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


def test_hook_ids_are_unique_and_every_rule_hook_exists():
    ids = [h.id for h in registry.HOOKS]
    assert len(ids) == len(set(ids))
    for rule in registry.RULES:
        for hook_id in rule.hooks:
            assert hook_id in ids, (rule.id, hook_id)


def test_hook_rules_exist_and_are_implemented():
    for hook in registry.HOOKS:
        for rule_id in registry.hook_rules(hook):
            assert registry.get(rule_id).implemented, (hook.id, rule_id)


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


def test_unknown_ids_are_errors_never_enabled():
    with pytest.raises(registry.UnknownRuleId, match="unknown rule id 'Z9'"):
        registry.is_enabled("Z9", None, ())
    with pytest.raises(registry.UnknownRuleId):
        registry.is_enabled("B3.no-such-thing", None, ())
    with pytest.raises(KeyError):
        registry.get("Z9")
    assert registry.is_declared("B3.latest-tag") and not registry.is_declared("B3.latest")


def test_every_rule_is_declared_in_its_family_package():
    for rule in registry.RULES:
        family = rule.module.split(".")[2]
        assert rule.module.startswith("observatory_invariants.rules.") and family == rule.family, rule.id


def test_every_subrule_constant_in_a_rule_module_is_declared_by_a_rule():
    import importlib

    from observatory_invariants.declare import SubRule

    for module in {r.module for r in registry.RULES}:
        for name, value in vars(importlib.import_module(module)).items():
            if isinstance(value, SubRule):
                assert registry.is_declared(value.id), (module, name, value.id)


def test_options_are_declared_once_per_key():
    keys = [(cls.section, key) for cls in registry.option_classes() for key in cls.keys()]
    assert len(keys) == len(set(keys))


def test_a_check_emitting_an_undeclared_id_is_an_internal_error(tmp_path, monkeypatch):
    from observatory_invariants.api import InternalCheckError, check
    from observatory_invariants.findings import finding
    from observatory_invariants.rules.contracts import c3_schema_sanity

    (tmp_path / "contracts" / "schemas").mkdir(parents=True)
    (tmp_path / "contracts" / "schemas" / "a.json").write_text("{}")
    monkeypatch.setattr(c3_schema_sanity, "run", lambda ws, targets: [finding("C3.made-up", "x", "m")])
    with pytest.raises(InternalCheckError, match="undeclared rule id"):
        check(tmp_path, select=["C3"])


def test_the_lazily_made_names_are_listed_and_star_imported():
    # RULES, HOOKS and the declarations' names are made on first use (start-up cost), yet they are as visible as
    # any other attribute: dir(), `from registry import *`.
    for name in ("RULES", "HOOKS", "WHOLE_REPOSITORY_HOOK", "AUTOMATED", "Rule", "Hook", "SubRule", "Options"):
        assert name in dir(registry) and name in registry.__all__
    namespace: dict = {}
    exec("from observatory_invariants.registry import *", namespace)
    assert namespace["RULES"] is registry.RULES and namespace["Rule"] is registry.Rule
    assert [i for rule in namespace["RULES"] for i in rule.ids()] == registry.all_ids()
