"""Path patterns as CI path filters read them: GitHub's ``on.<event>.paths`` / ``paths-ignore`` and
dorny/paths-filter's filters (picomatch, ``dot: true``).

One pattern is translated to a regular expression (a pattern is a few characters; no file is matched with a
regex), with each dialect's own meaning:

- **github** (the workflow syntax's "filter pattern cheat sheet"): ``*`` any run without ``/``; ``**`` any run
  (``**/`` also matches no folder at all); ``?`` zero or one of the preceding character (documented two ways, so a pattern with ``?`` is :class:`UnsupportedPattern`); ``+`` one or more of the
  preceding character; ``[a-z0-9]`` one listed character; ``\\`` escapes; a leading ``!`` negates (see
  :func:`github_filter`).
- **picomatch** (what dorny/paths-filter uses): ``*`` any run without ``/``; ``**`` as a whole segment any number
  of folders; ``?`` one character other than ``/``; ``[...]`` classes; ``{a,b}`` alternatives (not nested);
  a leading ``!`` negates. Extended globs (``@(…)``, ``+(…)``, ``!(…)``) are not supported.

A pattern this module cannot read exactly raises :class:`UnsupportedPattern`: callers treat the filter as
unknown rather than guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

GITHUB = "github"
PICOMATCH = "picomatch"


class UnsupportedPattern(ValueError):
    """A pattern using syntax this module does not translate exactly."""


def _class(pattern: str, i: int) -> tuple[str, int]:
    end = pattern.find("]", i + 2 if pattern.startswith("[!", i) or pattern.startswith("[^", i) else i + 1)
    if end < 0:
        raise UnsupportedPattern(f"unclosed '[' in {pattern!r}")
    body = pattern[i + 1:end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    return ("[^/" if negate else "[") + body.replace("]", "\\]") + "]", end + 1


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str, dialect: str = GITHUB) -> re.Pattern:
    """The regular expression for one pattern (without its leading ``!``), anchored at both ends."""
    out: list[str] = []
    i, n = 0, len(pattern)
    if dialect == PICOMATCH and re.search(r"[@+!*?]\(", pattern):
        raise UnsupportedPattern(f"extended glob in {pattern!r}")
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern.startswith("**", i):
            j = i + 2
            while j < n and pattern[j] == "*":
                j += 1
            segment = (i == 0 or pattern[i - 1] == "/") and (j == n or pattern[j] == "/")
            if dialect == PICOMATCH and not segment:
                out.append("[^/]*")
            elif j < n and pattern[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            else:
                out.append(".*")
            i = j
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            if dialect == GITHUB:
                # GitHub's docs have said both "zero or one of the preceding character" and "zero or one
                # character" (``Octoc?t`` matching ``Octocat``): too ambiguous to judge a filter on.
                raise UnsupportedPattern(f"'?' in {pattern!r} (documented two ways by GitHub)")
            else:
                out.append("[^/]")
            i += 1
        elif c == "+" and dialect == GITHUB:
            if not out:
                raise UnsupportedPattern(f"'+' with nothing before it in {pattern!r}")
            out.append("+")
            i += 1
        elif c == "[":
            text, i = _class(pattern, i)
            out.append(text)
        elif c == "{" and dialect == PICOMATCH:
            end = pattern.find("}", i)
            if end < 0 or "{" in pattern[i + 1:end]:
                raise UnsupportedPattern(f"nested or unclosed braces in {pattern!r}")
            choices = pattern[i + 1:end].split(",")
            out.append("(?:" + "|".join(compile_pattern(c, dialect).pattern[4:-3] if c else "" for c in choices) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    try:
        return re.compile(r"(?s:" + "".join(out) + r")\Z")
    except re.error as exc:
        raise UnsupportedPattern(f"{pattern!r}: {exc}") from None


def match(pattern: str, path: str, dialect: str = GITHUB) -> bool:
    """Whether ``path`` matches one pattern (a leading ``!`` is not special here)."""
    return compile_pattern(pattern, dialect).match(path) is not None


def github_filter(patterns, path: str) -> bool:
    """GitHub's ``paths`` list for one changed file: patterns apply in order, a later match decides, and a
    ``!`` pattern excludes what earlier ones included (``paths-ignore`` lists are read the same way)."""
    included = False
    for raw in patterns:
        pattern = str(raw)
        if pattern.startswith("!"):
            if included and match(pattern[1:], path, GITHUB):
                included = False
        elif not included and match(pattern, path, GITHUB):
            included = True
    return included


def picomatch_any(patterns, path: str, quantifier: str = "some") -> bool:
    """dorny/paths-filter's test of one file against one filter's patterns.

    ``quantifier`` is the action's ``predicate-quantifier``: ``some`` (the default: any pattern matches; a
    ``!x`` pattern matches every file that is not ``x``) or ``every`` (all patterns match).
    """
    results = []
    for raw in patterns:
        pattern = str(raw)
        if pattern.startswith("!"):
            results.append(not match(pattern[1:], path, PICOMATCH))
        else:
            results.append(match(pattern, path, PICOMATCH))
    if not results:
        return False
    return all(results) if quantifier == "every" else any(results)


def example_path(pattern: str) -> str:
    """A concrete path a (simple) pattern matches: ``contracts/**`` gives ``contracts/x.json``."""
    text = pattern.lstrip("!")
    text = re.sub(r"\*\*/", "", text)
    text = text.replace("**", "x.json").replace("*", "x")
    return text.strip("/") or "x.json"
