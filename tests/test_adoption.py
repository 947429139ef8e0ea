"""Adopting the tool on a repository with history: findings belong to the change, a baseline silences the past,
a crashed check is never a pass, and file names cannot hijack a hook."""

import json

import pytest

from tests.helpers import commit_all, git, git_repo, run_cli, schema, versions_md, write_tree

OLD_DOCKER = {  # an old B3 problem far away from the file the commit touches
    "src/services/api/Dockerfile": "FROM scratch\nCOPY app.py /app/\n",
    "src/services/api/app.py": "print('hi')\n",
    "src/services/api/VERSION": "1.0.0\n",
    "docker-compose.yml": "services:\n  api:\n    build: src/services/api\n    image: api:1.0.0\n"
                          "  smoke:\n    image: api:latest\n",  # pulls the own image to run it: :latest
    "scripts/install.ps1": "Write-Host 'hello'\n",
    # the script runs on Linux too: X3 findings in it are errors, not "might be Windows-only" warnings
    ".observatory-invariants.toml": '[scripts]\nportable-scripts = ["scripts/*.ps1"]\n',
}


def rules_in(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line[:1] not in ("F", "R", "A", "N") and ": " in line]


def test_a_commit_is_not_blocked_by_old_findings_in_other_files(tmp_path):
    repo = git_repo(tmp_path, OLD_DOCKER)
    assert "B3.latest-tag" in run_cli("check", cwd=repo).stdout          # the old finding is there
    write_tree(repo, {"scripts/install.ps1": "# a comment\nWrite-Host 'hello'\n"})
    git(repo, "add", "-A")
    clean = run_cli("check", "--staged", cwd=repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "already there before it" in clean.stderr
    assert run_cli("check", "scripts/install.ps1", cwd=repo).returncode == 0   # pre-commit's file mode too
    everything = run_cli("check", "--staged", "--all", cwd=repo)
    assert everything.returncode == 1 and "B3.latest-tag" in everything.stdout


def test_a_new_violation_in_the_changed_file_is_reported_alone(tmp_path):
    repo = git_repo(tmp_path, OLD_DOCKER)
    write_tree(repo, {"scripts/install.ps1": "Write-Host 'hello'\n$t = 'C:\\tools'\n"})
    git(repo, "add", "-A")
    proc = run_cli("check", "--staged", cwd=repo)
    assert proc.returncode == 1
    assert rules_in(proc.stdout) == ["X3.drive-path"], proc.stdout


def test_a_change_that_breaks_another_file_reports_that_file(tmp_path):
    repo = git_repo(tmp_path, {**OLD_DOCKER, "docker-compose.yml": "services:\n  api:\n    build: src/services/api\n"
                                                                       "    image: api:1.0.0\n"})  # no old finding
    write_tree(repo, {"src/services/api/Dockerfile": "FROM scratch\nCOPY app.py /app/\nCOPY missing.txt /m/\n"})
    git(repo, "add", "-A")
    proc = run_cli("check", "--staged", cwd=repo)
    assert "B2.missing-source" in proc.stdout and proc.returncode == 1


def test_a_staged_schema_deletion_is_judged(tmp_path):
    repo = git_repo(tmp_path, {"contracts/schemas/job.json": schema("job"),
                               "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}), ".observatory-invariants.toml": ""})
    git(repo, "rm", "-q", "contracts/schemas/job.json")
    proc = run_cli("check", "--staged", cwd=repo)
    assert proc.returncode == 1 and "C4.schema-deleted" in proc.stdout, proc.stdout + proc.stderr
    # pre-commit's form: the hook gets the files that exist (none here) and --staged adds the deletion
    proc = run_cli("check", "--staged", "--select", "C4", "--", cwd=repo)
    assert proc.returncode == 1 and "C4.schema-deleted" in proc.stdout


def test_baseline_silences_the_past_and_a_new_finding_still_fails(tmp_path):
    repo = git_repo(tmp_path, OLD_DOCKER)
    wrote = run_cli("baseline", cwd=repo)
    assert wrote.returncode == 0 and "wrote 1 finding(s) to .observatory-baseline.json" in wrote.stdout
    data = json.loads((repo / ".observatory-baseline.json").read_text())
    assert [e["rule"] for e in data["findings"]] == ["B3.latest-tag"]
    assert run_cli("check", "--baseline", ".observatory-baseline.json", cwd=repo).returncode == 0
    write_tree(repo, {".observatory-invariants.toml": 'baseline = ".observatory-baseline.json"\n'
                                                   + OLD_DOCKER[".observatory-invariants.toml"]})
    assert run_cli("check", cwd=repo).returncode == 0
    # lines moving does not matter: the fingerprint is the line's text, not its number
    write_tree(repo, {"docker-compose.yml": "# compose\n\n" + OLD_DOCKER["docker-compose.yml"]})
    assert run_cli("check", cwd=repo).returncode == 0
    write_tree(repo, {"scripts/install.ps1": "$t = 'C:\\tools'\n"})
    new = run_cli("check", cwd=repo)
    assert new.returncode == 1 and rules_in(new.stdout) == ["X3.drive-path"]
    write_tree(repo, {"docker-compose.yml": OLD_DOCKER["docker-compose.yml"].replace(":latest", ":1.0.0")})
    shrink = run_cli("check", cwd=repo)
    assert "1 baseline entry no longer occur" in shrink.stderr


def test_baseline_errors_name_the_file(tmp_path):
    repo = git_repo(tmp_path, {**OLD_DOCKER, "b.json": "{}"})
    proc = run_cli("check", "--baseline", "b.json", cwd=repo)
    assert proc.returncode == 2 and "b.json: not a baseline file" in proc.stderr
    proc = run_cli("check", "--baseline", "nope.json", cwd=repo)
    assert proc.returncode == 2 and "baseline nope.json: cannot read it" in proc.stderr


def test_sarif_carries_partial_fingerprints_stable_across_line_moves(tmp_path):
    repo = git_repo(tmp_path, OLD_DOCKER)

    def fingerprints():
        sarif = json.loads(run_cli("check", "--format", "sarif", cwd=repo).stdout)
        return [r["partialFingerprints"]["observatoryInvariants/v1"] for r in sarif["runs"][0]["results"]]

    before = fingerprints()
    write_tree(repo, {"docker-compose.yml": "\n\n" + OLD_DOCKER["docker-compose.yml"]})
    assert fingerprints() == before and len(before) == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_crashed_check_is_never_a_pass(tmp_path, fmt):
    write_tree(tmp_path, {"contracts/schemas/job.json": schema("job"), ".observatory-invariants.toml": ""})
    code = (
        "import sys; from observatory_invariants.rules.contracts import c3_schema_sanity as m\n"
        "m.run = lambda ws, targets: 1 / 0\n"
        "from observatory_invariants.cli import main\n"
        f"sys.exit(main(['check', {str(tmp_path)!r}, '--select', 'C3', '--format', {fmt!r}]))\n")
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "All checks passed" not in proc.stdout
    if fmt == "text":
        assert "Checks did not complete" in proc.stdout
    elif fmt == "json":
        report = json.loads(proc.stdout)
        assert report["complete"] is False and "ZeroDivisionError" in report["internal_errors"][0]
    elif fmt == "sarif":
        invocation = json.loads(proc.stdout)["runs"][0]["invocations"][0]
        assert invocation["executionSuccessful"] is False
    else:
        assert proc.stdout.startswith("::error title=internal error::")


def test_a_file_named_like_an_option_is_a_file_in_hook_entries(tmp_path):
    repo = git_repo(tmp_path, {"scripts/--exit-zero.ps1": "$t = 'C:\\x\\y'\n",
                               ".observatory-invariants.toml": OLD_DOCKER[".observatory-invariants.toml"]})
    from observatory_invariants import generate, registry

    hook = next(h for h in registry.HOOKS if h.id == "observatory-powershell")
    entry = generate.hook_entry(hook).split()
    assert entry[-1] == "--"
    proc = run_cli(*entry[1:], "scripts/--exit-zero.ps1", cwd=repo)
    assert proc.returncode == 1 and "X3.drive-path" in proc.stdout


def test_control_characters_in_paths_cannot_forge_lines(tmp_path):
    name = "scripts/evil\nforged.ps1:1:1: C3 fake\x1b[31m.ps1"
    write_tree(tmp_path, {name: "$t = 'C:\\x\\y'\n", ".observatory-invariants.toml": ""})
    text = run_cli("check", str(tmp_path), "--select", "X3").stdout
    assert "\x1b" not in text and not any(line.startswith("forged.ps1") for line in text.splitlines())
    github = run_cli("check", str(tmp_path), "--select", "X3", "--format", "github").stdout
    assert "\x1b" not in github and len([ln for ln in github.splitlines() if ln.startswith("::")]) == 1
