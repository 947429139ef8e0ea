"""X4 in PowerShell scripts: bash syntax that breaks under pwsh (catches / does not catch)."""

from __future__ import annotations

import pytest

from .conftest import ps_findings, ps_rules

BASH = "X4.pwsh-bashism"


@pytest.mark.parametrize("script, fix", [
    ("export FOO=bar", "$env:FOO"),
    ("FOO=bar make build", "$env:FOO"),
    ("if [ -f x.txt ]; then echo yes; fi", "if (<condition>)"),
    ("if [[ $a == b ]]; then echo; fi", "if (<condition>)"),
    ("[ -d build ] && rm -rf build", "if (<condition>)"),
    ("[[ -n $x ]]", "-and/-or"),
    ("for f in *.txt; do echo $f; done", "foreach"),
    ("while [ $i -lt 3 ]; do i=1; done", "while (<condition>)"),
    ("done", "foreach"),
    ("fi", "'}'"),
    ("case $x in a) echo;; esac", "switch"),
    ("esac", "switch"),
    ("source ./env.sh", ". ./file.ps1"),
    ("set -e", "$ErrorActionPreference = 'Stop'"),
    ("set -euo pipefail", "$ErrorActionPreference"),
    ("cd $(dirname $0)/..", "Join-Path"),
    ("Copy-Item $(Get-Location)/a b", "Join-Path"),
    ("echo `date`", "$(command)"),
    ('echo "x" >> $GITHUB_ENV', "$env:GITHUB_ENV"),
    ("echo $GITHUB_OUTPUT", "$env:GITHUB_OUTPUT"),
    ("cat <<EOF", "here-string"),
    ("cat <<< $x", "here-string"),
    ("deploy() { echo hi }", "function deploy"),
    ("ls 2>/dev/null", "$null"),
    ("ls > /dev/null", "$null"),
    ("echo $0", "$PSCommandPath"),
    ("echo ${FOO:-default}", "else { 'default' }"),
    ("echo $(( 1 + 2 ))", "$(1 + 2)"),
    ("make &> build.log", "*>"),
    ("elif", "elseif"),
])
def test_catches_bash_with_the_pwsh_equivalent(script, fix):
    found = [f for f in ps_findings(script) if f.rule == BASH]
    assert found, script
    assert any(fix in f.message for f in found), [f.message for f in found]


@pytest.mark.parametrize("script", [
    "$env:FOO = 'bar'",
    "if (Test-Path x.txt) { 'yes' }",
    "foreach ($f in Get-ChildItem *.txt) { $f }",
    "function deploy() { 'hi' }",
    "function deploy { 'hi' }",
    "Join-Path (Get-Location) 'a'",
    ". ./env.ps1",
    "$ErrorActionPreference = 'Stop'",
    "[string]::IsNullOrEmpty($x)",
    "[void]$list.Add(1)",
    "Add-Content -Path $env:GITHUB_ENV -Value 'A=1'",
    "ls 2>$null",
    "do { $i++ } while ($i -lt 3)",
    "$data = @'\nif [ -f x ]; then export A=1; fi\nfor f in *; do echo $f; done\n'@",
    "$cmd = \"export FOO=bar && source ./x\"",
    "# export FOO=bar\n<# if [ -f x ]; then fi #>",
    "Write-Host 'FOO=bar make'",
    "$GITHUB_ENV = 'x'; $GITHUB_ENV",
    "Get-Item -Path \"$(Get-Location)/a\"",
    "$x = $a[0]",
])
def test_does_not_catch_powershell_or_data(script):
    assert BASH not in ps_rules(script), script


def test_position_of_the_finding():
    (f,) = [f for f in ps_findings("Write-Host ok\n  export FOO=1\n") if f.rule == BASH]
    assert (f.line, f.column) == (2, 3)


def test_crlf_and_bom_and_no_trailing_newline():
    text = "\ufeffWrite-Host ok\r\nexport FOO=1"
    (f,) = [f for f in ps_findings(text) if f.rule == BASH]
    assert (f.line, f.column) == (2, 1)
