"""V7: every screenshot a Playwright spec compares (``toHaveScreenshot``, image ``toMatchSnapshot``) has a committed
baseline for each platform CI runs the specs on (``coverage.visual-platforms``, default linux).

The expected file is computed as Playwright computes it (engines/playwright.py): ``<spec>-snapshots/<name>-
<project>-<platform>.png`` under the default template, the config's templates otherwise. Severity follows the
evidence:

- error — a literal name, a known project (the config lists it and it runs every spec, or committed snapshots show
  it runs this one), and the test is not skipped: the run will fail with "A snapshot doesn't exist";
- warning — the name is derived from the test's title (Playwright's naming of unnamed screenshots), the project
  filters its specs, or a ``test.skip(condition)`` may skip the test;
- note — the test is statically skipped (``test.describe.skip``, ``test.fixme``): nothing fails today, but the
  baselines are missing for when it runs again.

Names built at run time cannot be checked and are left alone. A baseline present on disk but not committed is
reported as missing from the repository (CI checks out the repository, not the working tree).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...errors import UnreadableFile
from ...findings import Finding, finding
from ...workspace import Workspace

MISSING = SubRule("V7.missing-baseline", "A screenshot has no committed baseline for a CI platform")
OTHER_PLATFORM = SubRule("V7.other-platform-only", "A screenshot's only baselines are for other platforms")


@dataclass(frozen=True)
class VisualOptions(Options):
    section = "coverage"
    description = "Options of the coverage rules V1-V7."

    visual_platforms: tuple[str, ...] = option(
        "visual-platforms", ("linux",),
        "Platforms CI runs the Playwright specs on (process.platform: linux, darwin, win32); every screenshot needs "
        "a committed baseline for each (V7).",
        schema={"type": "array", "items": {"enum": ["linux", "darwin", "win32"]}, "minItems": 1})


V7 = Rule("V7", "Visual test screenshots have committed baselines", "coverage", ("visual-tests",), check="run",
          subrules=(MISSING, OTHER_PLATFORM), options=(VisualOptions,), hooks=("observatory-coverage",),
          seed_check="tests/visual/ Playwright snapshots")

_CONFIG_NAMES = ("playwright.config.ts", "playwright.config.js", "playwright.config.mjs", "playwright.config.cjs",
                 "playwright.config.mts", "playwright.config.cts")
_PLAYWRIGHT_IMPORT = ("@playwright/test", "@playwright/experimental-ct-", "playwright/test")


def check_spec(spec: str, text: str, config, files: frozenset[str], committed: frozenset[str] | None,
               platforms: tuple[str, ...], elsewhere: dict | None = None) -> list[Finding]:
    """V7 for one spec. ``config``: the PlaywrightConfig governing it, or None; ``files``: every file of the
    repository (work tree); ``committed``: the files git tracks (None outside git: then ``files`` counts);
    ``elsewhere``: {snapshot folder name: file names} over the whole repository (a spec copied and run from
    another folder keeps its baselines there)."""
    from ...engines.playwright import PLATFORMS, Project, expected_snapshot, runs_spec, screenshot_calls, \
        snapshot_folder_suffixes

    if config is not None and config.ignore_snapshots is True:
        return []
    out: list[Finding] = []
    tracked = committed if committed is not None else files
    default_folder = f"{spec}-snapshots/"
    folder_files = [f[len(default_folder):] for f in files if f.startswith(default_folder)]
    copies = (elsewhere or {}).get(posixpath.basename(spec) + "-snapshots", set()) - set(folder_files)
    for call in screenshot_calls(text):
        if call.name is None:
            continue
        evidence = snapshot_folder_suffixes(call.name, folder_files)
        projects = _projects(config)
        if projects is None:
            # Projects computed in the config: the committed snapshots say which projects run the spec.
            names = sorted({p for p, _ in evidence})
            if not names:
                continue
            projects = [Project(name) for name in names]
        comparing = [p for p in projects if p.ignore_snapshots is False]
        decided = {id(p): runs_spec(spec, config, p) for p in comparing}
        someone_runs = any(v is True for v in decided.values()) or bool(evidence)
        for project in comparing:
            runs = decided[id(project)]
            runs_here = any(p == project.name for p, _ in evidence)
            if runs is False or (runs is None and not runs_here and someone_runs):
                continue
            for platform in platforms:
                expected = expected_snapshot(spec, call, config, project, platform)
                if expected is None or expected in tracked:
                    continue
                if posixpath.basename(expected) in copies:
                    continue        # the spec runs from a copy whose snapshot folder holds it (examples/*/...)
                others = [expected_snapshot(spec, call, config, project, p) for p in PLATFORMS if p != platform]
                present_elsewhere = sorted(p for p in others if p and p in tracked)
                on_disk = expected in files
                severity = "error"
                reasons = []
                if call.skipped:
                    severity, reasons = "note", [f"the test is skipped ({call.skipped}), so nothing fails today"]
                else:
                    if config is None:
                        severity = "warning"
                        reasons.append("no playwright.config.* governs this spec")
                    if call.anonymous:
                        severity = "warning"
                        reasons.append("the name is derived from the test's title")
                    if runs is None and not runs_here:
                        severity = "warning"
                        reasons.append(f"project {project.name!r} may not run this spec")
                    if call.conditional:
                        severity = "warning"
                        reasons.append("a test.skip(condition) may skip it")
                rule = OTHER_PLATFORM if present_elsewhere else MISSING
                what = f"{call.matcher}({call.name!r})" if not call.anonymous else f"{call.matcher}() ({call.name})"
                message = (f"{what} has no committed {platform} baseline {expected}"
                           + (f" for project {project.name!r}" if project.name else "")
                           + (f" (only {', '.join(present_elsewhere)})" if present_elsewhere else "")
                           + ("; it exists on disk but is not committed" if on_disk else "")
                           + f"; generate it on {platform} (e.g. `npx playwright test --update-snapshots` in the CI "
                           "image) and commit it"
                           + (f" [{'; '.join(reasons)}]" if reasons else ""))
                out.append(finding(rule, spec, message, call.line, call.column, severity))
    return out


def _projects(config):
    from ...engines.playwright import Project

    if config is None:
        return [Project("")]          # no config: Playwright's one unnamed project
    if not config.known:
        return None
    if config.projects is None:
        return None
    return list(config.projects) if config.projects else [Project("")]


def _is_playwright_spec(text: str, config) -> bool:
    return config is not None or any(marker in text for marker in _PLAYWRIGHT_IMPORT)


def gather_configs(ws: Workspace) -> dict:
    from ...engines.playwright import read_config

    def read() -> dict:
        configs = {}
        for path in ws.repo.files:
            if posixpath.basename(path) in _CONFIG_NAMES:
                try:
                    configs[path] = read_config(path, ws.read_text(path))
                except UnreadableFile:
                    continue
        return configs
    return ws.memo("playwright-configs", read)


def run(ws: Workspace, targets) -> list[Finding]:
    from ...engines.playwright import find_config

    options = ws.options(VisualOptions)
    configs = gather_configs(ws)
    files = frozenset(ws.repo.files)
    committed = ws.repo.tracked if ws.repo.is_git else None
    specs = [p for p in ws.glob("visual-tests") if "-snapshots/" not in p and posixpath.basename(p) not in _CONFIG_NAMES
             and p.endswith((".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"))]
    if targets is not None:
        touched = set(targets)
        # A changed snapshot or config concerns its specs; a changed spec itself.
        specs = [s for s in specs if s in touched or any(t.startswith(f"{s}-snapshots/") for t in touched)
                 or any(posixpath.basename(t) in _CONFIG_NAMES for t in touched)]
    elsewhere: dict[str, set[str]] = {}
    for path in files:
        folder, _, name = path.rpartition("/")
        if folder.endswith("-snapshots"):
            elsewhere.setdefault(posixpath.basename(folder), set()).add(name)
    out: list[Finding] = []
    for spec in specs:
        try:
            text = ws.read_text(spec)
        except UnreadableFile:
            continue
        if "toHaveScreenshot" not in text and "toMatchSnapshot" not in text:
            continue
        config = find_config(spec, configs)
        if not _is_playwright_spec(text, config):
            continue
        out += check_spec(spec, text, config, files, committed, tuple(options.visual_platforms), elsewhere)
    return out
