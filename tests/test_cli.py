"""The command line as users and CI run it: real subprocesses, exit codes 0/1/2, no tracebacks."""

import json
import os

import pytest

from observatory_invariants.api import check
from tests.helpers import SAMPLE, commit_all, git_repo, run_cli, schema, versions_md, write_tree

SAMPLE_FINDINGS = {
    ("contracts/VERSIONS.md", 5, "C5.version-mismatch"),
    ("contracts/VERSIONS.md", 9, "C5.history"),
    ("contracts/VERSIONS.md", 11, "C5.history"),
    ("contracts/fixtures/golden/event-envelope-job-created.json", 5, "C1.nonconforming"),
    ("contracts/fixtures/golden/job-completed.json", 2, "C2.nonconforming"),
    ("contracts/fixtures/negative/event-envelope-unknown-type.json", 1, "C1.negative-accepted"),
    ("contracts/schemas/event-envelope.json", 4, "C3.version"),
    ("contracts/schemas/metrics.json", 7, "C3.ref"),
}


def contract_findings(findings):
    return {(f["path"], f["line"], f["rule"]) for f in findings if f["rule"][0] == "C"}


def test_sample_reports_its_deliberate_contract_violations():
    proc = run_cli("check", str(SAMPLE), "--select", "C1,C2,C3,C5")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert "contracts/schemas/event-envelope.json:4:3: C3.version \"$version\" '1.0' is not SemVer" in proc.stdout
    assert len(lines) == len(SAMPLE_FINDINGS) + 2 and lines[-2].startswith("Found 8 findings")
    assert lines[-1].startswith("Run `observatory-invariants explain ")


def test_cli_json_and_library_give_the_same_findings():
    proc = run_cli("check", str(SAMPLE), "--format", "json", "--select", "C1,C2,C3,C5")
    from_cli = [{k: v for k, v in row.items() if k != "fingerprint"} for row in json.loads(proc.stdout)["findings"]]
    from_library = [f.to_dict() for f in check(SAMPLE, select=["C1", "C2", "C3", "C5"])]
    assert from_cli == from_library
    assert contract_findings(from_cli) == SAMPLE_FINDINGS


def test_clean_repository_exits_0(tmp_path):
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job"),
                          "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                          ".observatory-invariants.toml": ""})
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0 and proc.stdout == "All checks passed.\n", proc.stdout + proc.stderr


def test_exit_zero(tmp_path):
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x"), ".observatory-invariants.toml": ""})
    assert run_cli("check", str(tmp_path), "--select", "C3").returncode == 1
    assert run_cli("check", str(tmp_path), "--select", "C3", "--exit-zero").returncode == 0


def test_file_paths_run_only_the_rules_they_touch_and_keep_what_the_change_causes(tmp_path):
    git_repo(tmp_path, {"contracts/schemas/job.json": schema("job"),
                        "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                        ".observatory-invariants.toml": ""})
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x")})
    proc = run_cli("check", "contracts/VERSIONS.md", cwd=tmp_path)
    assert proc.returncode == 1 and {line.split()[1] for line in proc.stdout.splitlines()[:-2]} == {"C5.version-mismatch", "C5.history"}
    # the schema's own finding, and the VERSIONS.md row its change broke (a finding it caused elsewhere)
    proc = run_cli("check", "contracts/schemas/job.json", cwd=tmp_path)
    assert {line.split()[1].split(".")[0] for line in proc.stdout.splitlines()[:-2]} == {"C3", "C5"}


def test_outside_git_file_mode_keeps_only_findings_in_the_given_files(tmp_path):
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x"),
                          "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                          ".observatory-invariants.toml": ""})
    proc = run_cli("check", "contracts/schemas/job.json", cwd=tmp_path)
    assert {line.split()[1] for line in proc.stdout.splitlines()[:-2]} == {"C3.version"}
    assert "finding(s) in files outside this change are not shown: outside git" in proc.stderr
    proc = run_cli("check", "contracts/schemas/job.json", "--all", cwd=tmp_path)
    assert {line.split()[1].split(".")[0] for line in proc.stdout.splitlines()[:-2]} == {"C3", "C5"}


def test_a_path_no_rule_reads_runs_nothing(tmp_path):
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x"), "notes.txt": "hi",
                          ".observatory-invariants.toml": ""})
    proc = run_cli("check", "notes.txt", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "Nothing to check: no selected rule reads the given files.\n"


def test_missing_path_is_a_usage_error(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("check", "nope.json", cwd=tmp_path)
    assert proc.returncode == 2 and "nope.json: no such file" in proc.stderr


@pytest.mark.parametrize("ref", ["--output=out.txt", "-o", "main..feature", "HEAD;touch x", "a b", ""])
def test_option_like_or_odd_base_refs_are_rejected_and_write_nothing(tmp_path, ref):
    git_repo(tmp_path, {"contracts/schemas/job.json": schema("job"), ".observatory-invariants.toml": ""})
    before = sorted(os.listdir(tmp_path))
    proc = run_cli("check", f"--base={ref}", cwd=tmp_path)
    assert proc.returncode == 2 and "invalid git ref" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == before


def test_option_like_base_as_separate_argument_is_rejected(tmp_path):
    git_repo(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("check", "--base", "--output=out.txt", cwd=tmp_path)
    assert proc.returncode == 2 and not (tmp_path / "out.txt").exists()


def test_unknown_base_ref_exits_2(tmp_path):
    git_repo(tmp_path, {"contracts/schemas/job.json": schema("job"), ".observatory-invariants.toml": ""})
    proc = run_cli("check", "--base", "no-such-branch", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown git ref 'no-such-branch'" in proc.stderr


def test_base_checks_only_what_changed(tmp_path):
    git_repo(tmp_path, {"contracts/schemas/a.json": schema("a", version="bad"), ".observatory-invariants.toml":
                        'select = ["C3"]\n'})
    assert run_cli("check", "--base", "HEAD", cwd=tmp_path).returncode == 0  # nothing changed since HEAD
    write_tree(tmp_path, {"contracts/schemas/b.json": schema("b", version="also-bad")})
    commit_all(tmp_path, "add b")
    proc = run_cli("check", "--base", "HEAD~1", cwd=tmp_path)
    assert proc.returncode == 1 and "contracts/schemas/b.json" in proc.stdout


def test_base_outside_git_is_a_clear_error(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("check", "--base", "main", cwd=tmp_path)
    assert proc.returncode == 2 and "not a git repository" in proc.stderr


def test_unknown_select_id_is_a_usage_error():
    proc = run_cli("check", str(SAMPLE), "--select", "Q7")
    assert proc.returncode == 2 and "unknown rule id(s): Q7" in proc.stderr


def test_selecting_only_governance_rules_says_so_and_never_passes(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("check", str(tmp_path), "--select", "I6,A2")
    assert proc.returncode == 2 and "nothing to check" in proc.stderr and "governance only" in proc.stderr
    assert "passed" not in proc.stdout


def test_a_selected_rule_that_is_not_implemented_yet_is_never_reported_as_passing(tmp_path, monkeypatch):
    import dataclasses

    from observatory_invariants import api, registry

    write_tree(tmp_path, {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    planned = tuple(dataclasses.replace(r, check=None) if r.id == "C5" else r for r in registry.RULES)
    monkeypatch.setattr(registry, "RULES", planned)
    ws = api.open_workspace(tmp_path)
    result = api.run_workspace(ws, select=["C3", "C5"])
    assert result.not_implemented == ["C5"] and "C5" not in result.rules_run
    with pytest.raises(api.ConfigError, match="nothing to check"):
        api.run_workspace(ws, select=["C5"])


def test_inline_suppression_needs_the_rule_id(tmp_path):
    doc = versions_md({"job": "0.9.0"}).replace("| 0.9.0 | |", "| 0.9.0 | <!-- observatory: ignore[C5] --> |", 1)
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job"), "contracts/VERSIONS.md": doc,
                          ".observatory-invariants.toml": 'select = ["C5"]\n'})
    findings = check(tmp_path)
    assert [f.message for f in findings if "differs" in f.message] == []  # the row's finding is suppressed
    write_tree(tmp_path, {"contracts/VERSIONS.md": doc.replace("ignore[C5]", "ignore[C3]")})
    assert any("differs" in f.message for f in check(tmp_path))


def test_list_and_explain():
    listing = run_cli("list", "--format", "json")
    rules = json.loads(listing.stdout)["rules"]
    assert {r["id"]: r["status"] for r in rules}["I6"] == "governance only"
    page = run_cli("explain", "C3")
    assert page.returncode == 0 and page.stdout.startswith("# C3")
    assert run_cli("explain", "nope").returncode == 2


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("observatory-invariants ")


def test_no_command_is_a_usage_error():
    assert run_cli().returncode == 2


def test_a_crashing_check_is_an_internal_error_that_keeps_other_findings(tmp_path, monkeypatch, capsys):
    from observatory_invariants import cli
    from observatory_invariants.rules.contracts import c5_versions_doc as versions_doc

    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x"), ".observatory-invariants.toml": ""})
    monkeypatch.setattr(versions_doc, "run", lambda ws, targets: 1 / 0)
    monkeypatch.delenv("OBSERVATORY_DEBUG", raising=False)
    code = cli.main(["check", str(tmp_path), "--select", "C3,C5"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "C3" in out and "internal error in check C5: ZeroDivisionError" in err and "Traceback" not in err


def test_ids_are_case_insensitive_and_explain_rejects_unknown_subrules():
    assert run_cli("check", str(SAMPLE), "--select", "c3").returncode == 1
    assert run_cli("explain", "b3").returncode == 0
    assert run_cli("explain", "B3.nope").returncode == 2


@pytest.mark.parametrize("line, suppressed", [
    ('p = "C:\\\\tools"  # observatory: ignore[X3]', True),
    ('p = "C:\\\\tools"  # observatory: ignore[X3.drive-path]', True),
    ('p = "C:\\\\tools"  # observatory: ignore[X3.unc-path]', False),   # another sub-rule
    ('p = "C:\\\\tools"  # observatory: ignore[X]', False),             # a family is not an id
    ('p = "C:\\\\tools"  # observatory: ignore[ALL]', False),
    ('p = "C:\\\\tools"; q = "observatory: ignore[X3]"', False),      # data, not a comment
])
def test_suppression_needs_a_comment_naming_the_rule(tmp_path, line, suppressed):
    write_tree(tmp_path, {".observatory-invariants.toml": "", "src/tool.py": line + "\n"})
    findings = [f for f in check(tmp_path, select=["X3"]) if f.path == "src/tool.py"]
    assert (findings == []) is suppressed


def test_library_select_takes_a_string_as_ids_and_rejects_unknown_ones(tmp_path):
    from observatory_invariants.api import UnknownRuleId, check

    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job", version="x"), ".observatory-invariants.toml": ""})
    assert {f.rule for f in check(tmp_path, select="C3")} == {"C3.version"}
    assert {f.rule.split(".")[0] for f in check(tmp_path, select="c3,C5")} <= {"C3", "C5"}
    with pytest.raises(UnknownRuleId, match="unknown rule id.*Z9"):
        check(tmp_path, select="Z9")
    with pytest.raises(TypeError):
        check(tmp_path, select=[3])
