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
    from ..errors import UnreadableFile
    from ..map_drift import check_map_drift
    from ..patterns import compile_globs
    from ..repo import Repository, read_regular_file
    from ..reporters import render
    from ..textio import decode_text
    from . import open_repository, rule_descriptors

    root, config = open_repository(args)
    try:
        if args.document:   # named on the command line: any regular file, under the size cap
            path = Path(args.document)
            text = decode_text(str(path), read_regular_file(path, config.max_file_size, shown=str(path)))
            try:
                shown = path.resolve().relative_to(root).as_posix()
            except ValueError:
                shown = str(path)
        else:               # found by the layout globs: read like any repository file (inside the root)
            repo = Repository(root, exclude=config.exclude, max_file_size=config.max_file_size)
            spec = compile_globs(tuple(config.patterns("invariants-doc")))
            found = [p for p in repo.files if spec.match_file(p)]
            if not found:
                raise UsageError(f"no invariant document found at {root} (looked for "
                                 f"{', '.join(config.patterns('invariants-doc'))}); name it: drift FILE")
            shown = found[0]
            text = repo.read_text(shown)
    except UnreadableFile as exc:
        raise UsageError(f"{exc.path}: {exc.reason}") from None
    findings = check_map_drift(shown, text, config)
    sys.stdout.write(render(args.format, findings, descriptors=rule_descriptors(config), tool_version=__version__))
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_CLEAN
