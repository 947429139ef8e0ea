"""Issue 9 §2: one minimal regression test per false-alarm class of the script rules (each failed before the fix).

The cases are written in our own words, after the classes seen on the ecosystem corpus
(benchmarks/ecosystem): what the rule must stay quiet about, and, beside it, the near miss it must still catch.
"""

from __future__ import annotations

import pytest

from observatory_invariants.rules.scripts.lint import check_powershell

from .conftest import ps_findings, sh_rules


def rules(text: str, **options) -> list[str]:
    return [f.rule for f in check_powershell("t.ps1", text, options)]


def errors(text: str, **options) -> list[str]:
    return [f.rule for f in check_powershell("t.ps1", text, options) if str(f.severity) == "error"]


# --- PowerShell: only a token in command position is a command ---------------------------------------------

@pytest.mark.parametrize("script", [
    '$Artifact = "tool-windows-x64.exe"',
    "$toolName = \"certutil\"\n& $toolName -hashfile x",
    "$cfg = @{ Command = 'Remove-Service'; Script = \"Get-Uptime\" }",
    "$cases = @(\n  @{ Script = 'Get-WmiObject Win32_Bios' }\n)",
    "Write-Host 'run powershell.exe to see'",
    "$report.AddToolVersion(\"PowerShell\", $version)",
    "switch ($shell) { 'cmd' { 'x' } powershell { 'y' } }",
])
def test_strings_and_keys_are_data_not_commands(script):
    assert [r for r in rules(script) if r[:2] in ("X1", "X2")] == []


@pytest.mark.parametrize("script, rule", [
    ("& 'tool.exe' /x", "X1.windows-command"),
    ("$v = cmd /c ver", "X1.windows-command"),
    ("$cfg = @{ Version = Get-Uptime }", "X2.undeclared"),
])
def test_real_commands_in_expressions_are_still_commands(script, rule):
    assert rules(script).count(rule) == 1, rules(script)


@pytest.mark.parametrize("script", [
    "[Parameter(Mandatory=$true)]\n[string]$Name",
    "param(\n  [Parameter(\n    Mandatory=$true,\n    Position=0)]\n  [string]$Path\n)",
    "[CmdletBinding(SupportsShouldProcess=$true)]\nparam()",
    "$h = @{ Name=\"api\"; File=\"api.ps1\" }",
    "$h = @{\n  Name=\"api\"\n  File=\"api.ps1\"\n}",
    "$opts = @{\n  source = $feed\n  target = 'x'\n}",
    "class Box {\n  Box() { }\n  [string]$Name = 'x'\n}",
])
def test_attributes_hashtables_and_classes_are_not_bash(script):
    assert [r for r in rules(script) if r.startswith("X4")] == []


@pytest.mark.parametrize("script", [
    "kubectl wait --for=condition=Ready pod/api",
    "docker run --env=FOO=bar alpine",
    "git log --format=format:%H -1",
])
def test_native_option_values_are_not_environment_prefixes(script):
    assert [r for r in rules(script) if r.startswith("X4")] == []


def test_bash_environment_prefix_and_source_are_still_found():
    assert "X4.pwsh-bashism" in rules("FOO=bar ./build.sh")
    assert "X4.pwsh-bashism" in rules("source ./env.sh")
    assert "X4.pwsh-bashism" in rules("greet() {\n  echo hi\n}")


def test_subexpression_around_a_grouping_is_not_arithmetic():
    assert rules("$v = $((Get-AppxPackage -Name x).Version)") == []
    assert "X4.pwsh-bashism" in rules("$n = $((1 + 2))")


def test_alias_named_like_an_operator_and_functions_shadowing_cmdlets():
    assert [r for r in rules("Set-Alias ?? Invoke-NullCoalescing") if r.startswith("X2")] == []
    assert [r for r in rules("function Get-Error { 'mine' }\nGet-Error") if r.startswith("X2")] == []
    assert "X2.undeclared" in rules("Get-Error -Newest 1")


def test_the_same_finding_never_twice():
    found = [(f.rule, f.line) for f in ps_findings("& 'tool.exe' /x")]
    assert len(found) == len(set(found)) == 1


# placeholder to keep the sh helpers imported for later sections
_ = sh_rules
