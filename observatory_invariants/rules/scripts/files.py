"""Which files the script rules read beyond the layout's globs, and which they leave alone (options X1-X4 and B4 share)."""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, option


# Where Windows-only code lives by convention: folders and file names that say "windows".
WINDOWS_ONLY_DEFAULTS = (
    "**/windows/**", "**/win/**", "**/win32/**", "**/win64/**", "**/chocolatey/**", "**/*_windows.*",
    "**/*-windows.*", "**/*.windows.*", "**/windows.*", "**/windows-*", "**/windows_*",
)
# Test data, vendored and generated code: not the repository's own scripts.
SKIP_DEFAULTS = (
    "**/testdata/**", "**/test-data/**", "**/TestFiles/**", "**/fixtures/**", "**/__fixtures__/**",
    "**/vendor/**", "**/node_modules/**", "**/bower_components/**", "**/third_party/**", "**/wwwroot/lib/**",
    "**/dist/**", "**/*.min.js", "**/*.min.mjs",
)


@dataclass(frozen=True)
class ScriptFileOptions(Options):
    """Which files the script rules look at beyond the layout's globs."""

    section = "scripts"

    scan_shebangs: bool = option(
        "scan-shebangs", True, "Whole-repository scans read extension-less files to find scripts by their #! line.")
    windows_only: tuple[str, ...] = option(
        "windows-only", WINDOWS_ONLY_DEFAULTS,
        "Globs (case-insensitive) of files that only ever run on Windows: X1 and X3 leave them alone. Scripts that "
        "only Windows CI jobs or Windows-only scripts run, and '#Requires -PSEdition Desktop' scripts, count too.")
    portable_scripts: tuple[str, ...] = option(
        "portable-scripts", (),
        "Globs of scripts that run on Linux/macOS: their X1/X3 findings are errors even without other evidence.")
    skip_paths: tuple[str, ...] = option(
        "skip-paths", SKIP_DEFAULTS,
        "Globs (case-insensitive) of test data, vendored and generated files the script rules do not check.")
    skip_linguist: bool = option(
        "skip-linguist", True,
        "Also skip what .gitattributes marks linguist-vendored or linguist-generated.")
