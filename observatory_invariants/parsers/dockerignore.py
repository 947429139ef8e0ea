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


# -- matching, in linear time -----------------------------------------------------------------------------
#
# moby translates each pattern to a Go regular expression (RE2: linear time). Python's ``re`` backtracks, so the
# same translation is exponential on ``a*a*a*…b`` or ``**/**/**/…``. Patterns are compiled here to a small token
# program instead and run as an NFA (a set of positions advanced one character at a time): O(pattern × path),
# whatever the pattern. Patterns with at most one wildcard, where backtracking cannot compound, keep using ``re``
# (C speed) for the common cases.

_LIT, _ANY, _CLASS, _STAR, _DSTAR, _DSTAR_END = range(6)


def _class_end(pattern: str, i: int) -> int:
    """Index just past the ``]`` closing the class that opens at ``pattern[i] == '['`` (-1 when unclosed)."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    first = True
    while j < n:
        c = pattern[j]
        if c == "]" and not first:
            return j + 1
        first = False
        j += 2 if c == "\\" else 1
    return -1


def _parse_class(body: str) -> tuple[bool, list[tuple[str, str]]]:
    negated = body.startswith("^")
    if negated:
        body = body[1:]
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        lo = body[i]
        if lo == "\\" and i + 1 < len(body):
            i += 1
            lo = body[i]
        i += 1
        hi = lo
        if i + 1 < len(body) and body[i] == "-":
            hi = body[i + 1]
            if hi == "\\" and i + 2 < len(body):
                hi = body[i + 2]
                i += 1
            i += 2
        ranges.append((lo, hi))
    return negated, ranges


def compile_glob(pattern: str, *, double_star: bool) -> list[tuple]:
    """The token program of a pattern (raises ValueError for a pattern Go's matcher refuses)."""
    reason = _check_go_match_syntax(pattern)
    if reason:
        raise ValueError(reason)
    prog: list[tuple] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if double_star and i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                token = (_DSTAR_END,) if i >= n else (_DSTAR,)
                if prog and prog[-1][0] == _DSTAR:       # (.*/)?(.*/)? is (.*/)?, (.*/)?.* is .*
                    prog.pop()
                prog.append(token)
                continue
            if not (prog and prog[-1][0] == _STAR):
                prog.append((_STAR,))
            i += 1
            continue
        if ch == "?":
            prog.append((_ANY,))
        elif ch == "[":
            end = _class_end(pattern, i)
            prog.append((_CLASS, *_parse_class(pattern[i + 1:end - 1])))
            i = end
            continue
        elif ch == "\\" and i + 1 < n:
            i += 1
            prog.append((_LIT, pattern[i]))
        else:
            prog.append((_LIT, ch))
        i += 1
    return prog


def _class_hit(token: tuple, c: str) -> bool:
    hit = any(lo <= c <= hi for lo, hi in token[2])
    return hit != token[1]


def run_glob(prog: list[tuple], name: str) -> bool:
    """Whether the token program matches the whole of ``name``: an NFA run, O(len(prog) × len(name)).

    State ``2k`` is "at token k"; state ``2k + 1`` is "inside the ``(.*/)?`` of token k" (it has consumed
    characters and must still end on a '/').
    """
    m = len(prog)

    def closure(states: set[int]) -> set[int]:
        stack = list(states)
        while stack:
            s = stack.pop()
            if s % 2 or s // 2 >= m:
                continue
            kind = prog[s // 2][0]
            if kind in (_STAR, _DSTAR, _DSTAR_END):     # each may match nothing
                nxt = s + 2
                if nxt not in states:
                    states.add(nxt)
                    stack.append(nxt)
        return states

    current = closure({0})
    for c in name:
        following: set[int] = set()
        for s in current:
            k = s // 2
            if k >= m:
                continue
            token = prog[k]
            kind = token[0]
            if s % 2:                                   # inside (.*/)?
                following.add(s)
                if c == "/":
                    following.add(2 * k + 2)
                continue
            if kind == _LIT:
                if c == token[1]:
                    following.add(s + 2)
            elif kind == _ANY:
                if c != "/":
                    following.add(s + 2)
            elif kind == _CLASS:
                if _class_hit(token, c):
                    following.add(s + 2)
            elif kind == _STAR:
                if c != "/":
                    following.add(s)
            elif kind == _DSTAR:
                following.add(s + 1)
                if c == "/":
                    following.add(s + 2)
            else:                                       # _DSTAR_END: .*
                following.add(s)
        if not following:
            return False
        current = closure(following)
    return 2 * m in current


def _wildcards(prog: list[tuple]) -> int:
    return sum(1 for t in prog if t[0] in (_STAR, _DSTAR, _DSTAR_END))


def _to_regex(prog: list[tuple]) -> str:
    """The pattern's body as a regular expression, unanchored (each engine anchors it its own way)."""
    out = []
    for token in prog:
        kind = token[0]
        if kind == _LIT:
            out.append(re.escape(token[1]))
        elif kind == _ANY:
            out.append("[^/]")
        elif kind == _CLASS:
            body = "".join(re.escape(lo) if lo == hi else f"{re.escape(lo)}-{re.escape(hi)}" for lo, hi in token[2])
            out.append(f"[{'^' if token[1] else ''}{body}]")
        elif kind == _STAR:
            out.append("[^/]*")
        elif kind == _DSTAR:
            out.append("(?:.*/)?")
        else:
            out.append(".*")
    return "".join(out)


def _linear_regex(prog: list[tuple]):
    """RE2 (linear time whatever the wildcards) for the whole name, or None when RE2 is missing or refuses it."""
    try:
        import re2
    except ImportError:   # the NFA below is the fallback
        return None
    options = re2.Options()
    options.dot_nl = True
    options.max_mem = 8 << 20
    try:
        return re2.compile(f"^(?:{_to_regex(prog)})$", options)   # RE2's $ is the end of the text only
    except re2.error:
        return None


class Glob:
    """A compiled pattern: ``re`` when it has at most one wildcard (no backtracking blow-up), else RE2 (linear
    time), else the NFA of :func:`run_glob` (same answers, pure Python, slower).

    The syntax is checked at once (a bad pattern raises ValueError); the program and the regex are built on the
    first match, so a 100,000-line ignore file only compiles the rules a path is tested against.
    """

    __slots__ = ("pattern", "double_star", "_prog", "_regex", "literal_head")

    def __init__(self, pattern: str, *, double_star: bool):
        reason = _check_go_match_syntax(pattern)
        if reason:
            raise ValueError(reason)
        self.pattern = pattern
        self.double_star = double_star
        self._prog = None
        self._regex = None
        head = pattern.split("/", 1)[0]
        self.literal_head = head if head and not any(ch in head for ch in "*?[\\") else None

    @property
    def prog(self) -> list[tuple]:
        if self._prog is None:
            self._prog = compile_glob(self.pattern, double_star=self.double_star)
            if _wildcards(self._prog) <= 1:
                self._regex = re.compile(rf"(?:{_to_regex(self._prog)})\Z", re.DOTALL)
            else:
                self._regex = _linear_regex(self._prog)
        return self._prog

    def match(self, name: str) -> bool:
        prog = self.prog
        if self._regex is not None:
            try:
                return self._regex.match(name) is not None
            except UnicodeEncodeError:   # RE2 takes UTF-8: a name git decoded with surrogateescape goes to the NFA
                return run_glob(prog, name)
        return run_glob(prog, name)


def match_glob(pattern: str, name: str, *, double_star: bool = False) -> bool:
    """Go ``filepath.Match`` (``double_star=False``: COPY sources) or moby's ignore-file matching; linear time."""
    return Glob(pattern, double_star=double_star).match(name)


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str           # cleaned, without the leading "!"
    exception: bool        # a "!" line: re-include
    line: int              # 1-based line in the ignore file
    glob: Glob


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
        try:
            glob = Glob(pattern, double_star=True)
        except ValueError as exc:
            errors.append(IgnorePatternError(number, raw.strip(), f"is not a valid pattern: it {exc}"))
            continue
        rules.append(IgnoreRule(pattern, exception, number, glob))
    return rules, errors


class DockerIgnore:
    """Decides, for a path relative to the context root, whether Docker leaves it out.

    Rules whose first path segment is a literal are indexed by it, so a path is only tested against the rules
    that can match it (a 100,000-line ignore file costs what the rules for that folder cost).
    """

    def __init__(self, rules: list[IgnoreRule]):
        self.rules = rules
        self.has_exceptions = any(r.exception for r in rules)
        self._by_head: dict[str, list[int]] = {}
        self._wild: list[int] = []
        for index, rule in enumerate(rules):
            head = rule.glob.literal_head
            if head is None:
                self._wild.append(index)
            else:
                self._by_head.setdefault(head, []).append(index)

    @classmethod
    def from_text(cls, text: str) -> DockerIgnore:
        return cls(parse_dockerignore(text)[0])

    def _candidates(self, head: str) -> list[int]:
        own = self._by_head.get(head)
        if not own:
            return self._wild
        if not self._wild:
            return own
        return sorted(own + self._wild)

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
        for index in self._candidates(path.split("/", 1)[0]):
            rule = self.rules[index]
            # moby skips a rule that cannot change the verdict so far
            if rule.exception != matched:
                continue
            hit = rule.glob.match(path) or any(rule.glob.match(prefix) for prefix in prefixes)
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
