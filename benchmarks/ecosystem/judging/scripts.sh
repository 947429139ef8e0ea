#!/usr/bin/env bash
# Verdicts of the script rules' (X1, X2, X3, X4, B4) error findings in snapshot.json after the precision work of
# issue 9, one command per finding (--expect 1, --overwrite: idempotent, so they survive merges and re-runs).
# Replay on a fresh `run.py --update` of this tree's tool:
#   SNAPSHOT=/tmp/fresh.json bash judging/scripts.sh
# Each verdict says how the hazard bites (which shell, which job, which command). The before judgement of the same
# repositories is before/judging.sh (1,400 script-rule errors, 8 real); the classes it found are tests in
# tests/scripts/test_precision_classes.py.
set -euo pipefail
cd "$(dirname "$0")/.."
judge() { python3 run.py judge --snapshot "${SNAPSHOT:-snapshot.json}" --overwrite --expect 1 "$@" | tail -1; }

judge --repo odd-demonstration --rule X4.sh-bashism --path-regex '^scripts/pre-commit$' --line 9 --verdict real --reason \
  "#!/bin/sh git hook: under dash (Debian/Ubuntu sh) 'command -v pwsh &> /dev/null' backgrounds the test and the if is always true, so without pwsh the hook runs a missing pwsh and blocks the commit instead of falling back"
judge --repo odd-demonstration --rule X4.sh-bashism --path-regex '^scripts/pre-commit$' --line 12 --verdict real --reason \
  "#!/bin/sh git hook: same '&> /dev/null' under dash as line 9 (the second pwsh probe), the fallback branch is never taken"
judge --repo odd-demonstration --rule X2.undeclared --path-regex '^scripts/run-all-tests.ps1$' --line 60 --verdict real --reason \
  "run-all-tests.ps1 supports Windows PowerShell 5.1 on purpose (ForEach-Object -Parallel behind \$PSVersionTable.PSVersion.Major -ge 7 with a sequential fallback; README runs .\\scripts\\run-all-tests.ps1), but the unguarded '||' at :60 is a parse error on 5.1, so the script cannot start there"
judge --repo odd-demonstration --rule X3.env-var --path-regex '^scripts/start-all.ps1$' --line 174 --verdict real --reason \
  "start-all.ps1 is run on Linux/macOS (README's bash block: pwsh ./scripts/start-all.ps1; the TUI spawns it): \$env:TEMP is unset there, so Join-Path \$env:TEMP … fails and the kind config cannot be written"
judge --repo nvm --rule X4.sh-bashism --path-regex "^test/fast/Running 'nvm unload' should unset all function and variables$" --line 11 --verdict real --reason \
  "fast suite runs under sh/dash in CI (tests-fast.yml matrix) and make test: 'typeset -f' is not found there, both function lists are empty and the function-pollution check silently tests nothing"
judge --repo nvm --rule X4.sh-bashism --path-regex "^test/fast/Running 'nvm unload' should unset all function and variables$" --line 23 --verdict real --reason \
  "the second 'typeset -f' of the same test (after nvm unload): empty under sh/dash, so the comparison always passes"
judge --repo nvm --rule X4.sh-bashism --path-regex '^test/fast/Unit tests/nvm_supports_xz$' --line 7 --verdict real --reason \
  "fast suite runs under sh/dash: 'rm -rf \$TEST_PATH/{xz,which,awk,rm,command}' has no brace expansion there, so cleanup leaves the symlinks in ../../xz-test"
judge --repo nvm --rule X4.sh-bashism --path-regex '^test/install_script/nvm_download$' --line 14 --verdict real --reason \
  "make test (the Makefile's test target: every suite under sh, bash, dash and zsh via urchin -s) runs install_script under dash, where 'nvm_download … &>/dev/null' backgrounds the download and the if is always true, so the test fails; only CI's matrix excludes sh/dash (judged 'policy' before the Makefile was read)"
judge --repo acme-sh --rule X4.workflow-step --path-regex '^.github/workflows/Windows.yml$' --line 76 --verdict real --reason \
  "step without shell: on windows-latest runs under pwsh, where \$GITHUB_ENV is an unset PowerShell variable (not \$env:GITHUB_ENV): TestingDomain is never exported to the next steps"
