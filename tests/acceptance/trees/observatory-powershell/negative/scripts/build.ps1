$ErrorActionPreference = 'Stop'
export BUILD_MODE=release
$items = 1..3 | ForEach-Object -Parallel { $_ * 2 }
Get-WmiObject Win32_OperatingSystem
$tools = "C:\tools\bin"
