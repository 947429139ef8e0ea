"""The command line: ``observatory-invariants check|list|explain|compat|builds``.

The edge where argv, the file system's root, output and exit codes live.
Exit codes: 0 clean (warnings allowed), 1 error findings, 2 usage, config or
internal error — never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Sub-commands that live in their own modules: (name, module, help).
EXTRA_COMMANDS = (
    ("compat", "observatory_invariants.commands.compat", "explain the compatibility of two schema versions (C4)"),
    ("builds", "observatory_invariants.commands.builds", "list every Docker build the repository declares (B1-B3)"),
)


class UsageError(Exception):
    pass


def _ids(values: Sequence[str] | None) -> list[str]:
    """Comma-separated ids, spelled as the registry spells them (``b3`` → ``B3``, ``v2A`` → ``V2a``)."""
    from .registry import all_ids

    canonical = {i.lower(): i for i in all_ids()}
    out = []
    for value in values or ():
        for part in value.split(","):
            part = part.strip()
            if part:
                out.append(canonical.get(part.lower(), part.upper() if part.isalpha() else part))
    return out


def _build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory-invariants",
        description="Enforce a monorepo's invariant map: contracts, Docker builds, scripts, coverage, CI gates.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check the repository (or the given files) against the invariant map")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files to check (as pre-commit passes them) or a directory to scan; default: the whole "
                            "repository")
    check.add_argument("--select", action="append", metavar="IDS",
                       help="comma-separated rule ids or prefixes to run (e.g. C1,B3 or C); replaces the config's")
    check.add_argument("--ignore", action="append", metavar="IDS", help="comma-separated rule ids to skip")
    check.add_argument("--base", metavar="REF", help="check only what changed since REF and compare schemas with REF")
    check.add_argument("--staged", action="store_true", help="check the files staged for commit")
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--config", metavar="FILE", help="config file (default: .observatory-invariants.toml or "
                                                        "pyproject.toml at the root)")
    check.add_argument("--root", metavar="DIR", help="repository root (default: found from the first PATH or the "
                                                     "current folder by its markers)")

    lst = sub.add_parser("list", help="print the invariant map: id, title, enforcement, status, files read")
    lst.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    lst.add_argument("--config", metavar="FILE")
    lst.add_argument("--root", metavar="DIR")

    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="ID")

    drift = sub.add_parser("drift", help="compare the repository's INVARIANTS.md with the invariant map")
    drift.add_argument("document", nargs="?", metavar="FILE",
                       help="the invariant document (default: INVARIANTS.md or docs/INVARIANTS.md at the root)")
    drift.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    drift.add_argument("--config", metavar="FILE")
    drift.add_argument("--root", metavar="DIR")

    # Only the requested sub-command's module is imported: `--version` and `check` stay cheap.
    requested = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    for name, module, help_text in EXTRA_COMMANDS:
        sp = sub.add_parser(name, help=help_text)
        if name == requested:
            mod = importlib.import_module(module)
            mod.configure(sp)
            sp.set_defaults(handler=mod.main)
    return parser


def _discover_root(start: Path, explicit_root: str | None) -> Path:
    from .config import find_config_file, DEFAULT_ROOT_MARKERS
    from .repo import find_root

    if explicit_root:
        root = Path(explicit_root)
        if not root.is_dir():
            raise UsageError(f"--root {explicit_root}: not a directory")
        return root.resolve()
    root = find_root(start, DEFAULT_ROOT_MARKERS)
    found = find_config_file(root)
    if found and isinstance(found[1], dict) and found[1].get("root-markers"):
        markers = tuple(found[1]["root-markers"])
        if isinstance(found[1]["root-markers"], list) and all(isinstance(m, str) for m in markers):
            root = find_root(start, markers)
    return root


def _relative_paths(root: Path, paths: Sequence[str], all_files: list[str]) -> list[str] | None:
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


def _descriptors(config):
    from .registry import RULES
    from .reporters import RuleDescriptor

    out = []
    for rule in RULES:
        out.append(RuleDescriptor(rule.id, rule.title, config.docs_url.format(rule=rule.id)))
        for s in rule.subrules:
            out.append(RuleDescriptor(s.id, f"{rule.title}: {s.title}", config.docs_url.format(rule=rule.id),
                                      "error" if s.default_enabled else "warning"))
    return out


def cmd_check(args) -> int:
    from .api import open_workspace, run_workspace
    from .registry import unknown_selectors
    from .reporters import render

    select, ignore = _ids(args.select), _ids(args.ignore)
    bad = unknown_selectors(select + ignore)
    if bad:
        raise UsageError(f"unknown rule id(s): {', '.join(bad)} (see `observatory-invariants list`)")
    if args.base and args.staged:
        raise UsageError("--base and --staged cannot be combined")
    # Root discovery starts where the first PATH is (a file's folder), else in the current folder.
    start = Path(args.paths[0]) if args.paths else Path.cwd()
    start = start if start.is_dir() else start.parent
    root = _discover_root(start, args.root)
    ws = open_workspace(root, base=args.base, staged=args.staged, config_file=args.config)
    if args.base:
        ws.repo.resolve_ref(args.base)  # an unknown ref is a usage error before any rule runs
    paths = _relative_paths(root, args.paths, ws.repo.files) if args.paths else None
    result = run_workspace(ws, select=select or None, ignore=ignore, paths=paths)
    if result.not_implemented:
        print(f"observatory-invariants: not implemented yet, so not checked: {', '.join(result.not_implemented)}",
              file=sys.stderr)
    if not result.rules_run and not result.findings and args.format == "text":
        sys.stdout.write("Nothing to check: no selected rule reads the given files.\n")
    else:
        sys.stdout.write(render(args.format, result.findings, descriptors=_descriptors(ws.config),
                                tool_version=__version__))
    for error in result.internal_errors:
        print(f"observatory-invariants: internal error in check {error} (set OBSERVATORY_DEBUG=1 for the "
              "traceback, and please report it)", file=sys.stderr)
    if result.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in result.findings) else EXIT_CLEAN


def cmd_list(args) -> int:
    from .config import load_config
    from .invariant_map import render_map

    root = _discover_root(Path.cwd(), args.root)
    config = load_config(root, Path(args.config) if args.config else None)
    sys.stdout.write(render_map(config, args.format))
    return EXIT_CLEAN


def cmd_explain(args) -> int:
    from .invariant_map import explain
    from .registry import all_ids

    if args.rule.lower() not in {i.lower() for i in all_ids()}:
        raise UsageError(f"unknown rule id {args.rule!r} (see `observatory-invariants list`)")
    text = explain(args.rule)
    if text is None:
        raise UsageError(f"unknown rule id {args.rule!r} (see `observatory-invariants list`)")
    sys.stdout.write(text)
    return EXIT_CLEAN


def cmd_drift(args) -> int:
    from .config import load_config
    from .map_drift import check_map_drift
    from .reporters import render

    root = _discover_root(Path.cwd(), args.root)
    config = load_config(root, Path(args.config) if args.config else None)
    if args.document:
        path = Path(args.document)
    else:
        from .workspace import compile_patterns
        from .repo import Repository

        spec = compile_patterns(tuple(config.patterns("invariants-doc")))
        found = [root / p for p in Repository(root, exclude=config.exclude).files if spec.match_file(p)]
        if not found:
            raise UsageError(f"no invariant document found at {root} (looked for "
                             f"{', '.join(config.patterns('invariants-doc'))}); name it: drift FILE")
        path = found[0]
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    try:
        shown = path.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    findings = check_map_drift(shown, text)
    sys.stdout.write(render(args.format, findings, descriptors=_descriptors(config), tool_version=__version__))
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    # A file name git reports that is not UTF-8 must not crash the report: escape what cannot be encoded.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _build_parser(argv)
    args = parser.parse_args(argv)
    handlers = {"check": cmd_check, "list": cmd_list, "explain": cmd_explain, "drift": cmd_drift}
    handler = handlers.get(args.command) or getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from .config import ConfigError
    from .repo import GitError

    try:
        return handler(args)
    except (UsageError, ConfigError, GitError) as exc:
        print(f"observatory-invariants: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: say so plainly, with the trace only on request
        if os.environ.get("OBSERVATORY_DEBUG"):
            raise
        print(f"observatory-invariants: internal error: {type(exc).__name__}: {exc} "
              "(set OBSERVATORY_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
