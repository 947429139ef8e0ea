"""``observatory-invariants check``: run the selected rules over the repository, the given files, the staged
files (``--staged``) or what changed since a base (``--base``), and print the findings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, add_format_option, add_repository_options

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Sequence


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
    parser.add_argument("--all", dest="all_findings", action="store_true",
                        help="with PATHs, --staged or --base: report every finding of the rules that ran, not only "
                             "those that belong to the change")
    parser.add_argument("--baseline", metavar="FILE",
                        help="do not report the findings this baseline lists (written by `observatory-invariants "
                             "baseline`; default: the config's baseline key)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--no-cache", action="store_true",
                        help="run every rule even when nothing it reads changed since an identical earlier run (env "
                             "OBSERVATORY_NO_CACHE does the same; OBSERVATORY_CACHE_DIR moves the cache)")
    parser.add_argument("--jobs", type=_jobs, default=0, metavar="N",
                        help="processes for a whole-repository run: 1 (this one) or 2 (the rule families split "
                             "between two); default 0: 2 from 200 files up on a machine with two cores (env "
                             "OBSERVATORY_JOBS overrides)")
    add_repository_options(parser)


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) > 64:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (0 for automatic, 1, 2)")
    return int(value)


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
    from ..fingerprints import fingerprint_all, line_lookup
    from ..registry import unknown_selectors
    from ..reporters import render
    from ..run_cache import Recorder, open_cache, run_key
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
    cache = open_cache(disabled=args.no_cache, root=root)
    # with a cache, every answer the repository gives from its first on is an input of this run
    ws = open_workspace(root, base=args.base, staged=args.staged, config=config,
                        recorder=Recorder() if cache is not None else None)
    ws.jobs = args.jobs
    if args.base:
        ws.repo.resolve_ref(args.base)  # an unknown ref is a usage error before any rule runs
    paths = relative_paths(root, args.paths, ws.repo.files) if args.paths else None
    if paths is None and not args.staged and not args.base and not ws.repo.files:
        markers = ", ".join(config.root_markers)
        sys.stdout.write(f"Nothing to check: no files under {root}, the repository root used (the nearest folder with "
                         f"one of {markers}, else the starting folder); use --root DIR to name another.\n")
        return EXIT_CLEAN
    result = None
    if cache is not None:
        key = run_key(root=root, config=config, command={
            "select": select, "ignore": ignore, "base": args.base, "staged": args.staged, "paths": paths,
            "all": args.all_findings})
        result = cache.lookup(key, ws.repo)
    if result is None:
        result = run_workspace(ws, select=select or None, ignore=ignore, paths=paths, all_findings=args.all_findings)
        if cache is not None:
            cache.store(key, ws.repo.recorder, result)
    ws.repo.recorder = None
    for note in getattr(ws.repo, "notes", ()):   # git missing or refusing the repository: say how it was read
        print(f"observatory-invariants: note: {note}", file=sys.stderr)
    if result.not_implemented:
        print(f"observatory-invariants: not implemented yet, so not checked: {', '.join(result.not_implemented)}",
              file=sys.stderr)
    if result.hidden_outside:
        why = ("were already there before it" if result.before_known else
               "are not shown: outside git the tool cannot tell which of them the change caused")
        print(f"observatory-invariants: {result.hidden_outside} finding(s) in files outside this change {why} "
              "(--all shows them)", file=sys.stderr)
    findings = result.findings
    fingerprints = fingerprint_all(findings, line_lookup(ws.read_text))
    baseline_file = args.baseline or config.baseline
    if baseline_file:
        findings, fingerprints = _apply_baseline(baseline_file, bool(args.baseline), root, ws, result, findings,
                                                 fingerprints)
    if not result.rules_run and not findings and not result.internal_errors and args.format == "text":
        sys.stdout.write(_nothing_to_check(args, ws, paths) + "\n")
    else:
        sys.stdout.write(render(args.format, findings, descriptors=lambda: rule_descriptors(ws.config),
                                tool_version=__version__, fingerprints=fingerprints,
                                internal_errors=result.internal_errors))
    for error in result.internal_errors:
        print(f"observatory-invariants: internal error in check {error} (set OBSERVATORY_DEBUG=1 for the "
              "traceback, and please report it)", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_CLEAN


def _nothing_to_check(args, ws, paths) -> str:
    """What happened when no rule ran: the user asked about nothing, or about files no rule reads."""
    if args.staged and not ws.repo.staged_paths():
        return "Nothing to check: no staged changes."
    if args.base and not ws.repo.changed_paths(args.base):
        return f"Nothing to check: no changes since {args.base}."
    if paths is None and not ws.repo.files:
        return f"Nothing to check: no files found under {ws.root} (the repository root used)."
    what = "given" if args.paths else "changed"
    return f"Nothing to check: no selected rule reads the {what} files."


def _apply_baseline(name: str, from_cli: bool, root: Path, ws, result, findings, fingerprints):
    """Drop the findings the baseline lists; say how many, and which entries no longer occur."""
    from .. import baseline
    from ..errors import UnreadableFile

    path = Path(name) if from_cli else root / name
    try:
        text = path.read_text("utf-8") if from_cli else ws.read_text(name)
    except (OSError, UnicodeDecodeError, UnreadableFile) as exc:
        raise UsageError(f"baseline {name}: cannot read it ({getattr(exc, 'reason', None) or exc})") from None
    entries = baseline.parse(text, name)
    ran = {r.split(".", 1)[0] for r in result.rules_run}
    applied = baseline.apply(findings, fingerprints, entries, judged_rules=ran,
                             judged_paths=set(result.scope) if result.scope is not None else None)
    kept = {id(f) for f in applied.kept}
    fingerprints = [fp for f, fp in zip(findings, fingerprints) if id(f) in kept]
    if applied.silenced:
        print(f"observatory-invariants: {applied.silenced} finding(s) listed in the baseline {name} not shown",
              file=sys.stderr)
    if applied.stale:
        print(f"observatory-invariants: {len(applied.stale)} baseline entr{'y' if len(applied.stale) == 1 else 'ies'} "
              f"no longer occur (fixed?); shrink {name} with `observatory-invariants baseline --output {name}`",
              file=sys.stderr)
    return applied.kept, fingerprints

