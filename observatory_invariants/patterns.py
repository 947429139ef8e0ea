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
    import pathspec

    return pathspec.PathSpec.from_lines("gitignore", patterns)


class FileGlobs:
    """Layout globs as a file matcher (``match_file``), gitignore's last-match-wins order kept for ``!``."""

    def __init__(self, patterns: tuple[str, ...]):
        self.patterns = patterns
        steps: list[tuple[bool, str]] = []     # (include, regex), in order
        for pattern in compile_patterns(patterns).patterns:
            if pattern.include is None or pattern.regex is None:
                continue                       # a comment or a blank line
            regex = pattern.regex.pattern
            if regex.endswith(_FOLDER_SUFFIX):
                regex = regex[: -len(_FOLDER_SUFFIX)] + "$"
            steps.append((pattern.include, regex))
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
