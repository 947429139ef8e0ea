"""``.bazelrc`` files: ``command[:config] --flag[=value] …`` lines, ``import`` / ``try-import``.

As Bazel reads them: a backslash at the end of a line continues it; words are split on blanks with ``'`` and
``"`` quoting; ``#`` at the start of a word starts a comment to the end of the line. ``%workspace%`` in an
import names the workspace root.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RcLine:
    command: str            # 'common', 'build', 'test', 'always', … ; 'import' / 'try-import' for imports
    config: str | None      # 'ci' for 'build:ci'
    args: tuple[str, ...]
    line: int               # 1-based line the logical line starts on


def _words(text: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                current.append(text[i])
            else:
                current.append(c)
        elif c in "'\"":
            quote = c
            in_word = True
        elif c in " \t\f\v\r":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        elif c == "#" and not in_word:
            break
        elif c == "\\" and i + 1 < len(text):
            i += 1
            current.append(text[i])
            in_word = True
        else:
            current.append(c)
            in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words


def parse(text: str) -> list[RcLine]:
    """The logical lines of a bazelrc, comments and blank lines dropped."""
    out: list[RcLine] = []
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(physical):
        start = i
        buffer = physical[i]
        while buffer.endswith("\\") and not buffer.endswith("\\\\") and i + 1 < len(physical):
            i += 1
            buffer = buffer[:-1] + " " + physical[i]
        i += 1
        words = _words(buffer)
        if not words:
            continue
        head = words[0]
        command, _, config = head.partition(":")
        out.append(RcLine(command, config or None, tuple(words[1:]), start + 1))
    return out


def flag_values(lines: list[RcLine], flag: str) -> list[tuple[RcLine, str]]:
    """Every value a flag is given (``--flag=v`` or ``--flag v``), in order, with its line."""
    found: list[tuple[RcLine, str]] = []
    for rc in lines:
        if rc.command in ("import", "try-import"):
            continue
        args = rc.args
        for k, arg in enumerate(args):
            if arg == f"--{flag}" and k + 1 < len(args) and not args[k + 1].startswith("--"):
                found.append((rc, args[k + 1]))
            elif arg.startswith(f"--{flag}="):
                found.append((rc, arg.split("=", 1)[1]))
    return found


def import_path(rc: RcLine) -> str | None:
    """The workspace-relative path an ``import`` / ``try-import`` names (None outside the workspace)."""
    if rc.command not in ("import", "try-import") or not rc.args:
        return None
    target = rc.args[0]
    if target.startswith("%workspace%/"):
        return target[len("%workspace%/"):]
    if target.startswith("%workspace%"):
        return target[len("%workspace%"):].lstrip("/") or None
    if target.startswith(("/", "~")) or ":" in target[:3]:
        return None
    return target
