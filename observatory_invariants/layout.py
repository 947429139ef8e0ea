"""Where things live in a repository laid out like SPEC.md's target.

Every entry is a default the config's ``[paths]`` table can replace. Values are
lists of git-wildmatch patterns relative to the repository root (``*`` stays
inside one folder, ``**`` crosses folders).
"""

from __future__ import annotations

CONFIG_FILE = ".observatory-invariants.toml"
PYPROJECT = "pyproject.toml"
# Files or folders whose presence marks the repository root (the config's root-markers replaces them).
DEFAULT_ROOT_MARKERS = (".git", CONFIG_FILE, PYPROJECT)

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "schemas": ("contracts/schemas/*.json",),
    "versions-doc": ("contracts/VERSIONS.md",),
    "golden-fixtures": ("contracts/fixtures/golden/*.json",),
    "negative-fixtures": ("contracts/fixtures/negative/*.json",),
    "compat-fixtures": ("tests/fixtures/schema-compat/*.json",),
    "services": ("src/services/*", "src/interfaces/*"),
    "dockerfiles": ("**/Dockerfile", "**/Dockerfile.*", "**/*.Dockerfile", "**/*.dockerfile"),
    "dockerignores": ("**/.dockerignore", "**/*.dockerignore"),
    "compose-files": (
        "**/docker-compose*.yml", "**/docker-compose*.yaml", "**/compose.yml", "**/compose.yaml",
        "**/compose.*.yml", "**/compose.*.yaml",
    ),
    "k8s-manifests": ("infra/k8s/**/*.yaml", "infra/k8s/**/*.yml"),
    # B3 also reads any other YAML that declares a workload (kind: Deployment …); Helm templates are skipped.
    "workload-manifests": ("**/*.yaml", "**/*.yml"),
    "makefiles": ("**/Makefile", "**/makefile", "**/GNUmakefile", "**/*.mk"),
    "skaffold-files": ("**/skaffold.yaml", "**/skaffold.yml"),
    "bake-files": ("**/docker-bake.hcl", "**/docker-bake.json", "**/docker-bake.override.hcl",
                   "**/docker-bake.override.json"),
    "integration-compose": ("docker-compose.integration.yml",),
    "coverage-config": ("coverage-config.json",),
    # The ratchet's committed baseline (coverage-config.json's ratchet.baseline, when set, wins).
    "coverage-baseline": ("coverage-baseline.json",),
    # Markdown that may document the thresholds (a Service | Min Threshold | Warn Threshold table, or the
    # invariant map's V rows); only files holding such a table are read further.
    "coverage-docs": ("**/*.md",),
    "powershell-scripts": ("**/*.ps1", "**/*.psm1"),
    "shell-scripts": ("**/*.sh", "**/*.bash"),
    # X3 looks for Windows paths in the string literals of source code and config files.
    "source-files": (
        "**/*.py", "**/*.rs", "**/*.go", "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.ts", "**/*.tsx",
        "**/*.java", "**/*.kt", "**/*.cs", "**/*.c", "**/*.h", "**/*.cc", "**/*.cpp", "**/*.hpp", "**/*.swift",
    ),
    "config-files": ("**/*.json", "**/*.toml", "**/*.yml", "**/*.yaml"),
    "scripts": ("scripts/**",),
    "test-entrypoint": ("scripts/run-all-tests.ps1",),
    "integration-harness": ("scripts/integration-harness.ps1",),
    "bazel-module": ("MODULE.bazel",),
    "bazel-lock": ("MODULE.bazel.lock",),
    "bazelrc": (".bazelrc",),
    "workflows": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "composite-actions": (".github/actions/**/action.yml", ".github/actions/**/action.yaml"),
    "release-workflow": (".github/workflows/release.yml", ".github/workflows/release.yaml"),
    # Playwright specs (its default testMatch), its configs and the committed snapshot folders (V7).
    "visual-tests": (
        "tests/visual/**", "**/*.spec.ts", "**/*.spec.tsx", "**/*.spec.mts", "**/*.spec.js", "**/*.spec.jsx",
        "**/*.spec.mjs", "**/*.spec.cjs", "**/*.test.ts", "**/*.test.tsx", "**/*.test.mts", "**/*.test.js",
        "**/*.test.jsx", "**/*.test.mjs", "**/*.test.cjs", "**/playwright.config.*", "**/*-snapshots/**",
    ),
    "version-files": ("src/services/*/VERSION", "src/interfaces/*/VERSION"),
    "invariants-doc": ("INVARIANTS.md", "docs/INVARIANTS.md"),
}
