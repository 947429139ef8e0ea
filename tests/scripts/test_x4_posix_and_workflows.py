"""X4 in #!/bin/sh scripts, in workflow run: steps, and the PowerShell-only folder policy."""

from __future__ import annotations

import pytest

from observatory_invariants.rules.scripts.lint import check_script_file, run
from observatory_invariants.rules.scripts.lint import ScriptOptions
from observatory_invariants.repo import Repository
from observatory_invariants.workspace import Workspace

from .conftest import sh_rules, wf_findings

SH = "#!/bin/sh\n"


@pytest.mark.parametrize("line", [
    "if [[ -f x ]]; then :; fi", "a=(1 2 3)", "echo ${arr[0]}", "function f { :; }", "source ./env",
    '[ "$a" == "b" ]', "test $a == b", "make &> log", "cat <<< \"$x\"", "diff <(ls a) <(ls b)", "echo $RANDOM",
    "set -o pipefail", "echo -e 'a\\tb'", "echo ${var//x/y}", "echo ${var:0:3}", "let x=1", "select x in a b; do :; done",
    "printf $'\\t'", "echo {a,b}", "cat <<EOF\n$RANDOM\nEOF", "echo $((RANDOM % 6))", "trap 'rm x' ERR", "(( x++ ))", "echo \"$BASH_SOURCE\"", "echo ${!name}", "shopt -s nullglob",
])
def test_sh_bashisms(line):
    assert "X4.sh-bashism" in sh_rules(SH + line + "\n"), line


@pytest.mark.parametrize("line", [
    "if [ -f x ]; then :; fi", 'f() { :; }', ". ./env", '[ "$a" = "b" ]', "make >log 2>&1", "echo $HOME",
    "printf '%s\\n' \"$x\"", "x=$((x + 1))", "echo '[[ $RANDOM ]]'", "# [[ comment ]] function x",
    "cat <<'EOF'\n[[ data ]] $RANDOM function\nEOF", "cat <<EOF\n[[ data ]] $HOME\nEOF", "echo \"${var:-default}\"", "echo ${#var}", "case $x in a) :;; esac",
    "echo \"{a,b}\"", '[ "${REQUIRED:-0}" = "1" ] && exit 1', "echo ${x:=y}",
])
def test_sh_posix_is_fine(line):
    assert sh_rules(SH + line + "\n") == [], line


@pytest.mark.parametrize("shebang", ["#!/bin/sh", "#!/usr/bin/env sh", "#!/bin/dash", "#!/bin/sh -e"])
def test_posix_shebangs_are_checked(shebang):
    found = check_script_file("x", f"{shebang}\n[[ -f x ]]\n", None, ScriptOptions())
    assert [f.rule for f in found] == ["X4.sh-bashism"]


@pytest.mark.parametrize("shebang", ["#!/bin/bash", "#!/usr/bin/env bash", ""])
def test_bash_scripts_may_use_bash(shebang):
    assert check_script_file("x.sh", f"{shebang}\n[[ -f x ]]\n", "shell", ScriptOptions()) == []


WORKFLOW = """\
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: pwsh
    steps:
      - name: pwsh by job default
        run: |
          Write-Host "ok"
          export FOO=1
      - name: bash step overrides the job default
        shell: bash
        run: |
          export FOO=1
          if [ -f x ]; then echo; fi
      - run: echo "${{ github.sha }}" >> $GITHUB_ENV
"""


def test_workflow_pwsh_steps_are_checked_and_bash_steps_are_not():
    found = [f for f in wf_findings(WORKFLOW) if f.rule == "X4.workflow-step"]
    assert [(f.line, f.column) for f in found] == [(13, 11), (19, 42)]
    assert "job's defaults.run.shell" in found[0].message and "$env:FOO" in found[0].message


@pytest.mark.parametrize("workflow, expected", [
    ("jobs:\n  a:\n    runs-on: windows-latest\n    steps:\n      - run: export A=1\n", 1),
    ("jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: export A=1\n", 0),
    ("defaults:\n  run:\n    shell: powershell\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
     "      - run: export A=1\n", 1),
    ("jobs:\n  a:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n"
     "        os: [ubuntu-latest, windows-latest]\n    steps:\n      - run: export A=1\n", 1),
    ("jobs:\n  a:\n    runs-on: windows-latest\n    steps:\n      - run: export A=1\n        shell: bash\n", 0),
    ("jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: '[[ -f x ]]'\n        shell: sh\n", 1),
    ("jobs:\n  a:\n    runs-on: windows-latest\n    steps:\n      - run: |\n          $d = @'\n"
     "          export A=1\n          '@\n", 0),
    ("runs:\n  using: composite\n  steps:\n    - run: export A=1\n      shell: pwsh\n", 1),
    ("runs:\n  using: composite\n  steps:\n    - run: export A=1\n      shell: bash\n", 0),
])
def test_effective_shell(workflow, expected):
    assert len([f for f in wf_findings(workflow) if f.rule == "X4.workflow-step"]) == expected


def test_workflow_crlf_positions():
    found = [f for f in wf_findings(WORKFLOW.replace("\n", "\r\n")) if f.rule == "X4.workflow-step"]
    assert [(f.line, f.column) for f in found] == [(13, 11), (19, 42)]


def test_invalid_workflow_yaml_is_a_finding_not_a_crash():
    (f,) = wf_findings("jobs: [unclosed\n")
    assert f.rule == "X4" and "invalid YAML" in f.message


def test_x3_in_workflows_uses_the_step_shell_and_values():
    text = ("jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cp a C:\\out  # C:\\comment\n"
            "      - uses: actions/cache@v4\n        with:\n          path: D:\\cache\n")
    found = [(f.rule, f.line) for f in wf_findings(text) if f.rule.startswith("X3")]
    assert found == [("X3.drive-path", 5), ("X3.drive-path", 8)]


def test_powershell_only_folder_policy(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "build.sh").write_text("#!/bin/bash\necho\n")
    (tmp_path / "scripts" / "deploy").write_text("#!/usr/bin/env bash\necho\n")
    (tmp_path / "scripts" / "ok.ps1").write_text("Write-Host ok\n")
    (tmp_path / "tools.sh").write_text("#!/bin/bash\necho\n")
    from observatory_invariants.config import build_config

    ws = Workspace(Repository(tmp_path), build_config({"scripts": {"powershell-only-folders": ["scripts"]}}))
    found = sorted((f.path, f.rule) for f in run(ws, None))
    assert found == [("scripts/build.sh", "X4.powershell-only-folder"), ("scripts/deploy", "X4.powershell-only-folder")]
    assert run(Workspace(Repository(tmp_path)), None) == []
