"""`drift`: the repository's own INVARIANTS.md against the invariant map."""

from pathlib import Path

from observatory_invariants.map_drift import check_map_drift, parse_invariant_rows
from tests.helpers import run_cli, write_tree

SEED = (Path(__file__).parent / "data" / "seed-INVARIANTS.md").read_text()


def by_rule(findings):
    return {f.rule: f for f in findings}


def test_seed_rows_are_read_whole_even_when_wrapped():
    rows = parse_invariant_rows(SEED)
    assert set(rows) >= {"C1", "V2a", "I6", "B4", "R1"}
    assert "✅ CI" in rows["C1"][1] and rows["C1"][0] == 6


def test_seed_drift_names_what_changed():
    found = by_rule(check_map_drift("INVARIANTS.md", SEED))
    assert found["X3"].severity.value == "warning" and "enforces it now" in found["X3"].message
    assert "V1" not in found and "I7" not in found   # documented as CI-enforced, and checked now
    assert "C1" not in found and "I6" not in found and "P1" not in found  # in step, governance, not an invariant
    assert not any(f.severity.value == "error" for f in found.values())


def test_missing_unknown_and_wrongly_enforced_rows_are_errors():
    text = SEED.replace("| C5 |", "| C9 |").replace("| I6 | Victory gate: 3 green + nightly | — | 📝 Governance-Only |",
                                                    "| I6 | Victory gate: 3 green + nightly | — | ✅ CI |")
    found = by_rule(check_map_drift("INVARIANTS.md", text))
    assert "not in this document" in found["C5"].message
    assert "not an invariant of the map" in found["C9"].message
    assert "governance-only" in found["I6"].message and found["I6"].severity.value == "error"


def test_drift_command_finds_the_document_and_exits_by_severity(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": "", "docs/INVARIANTS.md": SEED})
    proc = run_cli("drift", cwd=tmp_path)
    assert proc.returncode == 0 and "docs/INVARIANTS.md:21:1: X3 [warning]" in proc.stdout
    write_tree(tmp_path, {"docs/INVARIANTS.md": SEED.replace("| C5 |", "| C9 |")})
    assert run_cli("drift", cwd=tmp_path).returncode == 1
    (tmp_path / "docs" / "INVARIANTS.md").unlink()
    missing = run_cli("drift", cwd=tmp_path)
    assert missing.returncode == 2 and "no invariant document found" in missing.stderr


def test_every_unknown_id_of_an_invariant_table_is_reported_and_other_tables_are_not_read():
    text = SEED.replace("| C5 |", "| Z9 |")
    found = by_rule(check_map_drift("INVARIANTS.md", text))
    assert "not an invariant of the map" in found["Z9"].message and found["Z9"].severity.value == "error"
    assert "P1" not in parse_invariant_rows(SEED)          # the proof-path table's header is "Path", not "ID"


def test_a_row_documented_as_enforced_that_the_tool_does_not_check_is_a_note(monkeypatch):
    import dataclasses

    from observatory_invariants import map_drift, registry

    planned = [dataclasses.replace(r, check=None) if r.id == "V1" else r for r in registry.RULES]
    monkeypatch.setattr(registry, "RULES", tuple(planned))
    found = by_rule(map_drift.check_map_drift("INVARIANTS.md", SEED))
    assert found["V1"].severity.value == "note" and "does not check it yet" in found["V1"].message
