""".dockerignore with Docker's own semantics (moby/patternmatcher), not gitignore's.

Differences from gitignore that matter here: a pattern is anchored at the
context root (``foo`` is only ``./foo``, never ``a/foo``); ``*`` and ``?`` stay
inside one path segment (Go ``filepath.Match``); ``**`` crosses segments; a
pattern that matches a parent folder excludes everything under it, yet a
later ``!`` line can re-include a file inside an excluded folder; the last
matching line wins.

Reading follows moby's ``ignorefile.ReadAll``: a ``#`` in column 1 is a comment,
lines are trimmed, ``!`` marks an exception, each pattern is cleaned like Go's
``filepath.Clean`` and a leading ``/`` is dropped (so ``/foo``, ``./foo`` and
``foo/`` are all ``foo``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

_REGEX_SPECIAL = set(".+()|{}$")


class IgnorePatternError(ValueError):
    """A pattern Docker itself refuses (``docker build`` fails with it)."""

    def __init__(self, line: int, pattern: str, reason: str):
        super().__init__(f"line {line}: {pattern!r}: {reason}")
        self.line = line
        self.pattern = pattern
        self.reason = reason


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash paths (``posixpath.normpath`` keeps a leading ``//``)."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def _check_go_match_syntax(pattern: str) -> str | None:
    """Why Go's ``filepath.Match`` would reject ``pattern`` (ErrBadPattern), or None."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                return "ends with a lone backslash"
            i += 2
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            first = True
            closed = False
            while i < n:
                c = pattern[i]
                if c == "]" and not first:
                    closed = True
                    i += 1
                    break
                first = False
                if c == "\\":
                    i += 1
                    if i >= n:
                        return "has an unterminated character class"
                lo = pattern[i]
                i += 1
                if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
                    hi = pattern[i + 1]
                    if hi == "\\":
                        if i + 2 >= n:
                            return "has an unterminated character class"
                        hi = pattern[i + 2]
                        i += 1
                    if hi < lo:
                        return f"has a character range {lo}-{hi} that runs backwards"
                    i += 2
            if not closed:
                return "has an unterminated character class '['"
            continue
        if ch == "]":
            return "has an unmatched ']'"
        i += 1
    return None


def glob_to_regex(pattern: str, *, double_star: bool) -> str:
    """moby's translation of a pattern to a regular expression (``^…$``).

    ``double_star`` enables ``**`` (dockerignore); COPY sources use plain
    ``filepath.Match`` where ``**`` is just two ``*``.
    """
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if double_star and i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in _REGEX_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\\":
            if i + 1 < n:
                out.append(re.escape(pattern[i + 1]))
                i += 1
            else:
                out.append("\\\\")
        elif ch == "[":
            # a character class goes through as-is (Go and Python agree on [a-z], [^a])
            end = i + 1
            if end < n and pattern[end] == "^":
                end += 1
            if end < n and pattern[end] == "]":
                end += 1
            while end < n and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            out.append(pattern[i:end + 1].replace("[!", "[\\!", 1))
            i = end + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str           # cleaned, without the leading "!"
    exception: bool        # a "!" line: re-include
    line: int              # 1-based line in the ignore file
    regex: re.Pattern


def parse_dockerignore(text: str) -> tuple[list[IgnoreRule], list[IgnorePatternError]]:
    """The rules of a .dockerignore file, and the lines Docker would refuse (skipped here)."""
    rules: list[IgnoreRule] = []
    errors: list[IgnorePatternError] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("#"):
            continue
        pattern = raw.strip()
        if not pattern:
            continue
        exception = pattern.startswith("!")
        if exception:
            pattern = pattern[1:].strip()
            if not pattern:
                errors.append(IgnorePatternError(number, raw.strip(), 'a bare "!" excludes nothing; Docker refuses it'))
                continue
        pattern = go_clean(pattern)
        if len(pattern) > 1 and pattern.startswith("/"):
            pattern = pattern[1:]
        reason = _check_go_match_syntax(pattern)
        if reason:
            errors.append(IgnorePatternError(number, raw.strip(), f"is not a valid pattern: it {reason}"))
            continue
        try:
            regex = re.compile(glob_to_regex(pattern, double_star=True), re.DOTALL)
        except re.error as exc:
            errors.append(IgnorePatternError(number, raw.strip(), f"is not a valid pattern: {exc}"))
            continue
        rules.append(IgnoreRule(pattern, exception, number, regex))
    return rules, errors


class DockerIgnore:
    """Decides, for a path relative to the context root, whether Docker leaves it out."""

    def __init__(self, rules: list[IgnoreRule]):
        self.rules = rules
        self.has_exceptions = any(r.exception for r in rules)

    @classmethod
    def from_text(cls, text: str) -> DockerIgnore:
        return cls(parse_dockerignore(text)[0])

    def rule_for(self, path: str) -> IgnoreRule | None:
        """The rule that decides ``path`` (moby's MatchesOrParentMatches), or None when no rule applies.

        A path is excluded when the returned rule is not an exception.
        """
        path = go_clean(path).lstrip("/")
        parent = posixpath.dirname(path)
        parent_parts = parent.split("/") if parent else []
        prefixes = ["/".join(parent_parts[: i + 1]) for i in range(len(parent_parts))]
        matched = False
        deciding: IgnoreRule | None = None
        for rule in self.rules:
            # moby skips a rule that cannot change the verdict so far
            if rule.exception != matched:
                continue
            hit = rule.regex.match(path) is not None
            if not hit:
                hit = any(rule.regex.match(prefix) is not None for prefix in prefixes)
            if hit:
                matched = not rule.exception
                deciding = rule
        return deciding

    def excludes(self, path: str) -> bool:
        rule = self.rule_for(path)
        return rule is not None and not rule.exception


def ignore_file_candidates(context: str, dockerfile: str) -> list[str]:
    """Ignore files Docker consults for a build, most specific first (repo-relative paths).

    BuildKit reads ``<Dockerfile name>.dockerignore`` beside the Dockerfile in
    preference to the context's ``.dockerignore``; the classic builder only
    reads the latter.
    """
    specific = f"{dockerfile}.dockerignore"
    root_ignore = posixpath.join(context, ".dockerignore") if context not in ("", ".") else ".dockerignore"
    return [specific, root_ignore]
