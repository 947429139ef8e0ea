"""``observatory-invariants check``: run the selected rules over the repository, the given files, the staged
files (``--staged``) or what changed since a base (``--base``), and print the findings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from . import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, add_format_option, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files to check (as pre-commit passes them) or a directory to scan; default: the whole "
                             "repository")
    parser.add_argument("--select", action="append", metavar="IDS",
                        help="comma-separated rule ids or prefixes to run (e.g. C1,B3 or C); replaces the config's")
    parser.add_argument("--ignore", action="append", metavar="IDS", help="comma-separated rule ids to skip")
    parser.add_argument("--base", metavar="REF", help="check only what changed since REF and compare schemas with REF")
    parser.add_argument("--staged", action="store_true", help="check the files staged for commit")
    add_format_option(parser)
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    add_repository_options(parser)


def selectors(values: Sequence[str] | None) -> list[str]:
    """Comma-separated ids, spelled as the map spells them (``b3`` → ``B3``, ``v2A`` → ``V2a``)."""
    from ..registry import canonical

    return [canonical(part.strip()) for value in values or () for part in value.split(",") if part.strip()]


def relative_paths(root: Path, paths: Sequence[str], all_files: list[str]) -> list[str] | None:
    """Root-relative posix paths; None for a whole-repository scan.

    Symlinks are not followed (pre-commit passes tracked links as they are): only the folders
    above a path are resolved, so a link, a dangling link or a link loop keeps its own name.
    """
    out: list[str] = []
    for raw in paths:
        given = Path(raw)
        full = given.resolve() if given.is_dir() and not given.is_symlink() else \
            Path(os.path.realpath(given.parent)) / given.name
        try:
            rel = full.relative_to(root)
        except ValueError:
            raise UsageError(f"{raw}: outside the repository root {root}") from None
        if full.is_dir() and not full.is_symlink():
            if rel == Path("."):
                return None
            prefix = rel.as_posix() + "/"
            out.extend(p for p in all_files if p.startswith(prefix))
        elif os.path.lexists(full):
            out.append(rel.as_posix())
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return out


def main(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..api import open_workspace, run_workspace
    from ..registry import unknown_selectors
    from ..reporters import render
    from . import open_repository, rule_descriptors

    select, ignore = selectors(args.select), selectors(args.ignore)
    bad = unknown_selectors(select + ignore)
    if bad:
        raise UsageError(f"unknown rule id(s): {', '.join(bad)} (see `observatory-invariants list`)")
    if args.base and args.staged:
        raise UsageError("--base and --staged cannot be combined")
    # Root discovery starts where the first PATH is (a file's folder), else in the current folder.
    start = Path(args.paths[0]) if args.paths else Path.cwd()
    start = start if start.is_dir() else start.parent
    root, config = open_repository(args, start)
    ws = open_workspace(root, base=args.base, staged=args.staged, config=config)
    if args.base:
        ws.repo.resolve_ref(args.base)  # an unknown ref is a usage error before any rule runs
    paths = relative_paths(root, args.paths, ws.repo.files) if args.paths else None
    result = run_workspace(ws, select=select or None, ignore=ignore, paths=paths)
    for note in getattr(ws.repo, "notes", ()):   # git missing or refusing the repository: say how it was read
        print(f"observatory-invariants: note: {note}", file=sys.stderr)
    if result.not_implemented:
        print(f"observatory-invariants: not implemented yet, so not checked: {', '.join(result.not_implemented)}",
              file=sys.stderr)
    if not result.rules_run and not result.findings and args.format == "text":
        sys.stdout.write("Nothing to check: no selected rule reads the given files.\n")
    else:
        sys.stdout.write(render(args.format, result.findings, descriptors=rule_descriptors(ws.config),
                                tool_version=__version__))
    for error in result.internal_errors:
        print(f"observatory-invariants: internal error in check {error} (set OBSERVATORY_DEBUG=1 for the "
              "traceback, and please report it)", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in result.findings) else EXIT_CLEAN
