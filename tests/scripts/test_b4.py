"""B4: $PSScriptRoot-derived paths need the empty guard, a marker-based fallback and a fail-fast."""

from __future__ import annotations

import pytest

from .conftest import ps_findings

HARDENED = r"""
$RepoRoot = if ($PSScriptRoot) {
    Split-Path -Parent $PSScriptRoot
} else {
    $dir = (Get-Location).Path
    while ($dir -and -not (Test-Path (Join-Path $dir '.git'))) {
        $dir = Split-Path -Parent $dir
    }
    if (-not $dir) { throw "Cannot find the repository root (.git) above $(Get-Location)" }
    $dir
}
$version = Get-Content (Join-Path $RepoRoot 'VERSION')
"""

HELPER = r"""
function Find-RepoRoot {
    if ($PSScriptRoot) { return (Split-Path -Parent $PSScriptRoot) }
    $dir = Get-Location
    do {
        if (Test-Path (Join-Path $dir '.git')) { return $dir }
        $dir = Split-Path -Parent $dir
    } until (-not $dir)
    throw 'no .git marker found'
}
$root = Find-RepoRoot
"""


def b4(text):
    return [f.rule for f in ps_findings(text) if f.rule.startswith("B4")]


@pytest.mark.parametrize("script, rule", [
    ("$root = Join-Path $PSScriptRoot '..'", "B4.unguarded"),
    ("$cfg = \"$PSScriptRoot/../config.json\"", "B4.unguarded"),
    ("Set-Location $PSScriptRoot", "B4.unguarded"),
    (". \"$PSScriptRoot\\lib.ps1\"", "B4.unguarded"),
    ("$here = Split-Path -Parent $MyInvocation.MyCommand.Path", "B4.unguarded"),
    ("$r = $PSScriptRoot ?? (Get-Location)", "B4.null-coalesce"),
    ("param([string]$Root = (Join-Path $PSScriptRoot '..'))", "B4.unguarded"),
    ("if ($PSScriptRoot) { $root = $PSScriptRoot }", "B4.no-marker-fallback"),
    ("$root = if ($PSScriptRoot) { $PSScriptRoot } else { Get-Location }", "B4.no-marker-fallback"),
    ("if (-not $PSScriptRoot) { throw 'run me as a file' }\n$root = $PSScriptRoot", "B4.no-marker-fallback"),
    ("$root = if ($PSScriptRoot) { $PSScriptRoot } else {\n"
     "  $d = Get-Location; while (-not (Test-Path \"$d/.git\")) { $d = Split-Path $d }; $d }", "B4.no-fail-fast"),
    ("$x = \"$(Join-Path $PSScriptRoot 'a')\"", "B4.unguarded"),
])
def test_catches(script, rule):
    assert rule in b4(script), b4(script)


@pytest.mark.parametrize("script", [
    HARDENED,
    HELPER,
    HARDENED.replace("if ($PSScriptRoot) {", "if (-not [string]::IsNullOrEmpty($PSScriptRoot)) {"),
    HARDENED.replace("if ($PSScriptRoot) {\n    Split-Path -Parent $PSScriptRoot\n} else {",
                     "if ([string]::IsNullOrEmpty($PSScriptRoot)) {").replace(
        "$dir\n}\n$version", "$dir\n} else { Split-Path -Parent $PSScriptRoot }\n$version"),
    HARDENED.replace("if ($PSScriptRoot) {\n    Split-Path -Parent $PSScriptRoot\n} else {",
                     "if (-not $PSScriptRoot) {").replace(
        "$dir\n}\n$version", "$dir\n} else { Split-Path -Parent $PSScriptRoot }\n$version"),
    "$here = $MyInvocation.MyCommand.Path ?? (Get-Location).Path",
    "Write-Host \"running from $PSScriptRoot\"",
    "# Join-Path $PSScriptRoot '..'",
    "$s = 'Join-Path $PSScriptRoot x'",
    "Get-ChildItem .",
])
def test_does_not_catch(script):
    assert b4(script) == []


def test_scope_is_configurable_through_the_adapter(tmp_path):
    from observatory_invariants.checks.script_lint import lint_file

    opts = {"b4-paths": ["scripts/**"], "x3-file-types": []}
    assert lint_file("tools/a.ps1", "Set-Location $PSScriptRoot", "powershell", opts) == []
    assert [f.rule for f in lint_file("scripts/a.ps1", "Set-Location $PSScriptRoot", "powershell", opts)] == \
        ["B4.unguarded"]
