"""The sub-commands, one module each, and what they share.

Every command module has ``configure(parser)`` (its arguments) and ``main(args) -> int`` (exit code).
:data:`COMMANDS` is the one table the CLI builds its parser from; only the requested command's module is
imported, so ``--version`` and ``check`` stay cheap. Commands that read a repository share
:func:`add_repository_options` (``--root``/``--config``) and :func:`open_repository` (root discovery and the
config, each read once); commands that print findings take ``--format`` from the reporters' one table.
"""

from __future__ import annotations

import argparse
from collections import namedtuple
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake (exit code 2)."""


# A named tuple, not a dataclass: the CLI builds its parser from this table on every run, and a frozen dataclass
# costs a warm hook about a millisecond to create.
Command = namedtuple("Command", "name module help")   # module: relative to this package


COMMANDS = (
    Command("check", ".check", "check the repository (or the given files) against the invariant map"),
    Command("list", ".list_rules", "print the invariant map: id, title, enforcement, status, files read"),
    Command("explain", ".explain", "print a rule's documentation"),
    Command("compat", ".compat", "explain the compatibility of two schema versions (C4)"),
    Command("builds", ".builds", "list every Docker build the repository declares (B1-B3)"),
    Command("drift", ".drift", "compare the repository's INVARIANTS.md with the invariant map"),
    Command("baseline", ".baseline", "write the current findings to a baseline file; check then reports only new ones"),
    Command("gate", ".gate", "decide whether the integration gate must run for what changed (I1/I2)"),
    Command("coverage", ".coverage", "judge each service's coverage report against coverage-config.json (V1-V6); "
                                     "update the ratchet's baseline"),
)


def load(command: Command):
    import importlib

    return importlib.import_module(command.module, __name__)


def add_repository_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="config file (default: .observatory-invariants.toml or pyproject.toml at the root)")
    parser.add_argument("--root", metavar="DIR",
                        help="repository root (default: found from the current folder by its markers)")


def add_format_option(parser: argparse.ArgumentParser, choices=None, default: str = "text") -> None:
    """``--format``; by default the reporters' formats (text, json, sarif, github)."""
    if choices is None:
        from ..reporters import FORMATS

        choices = tuple(FORMATS)
    parser.add_argument("--format", choices=choices, default=default, help="output format")


def open_repository(args: argparse.Namespace, start: Path | None = None):
    """``(root, Config)`` for a command: ``--root`` or the root found from ``start`` (default: the current
    folder), and its config (``--config`` or the file at the root), each file read once."""
    from ..config import discover

    start = start if start is not None else Path.cwd()
    explicit_root = getattr(args, "root", None)
    if explicit_root and not Path(explicit_root).is_dir():
        raise UsageError(f"--root {explicit_root}: not a directory")
    config_file = getattr(args, "config", None)
    return discover(start, root=Path(explicit_root) if explicit_root else None,
                    config_file=Path(config_file) if config_file else None)


def rule_descriptors(config):
    """Neutral descriptions of every rule and sub-rule, for the reporters: title, the packaged rule page as
    SARIF ``help``, and ``helpUri`` only when the config names where the pages are published (``docs-url``)."""
    from ..invariant_map import doc_page
    from ..registry import RULES
    from ..reporters import RuleDescriptor

    out = []
    for rule in RULES:
        uri = config.docs_url.format(rule=rule.id) if config.docs_url else None
        page = doc_page(rule.id)
        out.append(RuleDescriptor(rule.id, rule.title, uri, help_markdown=page))
        for s in rule.subrules:
            out.append(RuleDescriptor(s.id, f"{rule.title}: {s.title}", uri,
                                      "error" if s.default_enabled else "warning", help_markdown=page))
    return out
