"""X1 (Windows-only calls) and X2 (pwsh-7-only features)."""

from __future__ import annotations

import pytest

from .conftest import ps_findings, ps_rules


@pytest.mark.parametrize("script, rule", [
    ("powershell.exe -File x.ps1", "X1.windows-command"),
    ("powershell -NoProfile -Command ls", "X1.windows-command"),
    ("cmd /c dir", "X1.windows-command"),
    ("& cmd.exe /c build.bat", "X1.windows-command"),
    ("Get-WmiObject Win32_OperatingSystem", "X1.removed-cmdlet"),
    ("gwmi Win32_Bios", "X1.removed-cmdlet"),
    ("Get-EventLog -LogName System", "X1.removed-cmdlet"),
    ("Get-ItemProperty 'HKLM:\\Software\\Foo'", "X1.registry"),
    ("Set-Location HKCU:\\Software", "X1.registry"),
    ("robocopy a b /MIR", "X1.windows-command"),
    ("& 'C:/tools/git.exe' status", "X1.windows-command"),
    ("Add-Type -AssemblyName System.Windows.Forms", "X1.windows-command"),
    ("$x = Get-Service -Name docker", "X1.windows-command"),
])
def test_x1_catches(script, rule):
    assert rule in ps_rules(script)


@pytest.mark.parametrize("script", [
    "if ($IsWindows) { cmd /c dir }",
    "if ($IsWindows) { Get-ItemProperty 'HKLM:\\Software\\Foo' }",
    "if (-not $IsWindows) { ls } else { robocopy a b }",
    "if ($IsLinux) { ls } else { cmd /c dir }",
    "if ($env:OS -eq 'Windows_NT') { cmd /c dir }",
    "if ([OperatingSystem]::IsWindows()) { reg.exe query x }",
    "if (-not $IsWindows) { throw 'Windows only' }\ncmd /c dir",
    "pwsh -NoProfile -File x.ps1",
    "git status",
    "# powershell.exe -File x.ps1",
    "$s = 'cmd /c dir'",
])
def test_x1_does_not_catch(script):
    assert not [r for r in ps_rules(script) if r.startswith("X1")], script


@pytest.mark.parametrize("script", [
    "git fetch && git rebase",
    "git fetch || exit 1",
    "$a = $b ?? 'default'",
    "$a ??= 'default'",
    "$n = ${obj}?.Name",
    "$x = $flag ? 'yes' : 'no'",
    "1..10 | ForEach-Object -Parallel { $_ } -ThrottleLimit 4",
    "$h = Get-Content x.json | ConvertFrom-Json -AsHashtable",
])
def test_x2_catches_undeclared(script):
    assert "X2.undeclared" in ps_rules(script)


@pytest.mark.parametrize("script", [
    "#Requires -Version 7\ngit fetch && git rebase",
    "#Requires -Version 7.2\n$a = $b ?? 'c'",
    "if ($PSVersionTable.PSVersion.Major -ge 7) { 1..3 | ForEach-Object -Parallel { $_ } } "
    "else { 1..3 | ForEach-Object { $_ } }",
    "if ($PSVersionTable.PSVersion.Major -lt 7) { 1..3 | % { $_ } } else { 1..3 | % -Parallel { $_ } }",
    "if ($PSVersionTable.PSVersion.Major -lt 7) { throw 'needs pwsh 7' }\n1..3 | ForEach-Object -Parallel { $_ }",
    "Get-ChildItem | ? { $_.Length -gt 1 }",
    "$s = 'a && b ?? c'",
    "$h = @\"\ngit fetch && git rebase\n\"@",
    "if ($a -and $b) { 1 }",
    "$x = $y.Count",
])
def test_x2_does_not_catch(script):
    assert "X2.undeclared" not in ps_rules(script), script


def test_x2_guard_without_fallback():
    assert "X2.no-fallback" in ps_rules(
        "if ($PSVersionTable.PSVersion.Major -ge 7) { 1..3 | ForEach-Object -Parallel { $_ } }")


def test_x2_syntax_behind_a_runtime_guard_does_not_help():
    # the else branch shows the script means to run on 5.1, which cannot even parse it: an error
    (f,) = [f for f in ps_findings("if ($PSVersionTable.PSVersion.Major -ge 7) { a && b } else { a; b }")
            if f.rule.startswith("X2")]
    assert f.rule == "X2.guarded-syntax" and str(f.severity) == "error" and "cannot even parse" in f.message
    # a guard that only stops older versions is no evidence that 5.1 runs the script: a warning
    (f,) = [f for f in ps_findings("if ($PSVersionTable.PSVersion.Major -lt 7) { throw 'pwsh 7 needed' }\na && b")
            if f.rule.startswith("X2")]
    assert f.rule == "X2.guarded-syntax" and str(f.severity) == "warning"


def test_x2_requires_below_7_still_reports():
    (f,) = [f for f in ps_findings("#Requires -Version 5.1\ngit fetch && git pull") if f.rule.startswith("X2")]
    assert "5.1" in f.message and f.line == 2
