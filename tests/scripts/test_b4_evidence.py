"""B4 in its default (evidence) mode: $PSScriptRoot is empty only for code that does not run from a script file
(about_Automatic_Variables: it holds "the full path of the executing script's parent directory", valid in all
scripts from PowerShell 3.0). Findings only where the repository shows that happening."""

from __future__ import annotations

import pytest

from observatory_invariants import memory
from observatory_invariants.rules.scripts.context import ScriptContext
from observatory_invariants.rules.scripts.lint import check_powershell, run

USE = "$cfg = Join-Path $PSScriptRoot 'config.json'\nGet-Content $cfg\n"


def b4(text, context=None, **options):
    return [(f.rule, str(f.severity)) for f in check_powershell("t.ps1", text, options, context=context)
            if f.rule.startswith("B4")]


def test_a_script_run_from_its_file_has_its_root():
    assert b4(USE) == []
    assert b4("$root = Split-Path -Parent $MyInvocation.MyCommand.Path\n. \"$PSScriptRoot/lib.ps1\"") == []


def test_code_evidently_run_without_its_file_is_at_risk():
    iex = ScriptContext(no_file="README.md:3 runs its code without a script file")
    assert b4(USE, iex) == [("B4.unguarded", "error")]
    entry = ScriptContext(entry_point="listed in b4-entry-points")
    assert b4(USE, entry) == [("B4.unguarded", "error")]


def test_a_script_that_expects_no_file_is_at_risk_where_it_does_not_guard():
    script = "if (-not $PSScriptRoot) { Write-Warning 'pasted?' }\n" + USE
    assert b4(script) == [("B4.unguarded", "error")]
    assert b4("$r = $PSScriptRoot ?? (Get-Location)") == [("B4.null-coalesce", "error")]


@pytest.mark.parametrize("script", [
    # a message string, not a path derivation
    "if (-not $Root) { Write-Output (@{ message = \"FATAL: PSScriptRoot='$PSScriptRoot' CWD=$(Get-Location)\" } |"
    " ConvertTo-Json) }",
    "throw \"cannot find the root above $PSScriptRoot\"",
    # escaped: text of a generated script
    "$shim = \"& `\"`$PSScriptRoot\\tool.ps1`\" @args\"",
    # relaunching the script elevated names the script, not its folder
    "Start-Process powershell -Verb RunAs -ArgumentList \"-File `\"$($MyInvocation.MyCommand.Definition)`\"\"",
    # the guard itself
    "if ($null -eq $MyInvocation.MyCommand.Path) { $here = Get-Location } else { $here = Split-Path $PSCommandPath }",
])
def test_not_path_derivations_even_at_risk(script):
    at_risk = ScriptContext(no_file="irm … | iex")
    assert b4(script, at_risk) == []


def test_irm_iex_in_the_readme_makes_the_installer_at_risk():
    ws = memory.workspace({
        "README.md": "Install:\n\n```powershell\nirm https://raw.githubusercontent.com/o/r/main/install.ps1 | iex\n```\n",
        "install.ps1": USE,
        "tools/build.ps1": USE,
    })
    found = [(f.path, f.rule, str(f.severity)) for f in run(ws, None) if f.rule.startswith("B4")]
    assert found == [("install.ps1", "B4.unguarded", "error")]
    (f,) = [f for f in run(ws, None) if f.rule.startswith("B4")]
    assert "README.md:4" in f.message


def test_entry_points_come_from_the_config():
    from observatory_invariants.config import Config

    config = Config(sections={"scripts": {"b4-entry-points": ["scripts/start-*.ps1"]}})
    ws = memory.workspace({"scripts/start-all.ps1": USE, "scripts/other.ps1": USE}, config=config)
    assert [f.path for f in run(ws, None) if f.rule.startswith("B4")] == ["scripts/start-all.ps1"]


def test_strict_mode_accepts_a_fail_fast_after_the_marker_search():
    script = ("$script:ProjectRoot = if ($PSScriptRoot) { Split-Path $PSScriptRoot } else {\n"
              "  $d = (Get-Location).Path\n  while ($d -and -not (Test-Path (Join-Path $d '.git'))) { $d = Split-Path $d }\n"
              "  $d\n}\nif (-not $script:ProjectRoot) { Write-Host 'no root'; exit 1 }\n")
    assert b4(script, **{"b4-strict": True}) == []
