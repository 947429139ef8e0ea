"""Benchmark the PowerShell tokenizer and the script rules (X1-X4, B4).

Generates N PowerShell files of ~300 lines each (functions, if/else, pipelines,
here-strings, comments, string subexpressions, hashtables, the hardened root
pattern) and times (1) tokenizing all of them and (2) linting all of them
with every PowerShell rule (tokenizer included), in one process.

Run: ``python benchmarks/bench_scripts.py [N] [LINES] [--break-even]`` (default 2000 files x 300 lines): also
lints with the adapter's process pool (one process per available core) and checks the findings are the same;
``--break-even`` times one process against the pool on growing subsets.
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


def _lint(files, jobs):
    from observatory_invariants.rules.scripts.lint import POWERSHELL, check_many

    items = [(f"scripts/s{k}.ps1", text, POWERSHELL, None) for k, text in enumerate(files)]
    return [f for found in check_many(items, None, None, jobs=jobs) for f in found]


def _timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str]) -> int:
    import os
    import subprocess

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    from observatory_invariants.parsers.powershell import tokenize

    args = [a for a in argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 2000
    lines = int(args[1]) if len(args) > 1 else 300
    files = generate(count, lines)
    total_lines = sum(f.count("\n") for f in files)
    total_bytes = sum(len(f) for f in files)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1

    _, python_wall, _ = _timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    tokens, tokenize_s, tokenize_cpu = _timed(lambda: sum(len(tokenize(text)) for text in files))
    one, lint_s, lint_cpu = _timed(lambda: _lint(files, 1))
    many, pool_s, _ = _timed(lambda: _lint(files, cores))

    print(f"{count} PowerShell files, {total_lines} lines, {total_bytes / 1e6:.1f} MB, {tokens} tokens; "
          f"{cores} core(s); python -c pass: {python_wall:.3f} s")
    print(f"tokenize only:            {tokenize_s:6.2f} s wall, {tokenize_cpu:6.2f} s CPU "
          f"({tokenize_cpu / count * 1000:.2f} ms/file)")
    print(f"tokenize + X1-X4, B4:     {lint_s:6.2f} s wall, {lint_cpu:6.2f} s CPU "
          f"({lint_cpu / count * 1000:.2f} ms/file), one process")
    print(f"tokenize + X1-X4, B4:     {pool_s:6.2f} s wall with {cores} process(es) (the adapter's pool)")
    if [(f.path, f.line, f.rule) for f in one] != [(f.path, f.line, f.rule) for f in many]:
        print("the pool's findings differ from one process's")
        return 1
    if "--break-even" in argv:
        print("break-even (files of ~300 lines: one process vs the pool, wall seconds):")
        for n in (10, 20, 40, 80, 160, 320):
            subset = files[:n]
            _, single, _ = _timed(lambda: _lint(subset, 1))
            _, pooled, _ = _timed(lambda: _lint(subset, max(2, cores)))
            print(f"  {n:4d} files ({sum(len(f) for f in subset) / 1e6:5.2f} MB): {single:6.3f} s vs {pooled:6.3f} s")
    print(f"findings (generated scripts are clean, so expect 0): {len(one)}")
    for f in one[:5]:
        print("  ", f.path, f.line, f.rule, f.message[:100])
    return 1 if one else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
