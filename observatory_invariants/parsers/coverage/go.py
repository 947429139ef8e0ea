"""Go cover profiles (``go test -coverprofile``): ``mode: set|count|atomic`` then
``file.go:startLine.startCol,endLine.endCol numStmt count`` lines.

Counted as ``go tool cover -func`` counts its total: blocks at the same position in one file are
merged (``set``: hit if either hit; ``count``/``atomic``: counts added; a different statement
count for the same block is an error, as in Go), then statements are weighted by block: a block
of ``numStmt`` statements is covered when its count is above 0. (``-func`` sums per function;
``go test`` puts every block inside a function, so the sums agree.) Numbers are parsed as Go's
``strconv.Atoi`` does on 64-bit platforms: anything past 2^63-1 is an error.
"""

from __future__ import annotations

import re

from ._input import Content, iter_lines
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

FORMAT = "go"
MODES = ("set", "count", "atomic")
_INT_MAX = (1 << 63) - 1
# Anchored at the end and free of nested quantifiers: matched right to left like Go's parser, no backtracking blow-up.
_BLOCK = re.compile(r":(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)\Z")
_MODULE = re.compile(r"^\s*module\s+(\"[^\"]+\"|\S+)", re.M)


def go_module_path(go_mod_text: str) -> str | None:
    """The ``module`` path a go.mod declares (profiles name files by it: strip it with
    ``relative_to_folder(report, "", roots=(module,))``)."""
    match = _MODULE.search(go_mod_text)
    return match.group(1).strip('"') if match else None


def read_go_profile(data: Content, source: str = "coverage.out") -> CoverageReport:
    """Read a Go cover profile into per-file statement counters."""
    mode = None
    blocks: dict[str, dict[tuple[int, int, int, int], list[int]]] = {}
    for number, text in iter_lines(data, source):
        if mode is None:
            if not text.startswith("mode: ") or text == "mode: ":
                raise CoverageReportError(source, f"bad mode line {text[:60]!r}: a Go cover profile starts with "
                                                  "'mode: set|count|atomic'", number)
            mode = text[len("mode: "):]
            if mode not in MODES:
                raise CoverageReportError(source, f"unknown cover mode {mode!r} (expected set, count or atomic)", number)
            continue
        match = _BLOCK.search(text)
        if match is None or match.start() == 0:
            raise CoverageReportError(source, f"line {text[:80]!r} does not match "
                                              "'file.go:line.col,line.col numStmt count'", number)
        values = [int(g) if len(g) < 20 else _INT_MAX + 1 for g in match.groups()]
        if any(v > _INT_MAX for v in values):
            raise CoverageReportError(source, f"a number in {text[:80]!r} is out of range (over 2^63-1)", number)
        name = text[:match.start()]
        start_line, start_col, end_line, end_col, statements, count = values
        per_file = blocks.setdefault(name, {})
        position = (start_line, start_col, end_line, end_col)
        old = per_file.get(position)
        if old is None:
            per_file[position] = [statements, count]
            continue
        if old[0] != statements:
            raise CoverageReportError(source, f"inconsistent NumStmt for {name}:{start_line}.{start_col}: changed "
                                              f"from {old[0]} to {statements}", number)
        old[1] = (old[1] | count) if mode == "set" else old[1] + count
    if mode is None:
        raise CoverageReportError(source, "the profile is empty (no 'mode:' line)")
    files = []
    for name, per_file in blocks.items():
        total = sum(s for s, _ in per_file.values())
        covered = sum(s for s, c in per_file.values() if c > 0)
        files.append(FileCoverage(normalise_path(name), statements=Counter(covered, total)))
    # Go's names are import paths, never absolute: no source root to declare.
    return CoverageReport(FORMAT, source, tuple(files), ("statements",), "statements")
