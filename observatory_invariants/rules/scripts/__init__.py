"""Cross-platform scripts: PowerShell that runs on Linux pwsh (X1), pwsh-7-only features declared (X2), no
hardcoded Windows paths (X3), no bash where bash is not the shell (X4), and $PSScriptRoot hardened with a
marker search (B4). One adapter (lint.py) reads and lexes each file once for all of them."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-powershell", "PowerShell scripts (X1 X2 X3 X4 B4)",
         "Lint PowerShell for Linux-pwsh breakage, pwsh-7-only syntax, Windows paths, bash syntax and $PSScriptRoot.",
         layout_keys=("powershell-scripts",), order=40),
    Hook("observatory-shell", "POSIX shell scripts (X3 X4)",
         "Bashisms in #!/bin/sh scripts and hardcoded Windows paths, for every shell script pre-commit identifies.",
         layout_keys=(), types=("shell",), order=50),
    Hook("observatory-workflows", "GitHub workflow run: steps (X3 X4)",
         "Bash syntax in run: steps whose shell is pwsh or powershell, and hardcoded Windows paths.",
         layout_keys=("workflows", "composite-actions"), order=60),
    Hook("observatory-windows-paths", "hardcoded Windows paths (X3)",
         "Drive-letter, UNC and Windows-only environment-variable paths in string literals of source, config and "
         "Dockerfiles.", layout_keys=("dockerfiles", "source-files", "config-files"),
         exclude_keys=("workflows", "composite-actions"), order=70),
)
