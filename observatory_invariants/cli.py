"""The command line: ``observatory-invariants <command>``, built from :data:`commands.COMMANDS`.

The edge where argv, output and exit codes live. Exit codes: 0 clean (warnings allowed), 1 error findings,
2 usage, config or internal error — never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import COMMANDS, EXIT_ERROR, UsageError, load

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Sequence


def _build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory-invariants",
        description="Enforce a monorepo's invariant map: contracts, Docker builds, scripts, coverage, CI gates.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the requested command's module is imported: `--version` and `check` stay cheap.
    requested = next((a for a in argv if not a.startswith("-")), None)
    for command in COMMANDS:
        sp = sub.add_parser(command.name, help=command.help, description=command.help)
        if command.name == requested:
            module = load(command)
            module.configure(sp)
            sp.set_defaults(handler=module.main)
    return parser


class _ClosedPipeSafe:
    """stdout that keeps working after its reader left (``builds | head -1``): writes into a closed pipe are
    dropped, so the command finishes and its exit code still says what it found."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._close()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._close()

    def _close(self) -> None:
        self.closed_pipe = True
        # Point the file descriptor at devnull so the interpreter's final flush cannot fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _tune_garbage_collector() -> None:
    """A run allocates many long-lived objects (token lists, YAML node trees kept for the run) and few garbage
    cycles: collecting gen 0 every 700 allocations would walk them again and again. The program's entry point
    (never a check) raises the threshold once."""
    import gc

    gc.freeze()  # what start-up imported lives as long as the process: never scan it again
    gc.set_threshold(100_000, 50, 100)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the program itself (console script, python -m), not a caller embedding it
        _tune_garbage_collector()
    argv = list(sys.argv[1:] if argv is None else argv)
    # A file name git reports that is not UTF-8 must not crash the report: escape what cannot be encoded.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not isinstance(sys.stdout, _ClosedPipeSafe):
        sys.stdout = _ClosedPipeSafe(sys.stdout)
    parser = _build_parser(argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    from .errors import ConfigError, GitError

    try:
        code = handler(args)
        sys.stdout.flush()
        return code
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
