#!/usr/bin/env bash
# Best-effort install of the coverage cross-check tools for tests/coverage_reports (meant to be sourced or run
# from .ci/run before pytest). Never fatal: a tool that cannot be installed makes its tests skip with the reason.
#   - go (Debian golang-go) and lcov: apt-get, only when running as root and apt-get exists;
#   - vitest@3 + @vitest/coverage-v8@3: npm, into a cache folder outside the repository
#     ($OBS_VITEST_DIR, default /tmp/obs-vitest), which the tests link as the project's node_modules.
# coverage.py needs nothing here: it is a dependency of the package.
set -u

obs_vitest_dir="${OBS_VITEST_DIR:-/tmp/obs-vitest}"

obs_install_coverage_tools() {
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        local want=""
        command -v go >/dev/null 2>&1 || want="$want golang-go"
        command -v lcov >/dev/null 2>&1 || want="$want lcov"
        if [ -n "$want" ]; then
            timeout 300 apt-get update -qq >/dev/null 2>&1 || true
            # shellcheck disable=SC2086
            DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends $want \
                >/dev/null 2>&1 || echo "note: could not install$want; the coverage cross-checks that need them will skip"
        fi
    fi
    if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
        if [ ! -x "$obs_vitest_dir/node_modules/.bin/vitest" ] || [ ! -d "$obs_vitest_dir/node_modules/@vitest/coverage-v8" ]; then
            mkdir -p "$obs_vitest_dir" 2>/dev/null || true
            [ -f "$obs_vitest_dir/package.json" ] || echo '{"name": "obs-vitest", "private": true}' >"$obs_vitest_dir/package.json" 2>/dev/null
            (cd "$obs_vitest_dir" && timeout 600 npm install --no-audit --no-fund --silent vitest@3 @vitest/coverage-v8@3 \
                >/dev/null 2>&1) || echo "note: could not install vitest in $obs_vitest_dir; the vitest cross-check will skip"
        fi
    else
        echo "note: node/npm not found; the vitest cross-check will skip"
    fi
    export OBS_VITEST_DIR="$obs_vitest_dir"
}

obs_install_coverage_tools || true
