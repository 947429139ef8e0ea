#!/usr/bin/env bash
# Verdicts for the coverage rules' error findings (V1-V7) in snapshot.json, in the order they were applied.
# Replay on a fresh `run.py --update`:  SNAPSHOT=/tmp/fresh.json bash judging/coverage.sh
# How each was checked (in the materialised checkout, /work/.ecosystem-cache/<name>):
#   odd-demonstration: `grep -n "validator\|subpkg" scripts/check-coverage.py` finds nothing but its own test table;
#     coverage-config.json has no "paths"; ci.yml's metrics-engine step passes check-coverage.py the module's total only.
#   odd-demonstration: ci.yml:847-850 is the only step measuring gateway coverage; vitest.config.ts holds the
#     thresholds (80/70/80/80) that `npm run test:coverage` (= vitest run --coverage) enforces.
# Corpus-wide, every coverage gate the CI scanner finds (workflows, scripts, one hop through npm run into package.json
# and vitest/jest configs) was listed and read: 8 gates, in odd-demonstration and setup-miniconda (vitest.config.ts
# thresholds), all real thresholds; setup-miniconda has no coverage-config.json, so no finding. V7 checked 172 named
# screenshots in jupyterlab (galata, 5 projects, 2 of them filtered by testMatch, 1 ignoreSnapshots) and 2 in
# jupyterlab-git (sanitised names jpeg_diff.png -> jpeg-diff-linux.png): every baseline found, no finding.
set -euo pipefail
cd "$(dirname "$0")/.."
judge() { python3 run.py judge --snapshot "${SNAPSHOT:-snapshot.json}" "$@" | tail -1; }
judge --repo odd-demonstration --rule V2a.docs --path-regex '^docs/agents/INVARIANTS.md$' --expect 1 --verdict real --reason 'the invariant map marks V2a "metrics-engine/validator coverage >= 80%" as enforced (✅ CI, check-coverage.py metrics-engine (subpkg)), but coverage-config.json has no sub-path threshold and check-coverage.py and CI only ever judge the whole module (min 10%): the validator package could fall to 0% unnoticed'
judge --repo odd-demonstration --rule V5.ci-bypass --path-regex '^.github/workflows/ci.yml$' --expect 1 --verdict real --reason 'the only CI step measuring gateway coverage runs `npm run test:coverage || echo "::warning::…"` (labelled informational): vitest.config.ts thresholds can never fail the build, while INVARIANTS.md lists V5 (gateway >= 80%) as ✅ CI — the documented invariant is enforced nowhere'
