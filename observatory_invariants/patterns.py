"""Path patterns (git wildmatch, through pathspec), compiled once per pattern list. A leaf module.

Two matchers over the same pattern syntax:

* :func:`compile_patterns` — gitignore semantics: a pattern that names a folder matches everything inside it.
  For ``exclude`` and ``per-path-ignores`` (``vendor`` excludes ``vendor/x.py``).
* :func:`compile_globs` — layout globs, which select *files*: a pattern matches a file by the file's own path,
  never through a folder of the same name (``contracts/VERSIONS.md`` does not match
  ``contracts/VERSIONS.md/inner.txt``). Patterns ending in ``/`` or ``/**`` still select what is under a folder:
  that is what they say.
"""

from __future__ import annotations

import re
from functools import lru_cache

# pathspec's regex for a pattern that may also name a folder ends with this: "the path itself, or under it".
_FOLDER_SUFFIX = "(?:/|$)"


@lru_cache(maxsize=256)
def compile_patterns(patterns: tuple[str, ...]):
    """A pathspec PathSpec (gitignore semantics). Its matching backend is RE2's pattern set when google-re2 is
    installed (one pass per path, whatever the number of patterns); a set too big for RE2's memory budget falls
    back to pathspec's pattern-by-pattern matcher."""
    import pathspec

    try:
        return pathspec.PathSpec.from_lines("gitignore", patterns)
    except Exception as exc:
        if not type(exc).__module__.startswith("re2"):   # the set is over RE2's memory budget
            raise
        return pathspec.PathSpec.from_lines("gitignore", patterns, backend="simple")


def _re2_set(regexes: list[str]):
    """An RE2 set of ``regexes`` (``Match`` gives every matching index in one pass), or None when RE2 is not
    installed or the set does not fit its memory budget."""
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        return None
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    regex_set = re2.Set.SearchSet(options)
    try:
        for regex in regexes:
            regex_set.Add(regex)
        regex_set.Compile()
    except re2.error:
        return None
    return regex_set


class PatternIndex:
    """Which of many gitignore patterns match a path — every one of them, not only the last (for a table like
    per-path-ignores, whose patterns each carry their own value). Negated patterns select nothing here.

    Built once per pattern list; each path is answered in one pass through an RE2 set (per pattern with
    Python's ``re`` when the set does not fit RE2's budget) and remembered.
    """

    def __init__(self, patterns: tuple[str, ...]):
        from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

        self.patterns = patterns
        self._indices: list[int] = []
        regexes: list[str] = []
        for index, pattern in enumerate(patterns):
            regex, include = GitIgnoreBasicPattern.pattern_to_regex(pattern)
            if include and regex is not None:
                self._indices.append(index)
                regexes.append(regex)
        self._set = _re2_set(regexes) if regexes else None
        self._compiled = None if self._set is not None else [re.compile(r) for r in regexes]
        self._answers: dict[str, tuple[int, ...]] = {}

    def matching(self, path: str) -> tuple[int, ...]:
        """Indices (into ``patterns``) of the patterns matching ``path``, in order."""
        answer = self._answers.get(path)
        if answer is None:
            if self._set is not None:
                hits = sorted(self._indices[i] for i in (self._set.Match(path) or ()))
            else:
                hits = [self._indices[i] for i, regex in enumerate(self._compiled or ()) if regex.match(path)]
            answer = self._answers[path] = tuple(hits)
        return answer


class FileGlobs:
    """Layout globs as a file matcher (``match_file``), gitignore's last-match-wins order kept for ``!``."""

    def __init__(self, patterns: tuple[str, ...]):
        from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

        self.patterns = patterns
        steps: list[tuple[bool, str]] = []     # (include, regex), in order
        for pattern in patterns:   # pathspec's regexes, not its matcher (no per-pattern compile, no RE2 set)
            regex, include = GitIgnoreBasicPattern.pattern_to_regex(pattern)
            if include is None or regex is None:
                continue                       # a comment or a blank line
            if regex.endswith(_FOLDER_SUFFIX):
                regex = regex[: -len(_FOLDER_SUFFIX)] + "$"
            steps.append((include, regex))
        # Runs of patterns with the same sign become one alternation: one regex call per run, not per pattern.
        self._runs: list[tuple[bool, re.Pattern]] = []
        start = 0
        for i in range(1, len(steps) + 1):
            if i == len(steps) or steps[i][0] != steps[start][0]:
                self._runs.append((steps[start][0], re.compile("|".join(f"(?:{r})" for _, r in steps[start:i]))))
                start = i

    def match_file(self, path: str) -> bool:
        matched = False
        for include, regex in self._runs:
            if include != matched and regex.match(path):
                matched = include
        return matched


@lru_cache(maxsize=256)
def compile_globs(patterns: tuple[str, ...]) -> FileGlobs:
    return FileGlobs(tuple(patterns))


def path_matches(patterns: tuple[str, ...], path: str) -> bool:
    """gitignore semantics (a folder's name matches what is inside it)."""
    return bool(patterns) and compile_patterns(tuple(patterns)).match_file(path)


def glob_matches(patterns: tuple[str, ...], path: str) -> bool:
    """Layout-glob semantics: a file matches by its own path."""
    return bool(patterns) and compile_globs(tuple(patterns)).match_file(path)
