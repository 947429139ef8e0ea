"""Markdown (GitHub-flavoured) pipe tables: header, rows and each cell's position.

A table is a header row, a delimiter row (``|---|:--:|``) and the body rows up to the first line that is not a
row. Cells are split on ``|`` except where it is escaped (``\\|``) or inside a code span (`` `a|b` ``); fenced code
blocks are skipped, so an example table inside ```` ``` ```` is not read. Pure: text in, tables out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DELIMITER_CELL = re.compile(r"^\s*:?-+:?\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Cell:
    text: str       # stripped, as written (markdown kept)
    column: int     # 1-based column of the cell's first non-blank character (of the '|' for an empty cell)


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[Cell, ...]

    def text(self, index: int) -> str | None:
        return self.cells[index].text if index < len(self.cells) else None


@dataclass(frozen=True)
class Table:
    line: int                    # the header's line
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, predicate) -> int | None:
        """The index of the first header cell ``predicate`` accepts (given the cell's plain text), or None."""
        for index, name in enumerate(self.header):
            if predicate(plain_text(name)):
                return index
        return None


def split_cells(line: str) -> list[Cell] | None:
    """The cells of one table line, or None when the line is not a row (no unescaped, unquoted ``|``)."""
    cells: list[Cell] = []
    start = 0
    i = 0
    n = len(line)
    pipes = 0
    code_ticks = 0
    while i < n:
        c = line[i]
        if c == "\\" and i + 1 < n:
            i += 2
            continue
        if c == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            if code_ticks == 0:
                # A code span opens only if a closing run of the same length follows.
                if line.find("`" * run, i + run) >= 0:
                    code_ticks = run
            elif run == code_ticks:
                code_ticks = 0
            i += run
            continue
        if c == "|" and code_ticks == 0:
            pipes += 1
            cells.append(_cell(line, start, i))
            start = i + 1
        i += 1
    if pipes == 0:
        return None
    cells.append(_cell(line, start, n))
    # A leading and a trailing pipe delimit the row rather than bound an empty cell.
    if cells and not cells[0].text and line.lstrip().startswith("|"):
        cells = cells[1:]
    if cells and not cells[-1].text and line.rstrip().endswith("|") and not line.rstrip().endswith("\\|"):
        cells = cells[:-1]
    return cells


def _cell(line: str, start: int, end: int) -> Cell:
    raw = line[start:end]
    stripped = raw.strip()
    offset = len(raw) - len(raw.lstrip())
    return Cell(stripped.replace("\\|", "|"), start + offset + 1 if stripped else start + 1)


def tables(text: str) -> list[Table]:
    """Every pipe table of a markdown document, outside fenced code blocks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[Table] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            i += 1
            continue
        if fence_match:
            fence = fence_match.group(1)
            i += 1
            continue
        header = split_cells(line) if "|" in line else None
        delimiter = split_cells(lines[i + 1]) if header and i + 1 < len(lines) and "-" in lines[i + 1] else None
        if not header or not delimiter or not all(_DELIMITER_CELL.match(c.text) for c in delimiter):
            i += 1
            continue
        rows: list[Row] = []
        j = i + 2
        while j < len(lines):
            if not lines[j].strip() or _FENCE.match(lines[j]):
                break
            cells = split_cells(lines[j])
            if cells is None:
                break
            rows.append(Row(j + 1, tuple(cells)))
            j += 1
        found.append(Table(i + 1, tuple(c.text for c in header), tuple(rows)))
        i = j
    return found


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|\*|~~)(.+?)\1|(?<!\w)(__|_)(.+?)\3(?!\w)")
_TAG = re.compile(r"<[^>]+>")


def plain_text(cell: str) -> str:
    """A cell's text without markdown: links keep their text, code spans their content, no emphasis or tags."""
    text = _LINK.sub(r"\1", cell)
    text = text.replace("`", "")
    previous = None
    while previous != text:
        previous = text
        text = _EMPHASIS.sub(lambda m: m.group(2) if m.group(1) else m.group(4), text)
    return _TAG.sub("", text).strip()
