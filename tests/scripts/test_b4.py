"""B4: $PSScriptRoot-derived paths need the empty guard, a marker-based fallback and a fail-fast.

Most tests here run B4's strict mode (``b4-strict = true``: the seed map's Hardened Root Resolution Pattern
everywhere); test_b4_evidence.py covers the default, which reports only what is evidently at risk.
"""

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
    return [f.rule for f in ps_findings(text, **{"b4-strict": True}) if f.rule.startswith("B4")]


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
    from observatory_invariants.rules.scripts.lint import check_script_file

    opts = {"b4-paths": ["scripts/**"], "x3-file-types": [], "b4-strict": True}
    assert check_script_file("tools/a.ps1", "Set-Location $PSScriptRoot", "powershell", opts) == []
    assert [f.rule for f in check_script_file("scripts/a.ps1", "Set-Location $PSScriptRoot", "powershell", opts)] == \
        ["B4.unguarded"]


# --- the fallback value handed to a function that does the marker search -------------------------------------

RESOLVER = r"""
function Resolve-RepoRoot([string]$StartDir) {
    $dir = $StartDir
    while ($dir) {
        if (Test-Path (Join-Path $dir '.git')) { return $dir }
        $dir = Split-Path -Parent $dir
    }
    throw "Repository root not found above $StartDir"
}
"""
FLOW = RESOLVER + r"""
$ScriptDir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }
$RepoRoot = Resolve-RepoRoot -StartDir $ScriptDir
"""
NO_SEARCH = r"""
function Resolve-RepoRoot([string]$StartDir) {
    if (-not $StartDir) { throw 'no start folder' }
    return (Resolve-Path $StartDir).Path
}
$ScriptDir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }
$RepoRoot = Resolve-RepoRoot -StartDir $ScriptDir
"""


@pytest.mark.parametrize("script", [
    FLOW,
    FLOW.replace("Resolve-RepoRoot -StartDir $ScriptDir", "(Resolve-RepoRoot $ScriptDir)"),
    FLOW.replace("if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }",
                 "if (-not $PSScriptRoot) { (Get-Location).Path } else { $PSScriptRoot }"),
    # the variable assigned in the empty branch flows into the function
    RESOLVER + "if ($PSScriptRoot) { $start = $PSScriptRoot } else { $start = (Get-Location).Path }\n"
               "Write-Host 'resolving'\n$root = Resolve-RepoRoot $start\n",
    # the function is defined after its use, and the call sits inside a block of the same scope
    "$ScriptDir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }\n"
    "try { $RepoRoot = Resolve-RepoRoot -StartDir $ScriptDir } finally { }\n" + RESOLVER,
])
def test_fallback_handed_to_a_marker_search_is_accepted(script):
    assert b4(script) == []


@pytest.mark.parametrize("script, rule", [
    (NO_SEARCH, "B4.no-marker-fallback"),
    (FLOW.replace('    throw "Repository root not found above $StartDir"\n', ""), "B4.no-fail-fast"),
    # the fallback is overwritten before it reaches the search
    (FLOW.replace("$RepoRoot = Resolve-RepoRoot", "$ScriptDir = 'C:/repo'\n$RepoRoot = Resolve-RepoRoot"),
     "B4.no-marker-fallback"),
    # another value is searched from, not the fallback
    (FLOW.replace("-StartDir $ScriptDir", "-StartDir $HOME"), "B4.no-marker-fallback"),
    # the call is in a function that is never called: not on the fallback's path
    (FLOW.replace("$RepoRoot = Resolve-RepoRoot -StartDir $ScriptDir",
                  "function Later { Resolve-RepoRoot -StartDir $ScriptDir }"), "B4.no-marker-fallback"),
    # the searching function is called, but without the fallback value
    (FLOW.replace("Resolve-RepoRoot -StartDir $ScriptDir", "Resolve-RepoRoot -StartDir '.'\n$x = $ScriptDir"),
     "B4.no-marker-fallback"),
])
def test_fallback_not_searched_is_still_caught(script, rule):
    assert b4(script) == [rule], b4(script)
