#Requires -Version 7
$ErrorActionPreference = 'Stop'
$items = 1..3 | ForEach-Object -Parallel { $_ * 2 }
$env:BUILD_MODE = 'release'
Write-Output "Built $($items.Count) items in $env:BUILD_MODE mode"
