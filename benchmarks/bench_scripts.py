"""Benchmark the PowerShell tokenizer and the script rules (X1-X4, B4).

Generates N PowerShell files of ~300 lines each (functions, if/else, pipelines,
here-strings, comments, string subexpressions, hashtables, the hardened root
pattern) and times (1) tokenizing all of them and (2) linting all of them
with every PowerShell rule (tokenizer included), in one process.

Run: ``python benchmarks/bench_scripts.py [N] [LINES]`` (default 2000 files x 300 lines).
"""

from __future__ import annotations

import random
import sys
import time

_BLOCKS = [
    """function Invoke-Step{n} {{
    param([string]$Name = 'step{n}', [int]$Retries = 3)
    for ($i = 0; $i -lt $Retries; $i++) {{
        try {{
            $result = Invoke-RestMethod -Uri "http://localhost:{port}/health" -TimeoutSec 5
            if ($result.status -eq 'ok') {{ return $true }}
        }} catch {{
            Write-Warning "attempt $i failed: $($_.Exception.Message)"
            Start-Sleep -Seconds 2
        }} finally {{
            Write-Verbose "step {n} attempt $i done"
        }}
    }}
    return $false
}}
""",
    """# Collect service folders and their versions ({n})
$services = Get-ChildItem -Path (Join-Path $RepoRoot 'src/services') -Directory |
    Where-Object {{ Test-Path (Join-Path $_.FullName 'VERSION') }} |
    ForEach-Object {{
        [pscustomobject]@{{ Name = $_.Name; Version = (Get-Content (Join-Path $_.FullName 'VERSION')).Trim() }}
    }}
foreach ($svc in $services) {{
    $tag = "$($svc.Name):$($svc.Version)"
    docker build -t $tag -f "src/services/$($svc.Name)/Dockerfile" .
    if ($LASTEXITCODE -ne 0) {{ throw "docker build failed for $tag" }}
}}
""",
    """<#
.SYNOPSIS
    Block comment {n} with C:\\paths and `&&` that are not code.
#>
$config = @{{
    Name    = 'observatory-{n}'
    Timeout = {port}
    Paths   = @('contracts', 'src/services', 'scripts')
}}
$template = @"
Service: $($config.Name)
Timeout: $($config.Timeout) seconds
export FOO=bar && echo done
"@
if ($template -match '\\d+\\\\\\w') {{ Write-Host 'matched' }}
""",
    """switch ($Mode) {{
    'fast' {{ $jobs = 4 }}
    'slow' {{ $jobs = 1 }}
    default {{ $jobs = 2 }}
}}
$summary = $results | Group-Object -Property Status | Sort-Object Count -Descending
$summary | Format-Table -AutoSize | Out-String | Write-Host
$env:OBS_MODE = $Mode
$elapsed = [math]::Round(((Get-Date) - $start).TotalSeconds, 2)
Write-Host ("{{0}} checks in {{1}}s" -f $results.Count, $elapsed)
""",
]

_HEADER = """#Requires -Version 7
[CmdletBinding()]
param([string]$Mode = 'fast', [switch]$Verbose)
$ErrorActionPreference = 'Stop'
$RepoRoot = if ($PSScriptRoot) {
    Split-Path -Parent $PSScriptRoot
} else {
    $dir = (Get-Location).Path
    while ($dir -and -not (Test-Path (Join-Path $dir '.git'))) { $dir = Split-Path -Parent $dir }
    if (-not $dir) { throw "Cannot find the repository root above $(Get-Location)" }
    $dir
}
$start = Get-Date
"""


def generate(count: int, lines: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    files = []
    for k in range(count):
        parts = [_HEADER]
        total = _HEADER.count("\n")
        n = 0
        while total < lines:
            block = rng.choice(_BLOCKS).format(n=f"{k}_{n}", port=8000 + n)
            parts.append(block)
            total += block.count("\n")
            n += 1
        files.append("".join(parts))
    return files


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    from observatory_invariants.rules.scripts.lint import check_powershell
    from observatory_invariants.rules.scripts.lint import ScriptOptions
    from observatory_invariants.parsers.powershell import tokenize

    count = int(argv[1]) if len(argv) > 1 else 2000
    lines = int(argv[2]) if len(argv) > 2 else 300
    files = generate(count, lines)
    total_lines = sum(f.count("\n") for f in files)
    total_bytes = sum(len(f) for f in files)

    start, cpu = time.perf_counter(), time.process_time()
    tokens = sum(len(tokenize(text)) for text in files)
    tokenize_s, tokenize_cpu = time.perf_counter() - start, time.process_time() - cpu

    options = ScriptOptions()
    start, cpu = time.perf_counter(), time.process_time()
    findings = []
    for k, text in enumerate(files):
        findings.extend(check_powershell(f"scripts/s{k}.ps1", text, options))
    lint_s, lint_cpu = time.perf_counter() - start, time.process_time() - cpu

    print(f"{count} PowerShell files, {total_lines} lines, {total_bytes / 1e6:.1f} MB, {tokens} tokens")
    print(f"tokenize only:            {tokenize_s:6.2f} s wall, {tokenize_cpu:6.2f} s CPU "
          f"({tokenize_cpu / count * 1000:.2f} ms/file)")
    print(f"tokenize + X1-X4, B4:     {lint_s:6.2f} s wall, {lint_cpu:6.2f} s CPU "
          f"({lint_cpu / count * 1000:.2f} ms/file)")
    print(f"findings (generated scripts are clean, so expect 0): {len(findings)}")
    for f in findings[:5]:
        print("  ", f.path, f.line, f.rule, f.message[:100])
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
