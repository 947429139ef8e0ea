"""Path patterns (git wildmatch, through pathspec), compiled once per pattern list. A leaf module."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def compile_patterns(patterns: tuple[str, ...]):
    import pathspec

    return pathspec.PathSpec.from_lines("gitignore", patterns)


def path_matches(patterns: tuple[str, ...], path: str) -> bool:
    return bool(patterns) and compile_patterns(tuple(patterns)).match_file(path)
