"""``observatory-invariants list``: the invariant map — id, title, enforcement, status, files read."""

from __future__ import annotations

import argparse
import sys

from . import EXIT_CLEAN, add_format_option, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    add_format_option(parser, choices=("text", "json", "markdown"))
    add_repository_options(parser)


def main(args: argparse.Namespace) -> int:
    from ..invariant_map import render_map
    from . import open_repository

    _root, config = open_repository(args)
    sys.stdout.write(render_map(config, args.format))
    return EXIT_CLEAN
