"""``observatory-invariants baseline [--output FILE]``: write the repository's current findings as a baseline, so
that ``check --baseline FILE`` (or ``baseline = "FILE"`` in the config) reports only new ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import EXIT_CLEAN, EXIT_ERROR, UsageError, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    from ..baseline import DEFAULT_BASELINE_FILE

    parser.add_argument("--output", metavar="FILE",
                        help=f"where to write it (default: the config's baseline, else {DEFAULT_BASELINE_FILE} at the "
                             "root); '-' prints it")
    parser.add_argument("--select", action="append", metavar="IDS", help="rules to record (default: the config's)")
    parser.add_argument("--ignore", action="append", metavar="IDS", help="rules not to record")
    add_repository_options(parser)


def main(args: argparse.Namespace) -> int:
    from .. import __version__, baseline
    from ..api import open_workspace, run_workspace
    from ..fingerprints import fingerprint_all, line_lookup
    from ..registry import unknown_selectors
    from . import open_repository
    from .check import selectors

    select, ignore = selectors(args.select), selectors(args.ignore)
    bad = unknown_selectors(select + ignore)
    if bad:
        raise UsageError(f"unknown rule id(s): {', '.join(bad)} (see `observatory-invariants list`)")
    root, config = open_repository(args)
    ws = open_workspace(root, config=config)
    result = run_workspace(ws, select=select or None, ignore=ignore)
    if result.internal_errors:
        for error in result.internal_errors:
            print(f"observatory-invariants: internal error in check {error}; no baseline written", file=sys.stderr)
        return EXIT_ERROR
    findings = result.findings
    text = baseline.render(findings, fingerprint_all(findings, line_lookup(ws.read_text)), tool_version=__version__)
    target = args.output or config.baseline or baseline.DEFAULT_BASELINE_FILE
    if target == "-":
        sys.stdout.write(text)
        return EXIT_CLEAN
    path = Path(target) if args.output else root / target
    path.write_text(text, "utf-8")
    shown = path.relative_to(root).as_posix() if path.resolve().is_relative_to(root) else str(path)
    print(f"wrote {len(findings)} finding(s) to {shown}; `check --baseline {shown}` (or baseline = \"{shown}\" in "
          "the config) now reports only new ones")
    return EXIT_CLEAN
