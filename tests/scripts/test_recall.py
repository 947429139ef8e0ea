"""Issue 9 §3: real hazards the script rules missed (each failed before), with the evidence that makes them errors."""

from __future__ import annotations

import pytest

from observatory_invariants import memory
from observatory_invariants.rules.scripts.context import ScriptContext
from observatory_invariants.rules.scripts.lint import check_powershell, run
from observatory_invariants.rules.scripts.workflow_steps import workflow_findings
from observatory_invariants.rules.scripts.x4_bashisms import bashisms

ON_LINUX = ScriptContext(portable="run by job 'test' (ubuntu-latest)")


def found(text: str, context=None) -> list[tuple[str, str]]:
    return [(f.rule, str(f.severity)) for f in check_powershell("t.ps1", text, context=context)]


@pytest.mark.parametrize("script", [
    '$log = "$env:TEMP\\build.log"',
    'Copy-Item a "${env:APPDATA}\\tool\\config.json"',
    '$cache = "$env:LOCALAPPDATA/cache"',
    'Set-Location "$($env:USERPROFILE)\\src"',
])
def test_windows_variables_inside_double_quoted_strings(script):
    assert found(script, ON_LINUX) == [("X3.env-var", "error")]
    assert found(script) == [("X3.env-var", "warning")]   # no evidence it runs on Linux/macOS


@pytest.mark.parametrize("script", [
    "$log = '$env:TEMP\\x'",                       # single quotes: no expansion
    '$log = "`$env:TEMP\\x"',                      # escaped
    '$env:TEMP = "/tmp"',                          # set, not read
    '$t = if ($env:TEMP) { $env:TEMP } else { [IO.Path]::GetTempPath() }',
    '$old = $env:TEMP\n$env:TEMP = "/x"\n$env:TEMP = $old',
])
def test_windows_variables_that_cannot_bite(script):
    assert found(script, ON_LINUX) == []


WORKFLOW = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: cp out/app C:/deploy/app
      - shell: pwsh
        run: Copy-Item out "$env:TEMP\\out"
  windows:
    runs-on: windows-latest
    steps:
      - run: Copy-Item out C:\\deploy
      - shell: powershell
        run: cd src && npm ci
  matrix:
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    runs-on: ${{ matrix.os }}
    steps:
      - if: runner.os == 'Windows'
        run: copy out C:\\deploy
      - run: echo done
"""


def test_workflow_steps_on_linux_runners_and_windows_powershell():
    findings = {(f.line, f.rule, str(f.severity)) for f in workflow_findings(".github/workflows/ci.yml", WORKFLOW)}
    assert findings == {
        (6, "X3.drive-path", "error"),        # bash step of an ubuntu job
        (8, "X3.env-var", "error"),           # pwsh step of an ubuntu job
        (14, "X4.workflow-step", "error"),    # && under Windows PowerShell 5.1: a parse error
    }


@pytest.mark.parametrize("line, construct", [
    ("set -o pipefail", "pipefail"), ("set -eo pipefail", "pipefail"), ("set -euo pipefail", "pipefail"),
    ("PATH+=:/opt/bin", "+="), ("args+=\" -v\"", "+="),
])
def test_bashisms_missed_under_bin_sh(line, construct):
    (f,) = bashisms("t.sh", f"#!/bin/sh\n{line}\n")
    assert f.rule == "X4.sh-bashism" and construct in f.message and str(f.severity) == "error"


@pytest.mark.parametrize("script, what", [
    ("docker run --rm \\\n  -v ${PWD}:/src image", "line continuation"),
    ("$stamp = `date +%s`", "backtick command substitution"),
    ('$version = "`git describe --tags`"', "command substitution"),
    ('Write-Host "deploying $1 to $2"', "positional parameter"),
    ('$name = $1', "positional parameter"),
    ('$v = $text -replace "(\\d+)", "$1"', "-replace replacement"),
])
def test_bash_habits_in_powershell(script, what):
    messages = [f.message for f in check_powershell("t.ps1", script) if f.rule == "X4.pwsh-bashism"]
    assert len(messages) == 1 and what in messages[0], messages


@pytest.mark.parametrize("script", [
    "$v = $text -replace '(\\d+)', '$1'",         # single quotes reach -replace intact
    'Write-Host "Run `git pull` first"',          # a message with markdown-style backticks
    '$m = "Use `Get-Thing -Name x` instead"',     # the same inside a longer text
    '$m = "$v - available as ``azcopy``"',        # escaped backticks
    "$7zip = Get-Zip\n$7zip.Version",              # a variable whose name starts with a digit
    "$1.2.3.4",                                    # analyzer test input: not a positional parameter
    "Get-ChildItem C:\\ `\n  -Recurse",           # PowerShell's own continuation
    '"a`tb"',                                      # an escape sequence
])
def test_powershell_idioms_that_look_like_bash(script):
    assert [f.rule for f in check_powershell("t.ps1", script) if f.rule.startswith("X4")] == []


def test_readme_bash_block_makes_a_script_portable_and_its_windows_variable_an_error():
    ws = memory.workspace({
        "README.md": "Run it:\n\n```bash\npwsh ./scripts/start.ps1\n```\n",
        "scripts/start.ps1": "$cfg = Join-Path $env:TEMP 'kind.yaml'\n",
        "scripts/other.ps1": "$cfg = Join-Path $env:TEMP 'kind.yaml'\n",
    })
    result = {(f.path, str(f.severity)) for f in run(ws, None)}
    assert result == {("scripts/start.ps1", "error"), ("scripts/other.ps1", "warning")}
    (f,) = [f for f in run(ws, None) if f.path == "scripts/start.ps1"]
    assert "README.md:4" in f.message   # the finding says why the script was considered portable
