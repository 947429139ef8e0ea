"""The invariant map: every rule id of the seed, once, in code.

``list``, ``explain``, the docs tables, ``.pre-commit-hooks.yaml`` and the
runner's rule selection all read this module (tests/test_registry.py keeps the
generated files in step). A rule's check is named by a ``module:function``
string and imported only when the rule runs, so ``--version`` and hooks that
do not need a heavy library never import it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

AUTOMATED = "automated"
GOVERNANCE = "governance"

IMPLEMENTED = "implemented"
PLANNED = "not implemented yet"
GOVERNANCE_ONLY = "governance only"


@dataclass(frozen=True)
class SubRule:
    id: str
    title: str
    default_enabled: bool = True


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    category: str
    enforcement: str
    reads: tuple[str, ...]            # layout keys (see layout.py), resolved through the config
    check: str | None = None          # "module:function" taking (workspace, targets) -> list[Finding]
    subrules: tuple[SubRule, ...] = ()
    seed_check: str = ""              # what the seed repository used to enforce it
    shebang_scripts: bool = False     # also reads extension-less files pre-commit passes by `types: [shell]`

    @property
    def status(self) -> str:
        if self.enforcement == GOVERNANCE:
            return GOVERNANCE_ONLY
        return IMPLEMENTED if self.check else PLANNED

    @property
    def implemented(self) -> bool:
        return self.status == IMPLEMENTED

    def load_check(self) -> Callable:
        module_name, _, func = self.check.partition(":")
        return getattr(importlib.import_module(module_name), func)


def _r(id, title, category, reads=(), check=None, enforcement=AUTOMATED, subrules=(), seed_check="",
       shebang_scripts=False):
    return Rule(id=id, title=title, category=category, enforcement=enforcement, reads=tuple(reads),
                check=check, subrules=tuple(subrules), seed_check=seed_check, shebang_scripts=shebang_scripts)


_CONTRACT_INSTANCES = "observatory_invariants.rules.contracts.c1_c2_instances:run"
_SCHEMA_SANITY = "observatory_invariants.rules.contracts.c3_schema_sanity:run"
_VERSIONS_DOC = "observatory_invariants.rules.contracts.c5_versions_doc:run"
_DOCKER_BUILDS = "observatory_invariants.rules.docker.b1_b2_build_contexts:run"
_SCRIPT_LINT = "observatory_invariants.rules.scripts.lint:run"
_CONTRACT_FILES = ("schemas", "golden-fixtures", "negative-fixtures")

RULES: tuple[Rule, ...] = (
    # Contracts
    _r("C1", "Event messages conform to their schema", "contracts", _CONTRACT_FILES, _CONTRACT_INSTANCES,
       seed_check="validate-contracts.ps1, Gateway AJV"),
    _r("C2", "Job objects conform to their schema", "contracts", _CONTRACT_FILES, _CONTRACT_INSTANCES,
       seed_check="validate-contracts.ps1, Gateway AJV"),
    _r("C3", "Schemas are valid and carry a SemVer $version and a unique $id", "contracts", ("schemas",),
       _SCHEMA_SANITY, seed_check="test-contracts-sanity.py"),
    _r("C4", "Breaking schema changes require a MAJOR version bump", "contracts", ("schemas", "compat-fixtures"),
       "observatory_invariants.rules.contracts.c4_compat:run",
       subrules=(SubRule("C4.bump-too-small", "The $version bump is smaller than the changes need"),
                 SubRule("C4.version-decreased", "The $version went down"),
                 SubRule("C4.no-bump", "The schema changed but its $version did not"),
                 SubRule("C4.schema-deleted", "A published schema was deleted"),
                 SubRule("C4.bad-input", "A schema (or its base version) cannot be compared")),
       seed_check="check-schema-compat.py --ci"),
    _r("C5", "Schemas are documented in VERSIONS.md", "contracts", ("schemas", "versions-doc"), _VERSIONS_DOC,
       seed_check="test-contracts-sanity.py"),
    # Cross-platform scripts
    _r("X1", "Scripts run on Linux pwsh", "scripts", ("powershell-scripts",), _SCRIPT_LINT,
       subrules=(SubRule("X1.windows-command", "Windows-only command, tool or assembly outside an $IsWindows guard"),
                 SubRule("X1.removed-cmdlet", "Cmdlet removed in PowerShell 7 (WMI, EventLog, PSSnapin…)"),
                 SubRule("X1.registry", "Registry drive (HKLM:, HKCU:…) outside an $IsWindows guard")),
       seed_check="CI shell: pwsh on ubuntu-latest"),
    _r("X2", "pwsh-7-only features declare or guard the version", "scripts", ("powershell-scripts",), _SCRIPT_LINT,
       subrules=(SubRule("X2.undeclared", "pwsh-7-only syntax or parameter without #Requires -Version 7 or a guard"),
                 SubRule("X2.no-fallback", "pwsh-7 version guard without a fallback branch"),
                 SubRule("X2.guarded-syntax", "pwsh-7-only syntax behind a runtime guard (5.1 cannot parse the file)")),
       seed_check="run-all-tests.ps1 version check"),
    _r("X3", "No hardcoded Windows paths", "scripts",
       ("powershell-scripts", "shell-scripts", "workflows", "composite-actions", "dockerfiles", "source-files",
        "config-files"), _SCRIPT_LINT, shebang_scripts=True,
       subrules=(SubRule("X3.drive-path", "Drive-letter path in a string or argument"),
                 SubRule("X3.unc-path", "UNC (network share) path in a string or argument"),
                 SubRule("X3.env-var", "Windows-only environment variable (USERPROFILE, APPDATA…)"))),
    _r("X4", "No bash-only constructs where bash is not the shell", "scripts",
       ("powershell-scripts", "shell-scripts", "workflows", "composite-actions", "scripts"), _SCRIPT_LINT,
       shebang_scripts=True,
       subrules=(SubRule("X4.pwsh-bashism", "Bash syntax in a PowerShell script"),
                 SubRule("X4.workflow-step", "Bash syntax in a workflow run: step whose shell is pwsh/powershell/sh"),
                 SubRule("X4.sh-bashism", "Bashism in a #!/bin/sh (POSIX) script"),
                 SubRule("X4.powershell-only-folder", "A bash/sh script in a folder the config reserves for PowerShell"))),
    # Coverage
    _r("V1", "Processor coverage meets its threshold", "coverage", ("coverage-config",), seed_check="check-coverage.py processor"),
    _r("V2", "metrics-engine coverage meets its threshold", "coverage", ("coverage-config",), seed_check="check-coverage.py metrics-engine"),
    _r("V2a", "metrics-engine/validator subpackage coverage meets its threshold", "coverage", ("coverage-config",),
       seed_check="check-coverage.py metrics-engine (subpkg)"),
    _r("V3", "read-model coverage meets its threshold", "coverage", ("coverage-config",), seed_check="check-coverage.py read-model"),
    _r("V4", "TUI lib coverage meets its threshold", "coverage", ("coverage-config",), seed_check="check-coverage.py tui"),
    _r("V5", "Gateway coverage meets its threshold", "coverage", ("coverage-config",), seed_check="vitest --coverage"),
    _r("V6", "web-pty-server coverage meets its threshold", "coverage", ("coverage-config",), seed_check="check-coverage.py web-pty-server"),
    _r("V7", "Visual test screenshots have committed baselines", "coverage", ("visual-tests",),
       seed_check="tests/visual/ Playwright snapshots"),
    # Integration
    _r("I1", "Integration gate runs on contracts changes", "integration", ("workflows",), seed_check="dorny/paths-filter + job"),
    _r("I2", "Integration gate runs on services changes", "integration", ("workflows",), seed_check="dorny/paths-filter + job"),
    _r("I3", "Integration harness is self-contained (Docker Compose only)", "integration", ("integration-harness",)),
    _r("I4", "Integration runtime budget is at most 180 s and CI's timeout covers it", "integration",
       ("integration-harness", "workflows"), seed_check="integration-harness.ps1 timeout"),
    _r("I5", "Artifact capture runs on every harness run (finally block)", "integration", ("integration-harness",)),
    _r("I6", "Victory gate: 3 green PRs + 1 nightly", "integration", enforcement=GOVERNANCE),
    _r("I7", "Every k8s workload has an integration compose service", "integration",
       ("k8s-manifests", "integration-compose"), seed_check="validate-compose-k8s-parity.ps1"),
    # Build hermeticity
    _r("A1", "Hermetic Bazel builds (--lockfile_mode=error, tracked lock file)", "build",
       ("bazelrc", "bazel-module", "bazel-lock"), seed_check="Bazel --lockfile_mode=error"),
    _r("A2", "No manual intervention", "build", enforcement=GOVERNANCE),
    _r("A3", "Single test entrypoint exists and CI calls it", "build", ("test-entrypoint", "workflows"),
       seed_check="run-all-tests.ps1"),
    # Docker builds and images
    _r("B1", "Shared-asset services are built with the repository root as context", "docker",
       ("dockerfiles", "workflows", "compose-files", "powershell-scripts", "shell-scripts"), _DOCKER_BUILDS,
       subrules=(SubRule("B1.wrong-context", "A repo-relative Dockerfile is built from a folder below the root"),
                 SubRule("B1.mixed-sources", "A Dockerfile mixes repo-relative and service-local COPY sources"),
                 SubRule("B1.declared-context", "A build contradicts the Dockerfile's BUILD CONTEXT header"),
                 SubRule("B1.unbuilt", "A Dockerfile nobody builds (note)"),
                 SubRule("B1.unresolved", "A build whose Dockerfile or context is not a literal (note)"),
                 SubRule("B1.bad-declaration", "A workflow, compose file or script that declares builds is unreadable")),
       seed_check="validate-dockerfile-context.py"),
    _r("B2", "COPY/ADD sources exist in the build context actually used", "docker",
       ("dockerfiles", "dockerignores", "workflows", "compose-files", "powershell-scripts", "shell-scripts"),
       _DOCKER_BUILDS,
       subrules=(SubRule("B2.missing-source", "A COPY/ADD source does not exist in the build context"),
                 SubRule("B2.empty-glob", "A COPY/ADD glob matches nothing in the build context"),
                 SubRule("B2.escapes-context", "A COPY/ADD source leaves the build context with '..'"),
                 SubRule("B2.dockerignored", "A COPY/ADD source is excluded by .dockerignore"),
                 SubRule("B2.untracked", "A COPY/ADD source exists but git does not track it"),
                 SubRule("B2.wrong-context", "A service-local Dockerfile is built from the repository root"),
                 SubRule("B2.missing-context", "A build's context folder does not exist"),
                 SubRule("B2.missing-dockerfile", "A build's Dockerfile does not exist or is a folder"),
                 SubRule("B2.bad-target", "A build's target stage is not in the Dockerfile"),
                 SubRule("B2.bad-dockerfile", "A Dockerfile Docker cannot parse"),
                 SubRule("B2.bad-dockerignore", "A .dockerignore with patterns Docker refuses")),
       seed_check="validate-dockerfile-context.py"),
    _r("B3", "Services carry a SemVer VERSION and images are never :latest", "docker",
       ("services", "version-files", "k8s-manifests", "compose-files", "workflows", "powershell-scripts", "shell-scripts"),
       "observatory_invariants.rules.docker.b3_image_versions:run",
       subrules=(SubRule("B3.missing-version", "A service with a Dockerfile has no VERSION file"),
                 SubRule("B3.invalid-version", "A VERSION file does not hold one valid SemVer"),
                 SubRule("B3.latest-tag", "An own image is tagged :latest"),
                 SubRule("B3.untagged", "An own image is referenced without a tag"),
                 SubRule("B3.version-mismatch", "A k8s image tag or version label differs from VERSION"),
                 SubRule("B3.latest-fallback", "A script or compose file falls back to 'latest' without VERSION"),
                 SubRule("B3.bad-manifest", "A k8s manifest that is not valid YAML"),
                 SubRule("B3.third-party-latest", "A third-party image floats on :latest", default_enabled=False)),
       seed_check="start-all.ps1 fail-fast"),
    _r("B4", "$PSScriptRoot is guarded with marker-based root discovery", "scripts", ("powershell-scripts",),
       _SCRIPT_LINT,
       subrules=(SubRule("B4.unguarded", "$PSScriptRoot-derived path used without the empty check"),
                 SubRule("B4.null-coalesce", "'$PSScriptRoot ?? …' (it is '' not $null, so ?? never falls back)"),
                 SubRule("B4.no-marker-fallback", "The empty case does not search upward for a marker"),
                 SubRule("B4.no-fail-fast", "The marker search does not fail fast when nothing is found")),
       seed_check="Hardened Root Resolution Pattern"),
    # Release
    _r("R1", "The release workflow tests the packaged artifact before publishing", "release",
       ("release-workflow",), seed_check="release.yml test-packaged job"),
)

_BY_ID = {rule.id: rule for rule in RULES}
_FAMILY = re.compile(r"[A-Za-z]+")


def get(rule_id: str) -> Rule:
    """The rule for an id or sub-rule id (``B3.latest-tag`` gives B3); KeyError when unknown."""
    base = rule_id.split(".", 1)[0]
    for rule in RULES:
        if rule.id.lower() == base.lower():
            return rule
    raise KeyError(rule_id)


def all_ids() -> list[str]:
    """Every id users can type: rules and their sub-rules."""
    ids = []
    for rule in RULES:
        ids.append(rule.id)
        ids.extend(sub.id for sub in rule.subrules)
    return ids


def selector_matches(selector: str, rule_id: str) -> bool:
    """``B3`` matches B3 and B3.latest-tag; ``C`` matches every C rule; ``ALL`` matches everything."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    if rule_id == sel or rule_id.startswith(sel + "."):
        return True
    return sel.isalpha() and _FAMILY.match(rule_id).group() == sel


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    ids = all_ids()
    return [s for s in selectors if not any(selector_matches(s, i) for i in ids)]


def subrule(rule_id: str) -> SubRule | None:
    rule = _BY_ID.get(rule_id.split(".", 1)[0])
    if rule is None:
        return None
    return next((s for s in rule.subrules if s.id == rule_id), None)


def is_enabled(rule_id: str, select: Iterable[str] | None, ignore: Iterable[str]) -> bool:
    """Whether findings of ``rule_id`` are reported, ruff-style: the most specific selector wins.

    ``select=None`` means the default set (every automated rule, every sub-rule
    that is on by default). A sub-rule that is off by default is only turned on
    by naming it exactly.
    """
    sub = subrule(rule_id)
    default_on = sub is None or sub.default_enabled
    best: tuple[int, bool] | None = None
    for selectors, verdict in ((select or (), True), (ignore, False)):
        for sel in selectors:
            if selector_matches(sel, rule_id):
                specificity = 0 if sel.upper() == "ALL" else len(sel)
                if best is None or specificity >= best[0]:
                    best = (specificity, verdict)
    if best is None:
        return select is None and default_on
    specificity, verdict = best
    if verdict and not default_on:
        return specificity == len(rule_id)
    return verdict


@dataclass(frozen=True)
class Hook:
    """A pre-commit hook: which rules it runs and which files (from the rules' default layout) trigger it."""

    id: str
    name: str
    description: str
    rules: tuple[str, ...]
    pass_filenames: bool = True
    types_or: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()  # globs beyond the rules' reads (e.g. shebang scripts are matched by types)
    staged: bool = False  # compare with HEAD (C4): pre-commit runs on the staged content
    layout_keys: tuple[str, ...] | None = None  # files: from these layout keys instead of the rules' reads
    types: tuple[str, ...] = ()  # pre-commit `types` (all must match), e.g. ("shell",)

    @property
    def entry(self) -> str:
        words = ["observatory-invariants", "check"]
        if self.staged:
            words.append("--staged")
        if self.rules:
            words += ["--select", ",".join(self.rules)]
        return " ".join(words)


HOOKS: tuple[Hook, ...] = (
    Hook("observatory-invariants", "observatory invariants (whole repository)",
         "Run every automated invariant over the whole repository.", (), pass_filenames=False),
    Hook("observatory-contracts", "contract schemas and fixtures (C1 C2 C3 C5)",
         "Validate contract schemas, golden/negative fixtures and VERSIONS.md.", ("C1", "C2", "C3", "C5")),
    Hook("observatory-compat", "schema compatibility and versions (C4)",
         "Compare each staged schema with HEAD: a breaking change needs a MAJOR bump.", ("C4",), staged=True),
    Hook("observatory-docker", "Docker build contexts, COPY sources, image versions (B1 B2 B3)",
         "Check every declared Docker build: context style, COPY/ADD sources after .dockerignore, VERSION files "
         "and image tags.", ("B1", "B2", "B3")),
    Hook("observatory-powershell", "PowerShell scripts (X1 X2 X3 X4 B4)",
         "Lint PowerShell for Linux-pwsh breakage, pwsh-7-only syntax, Windows paths, bash syntax and $PSScriptRoot.",
         ("X1", "X2", "X3", "X4", "B4"), layout_keys=("powershell-scripts",)),
    Hook("observatory-shell", "POSIX shell scripts (X3 X4)",
         "Bashisms in #!/bin/sh scripts and hardcoded Windows paths, for every shell script pre-commit identifies.",
         ("X3", "X4"), layout_keys=(), types=("shell",)),
    Hook("observatory-workflows", "GitHub workflow run: steps (X3 X4)",
         "Bash syntax in run: steps whose shell is pwsh or powershell, and hardcoded Windows paths.",
         ("X3", "X4"), layout_keys=("workflows", "composite-actions")),
    Hook("observatory-windows-paths", "hardcoded Windows paths (X3)",
         "Drive-letter, UNC and Windows-only environment-variable paths in string literals of source, config and "
         "Dockerfiles.",
         ("X3",)),
)
