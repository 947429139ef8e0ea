#!/usr/bin/env bash
# The Docker-rule (B1-B3) and C4 verdicts of snapshot.json after the docker-precision work, by class, most
# specific first (a command only touches findings still unjudged, so replaying after a merge never overwrites a
# verdict given before it). Replay on a fresh `run.py --update`:
#   bash benchmarks/ecosystem/judging/docker.sh            (SNAPSHOT=path to judge another snapshot file)
# Every --expect pins how many findings the class has today: a change in the rules that alters a class makes the
# replay stop there, so the class is looked at again instead of judged blind.
set -euo pipefail
cd "$(dirname "$0")/.."
judge() { python3 run.py judge --snapshot "${SNAPSHOT:-snapshot.json}" "$@" | tail -1; }

# odd-demonstration (the seed): the same hazards as before, under the new messages
judge --repo odd-demonstration --rule B3.latest-tag --path-regex '^\.github/workflows/ci\.yml$' --expect 6 \
  --verdict real --reason "build-push-action pushes the repository's own image to Docker Hub with :latest as its only tag (push: true), contrary to the seed's own B3; parallel branches overwrite each other"
judge --repo odd-demonstration --rule B3.latest-tag --path-regex '^docker-compose\.integration\.yml$' --expect 4 \
  --verdict real --reason "integration harness pulls the repository's own image as :latest from Docker Hub (\"pre-built from Docker Hub\"): it tests whatever was pushed last, not this commit's build"

# eshoponcontainers
judge --repo eshoponcontainers --rule B2.missing-context --path-regex 'src/docker-compose\.elk\.yml$' --expect 3 \
  --verdict real --reason "build context src/elk/{elasticsearch,logstash,kibana}/ does not exist at this commit: docker compose -f docker-compose.elk.yml build fails (stale file)"
judge --repo eshoponcontainers --rule B3.latest-tag --path-regex 'build/multiarch-manifests/create-manifests\.ps1$' --expect 1 \
  --verdict real --reason "docker manifest push \$registry/\${svc}:latest publishes the repository's own multi-arch images as :latest (beside :dev and :master, floating too, no immutable tag): whoever pulls eshop/x:latest runs whatever was pushed last"
