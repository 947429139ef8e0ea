"""``observatory-invariants builds``: every Docker build the repository declares, and how it fares (exit 1 when a
build has a problem).

The view users need when a build breaks: which Dockerfile, which context, who
declared it (file:line), the Dockerfile's source style and the B1/B2 verdict.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import EXIT_CLEAN, EXIT_FINDINGS, add_format_option, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("start", nargs="?", metavar="ROOT", default=None,
                        help="a folder of the repository (default: the current folder; its root is found by markers)")
    add_format_option(parser, choices=("text", "json"))
    add_repository_options(parser)


def rows(reports) -> list[dict]:
    return [{
        "dockerfile": r.build.dockerfile,
        "context": r.build.context,
        "declared_at": r.build.where,
        "origin": r.build.origin,
        "target": r.build.target,
        "style": r.style,
        "verdict": r.verdict if not r.build.unresolved else f"unresolved: {r.build.unresolved}",
    } for r in reports]


def main(args: argparse.Namespace) -> int:
    from ..api import open_workspace
    from ..rules.docker.b1_b2_build_contexts import analyse
    from . import open_repository

    start = Path(args.start) if args.start else Path.cwd()
    if args.start and not args.root:   # ROOT given: it is the root, as it always was
        args.root = args.start
    root, config = open_repository(args, start)
    ws = open_workspace(root, config=config)
    reports, _findings = analyse(ws)
    table = rows(reports)
    bad = sum(1 for row in table if row["verdict"] not in ("ok",) and not row["verdict"].startswith("unresolved"))
    if args.format == "json":
        print(json.dumps(table, indent=2))
        return EXIT_FINDINGS if bad else EXIT_CLEAN
    if not table:
        print("no Docker builds found (workflows, compose files, scripts)")
        return EXIT_CLEAN
    headers = ("dockerfile", "context", "declared_at", "style", "verdict")
    cells = [[str(row[h] if row[h] is not None else "?") for h in headers] for row in table]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths)).rstrip())
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
    bad = sum(1 for row in table if row["verdict"] not in ("ok",) and not row["verdict"].startswith("unresolved"))
    print(f"\n{len(table)} build(s), {bad} with problems")
    return EXIT_FINDINGS if bad else EXIT_CLEAN
