"""``observatory-invariants explain ID``: a rule's documentation page (shipped with the package)."""

from __future__ import annotations

import argparse
import sys

from . import EXIT_CLEAN, UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", metavar="ID", help="a rule or sub-rule id (B3, B3.latest-tag)")


def main(args: argparse.Namespace) -> int:
    from ..invariant_map import explain
    from ..registry import all_ids

    if args.rule.lower() not in {i.lower() for i in all_ids()}:
        raise UsageError(f"unknown rule id {args.rule!r} (see `observatory-invariants list`)")
    text = explain(args.rule)
    if text is None:
        raise UsageError(f"unknown rule id {args.rule!r} (see `observatory-invariants list`)")
    sys.stdout.write(text)
    return EXIT_CLEAN
