"""Which files the script rules read beyond the layout's globs (an option X3 and X4 share)."""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, option


@dataclass(frozen=True)
class ScriptFileOptions(Options):
    """Which files the script rules look at beyond the layout's globs."""

    section = "scripts"

    scan_shebangs: bool = option(
        "scan-shebangs", True, "Whole-repository scans read extension-less files to find scripts by their #! line.")
