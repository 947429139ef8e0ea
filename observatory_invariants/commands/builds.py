"""``observatory-invariants builds``: every Docker build the repository declares, and how it fares.

The view users need when a build breaks: which Dockerfile, which context, who
declared it (file:line), the Dockerfile's source style and the B1/B2 verdict.
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", nargs="?", default=".", help="repository root (default: the current folder)")
    parser.add_argument("--config", default=None, help="config file (default: found at the root)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


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
    from ..config import ConfigError

    try:
        ws = open_workspace(args.root, config_file=getattr(args, "config", None))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports, _findings = analyse(ws)
    table = rows(reports)
    if getattr(args, "format", "text") == "json":
        print(json.dumps(table, indent=2))
        return 0
    if not table:
        print("no Docker builds found (workflows, compose files, scripts)")
        return 0
    headers = ("dockerfile", "context", "declared_at", "style", "verdict")
    cells = [[str(row[h] if row[h] is not None else "?") for h in headers] for row in table]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths)).rstrip())
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
    bad = sum(1 for row in table if row["verdict"] not in ("ok",) and not row["verdict"].startswith("unresolved"))
    print(f"\n{len(table)} build(s), {bad} with problems")
    return 0
