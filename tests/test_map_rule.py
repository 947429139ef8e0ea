"""M1: the opt-in map rule — the seed's document against the map and a repository's config."""

from pathlib import Path

from observatory_invariants.config import build_config
from observatory_invariants.memory import workspace
from observatory_invariants.rules.map.m1_map_drift import check_document, run
from tests.helpers import run_cli, write_tree

SEED = (Path(__file__).parent / "data" / "seed-INVARIANTS.md").read_text()


def test_config_disabling_a_documented_rule_and_missing_enabled_rows():
    found = check_document("docs/INVARIANTS.md", SEED, build_config({"ignore": ["I7"]}))
    disabled = [f for f in found if f.rule == "M1.disabled-by-config"]
    assert len(disabled) == 1 and disabled[0].message.startswith("I7 is documented as enforced") \
        and disabled[0].severity.value == "error"
    missing = check_document("docs/INVARIANTS.md", SEED.replace("| C5 |", "| C9 |"), build_config({"select": ["C"]}))
    assert {(f.rule, f.severity.value) for f in missing if "C5 (" in f.message} == {("M1.missing-row", "error")}
    quiet = check_document("docs/INVARIANTS.md", SEED.replace("| X3 |", "| X9 |"), build_config({"select": ["C"]}))
    assert {(f.rule, f.severity.value) for f in quiet if f.message.startswith("X3 (")} == {("M1.missing-row", "warning")}
    # the tool's own opt-in rule is the document's business only when the config enables it
    assert not any("M1 (" in f.message for f in check_document("d.md", SEED, build_config({})))
    assert any("M1 (" in f.message for f in check_document("d.md", SEED, build_config({"select": ["C", "M1"]})))


def test_seed_document_findings_by_kind():
    found = check_document("INVARIANTS.md", SEED, build_config({}))
    kinds = {f.rule for f in found}
    assert "M1.stale-status" in kinds        # X3/X4 documented-only, enforced now
    assert "M1.not-checked-yet" not in kinds  # every automated rule of the seed's map is checked now
    assert not any(f.severity.value == "error" for f in found)


def test_opt_in_through_check(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": 'ignore = ["I7"]\n', "INVARIANTS.md": SEED})
    plain = run_cli("check", "--format", "json", cwd=tmp_path)
    assert '"M1.' not in plain.stdout
    selected = run_cli("check", "--select", "M1", cwd=tmp_path)
    assert selected.returncode == 1 and "M1.disabled-by-config I7 is documented as enforced" in selected.stdout
    assert run(workspace({"README.md": ""}), None) == []
