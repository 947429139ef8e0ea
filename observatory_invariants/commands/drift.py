"""``observatory-invariants drift [FILE]``: compare the repository's INVARIANTS.md with the invariant map and with
what the repository's config enables (the same comparison the opt-in rule M1 makes in ``check``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import EXIT_CLEAN, EXIT_FINDINGS, UsageError, add_format_option, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    from ..layout import DEFAULT_PATHS

    parser.add_argument("document", nargs="?", metavar="FILE",
                        help="the invariant document (default: the first file matching the invariants-doc layout "
                             f"globs at the root: {', '.join(DEFAULT_PATHS['invariants-doc'])})")
    add_format_option(parser)
    add_repository_options(parser)


def main(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..map_drift import check_map_drift
    from ..patterns import compile_patterns
    from ..repo import Repository
    from ..reporters import render
    from . import open_repository, rule_descriptors

    root, config = open_repository(args)
    if args.document:
        path = Path(args.document)
    else:
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
    findings = check_map_drift(shown, text, config)
    sys.stdout.write(render(args.format, findings, descriptors=rule_descriptors(config), tool_version=__version__))
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_CLEAN
