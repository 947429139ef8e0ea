#!/usr/bin/env bash
# Verdicts for the error findings of the integration, build, release and map rules (I1-I7, A1-A3, R1, M1) in
# snapshot.json — only these rules' findings; other rules are judged by their own scripts.
# Replay on a fresh `run.py --update`:   SNAPSHOT=/tmp/fresh.json bash judging/integration.sh
#
# On the 19-repository corpus these rules report errors only in the seed repository (odd-demonstration); the
# other repositories have no integration harness, no integration compose file, no MODULE.bazel, no
# run-all-tests entrypoint and no cargo release workflow, and the rules stay silent there by design.
set -euo pipefail
cd "$(dirname "$0")/.."
judge() { python3 run.py judge --snapshot "${SNAPSHOT:-snapshot.json}" "$@" | tail -1; }

# I1 — .github/workflows/ci.yml: job integration-phase runs on paths-filter output compat_critical =
# schemas (contracts/schemas/**) || compat_script || services. contracts/VERSIONS.md, contracts/fixtures/** (the
# filter's own "contracts_docs: does NOT trigger integration gate") and any other file under contracts/ skip the
# gate, while the seed's INVARIANTS.md says I1 is "Integration gate runs on contracts/ changes ✅ CI".
judge --repo odd-demonstration --rule I1 --path-regex '^\.github/workflows/ci\.yml$' --expect 1 \
  --verdict real --reason 'ci.yml gates integration-phase on compat_critical (contracts/schemas/** || services || compat script): a change to contracts/ outside schemas/ (VERSIONS.md, fixtures/golden used by C1/C2) skips the gate the seed documents as running on every contracts/ change'

# I7 — alertmanager runs in k8s (infra/k8s/alertmanager.yaml) and is reached by Prometheus's alerting config
# (infra/k8s/prometheus.yaml: targets ['alertmanager:9093']); the gateway's /proxy/alerts route fetches
# ${ALERTMANAGER_URL:-http://alertmanager:9093}/api/v2/alerts (src/services/gateway/lib/app.ts). The integration
# compose file has no alertmanager, so that route answers 502 in every integration run.
judge --repo odd-demonstration --rule I7.missing-in-compose --path-regex 'alertmanager\.yaml$' --expect 1 \
  --verdict real --reason 'alertmanager runs in k8s and is reached by Prometheus (alerting targets) and by the gateway /proxy/alerts route (ALERTMANAGER_URL default http://alertmanager:9093); docker-compose.integration.yml has no alertmanager, so integration runs that route against nothing'
