"""LCOV tracefiles (``lcov.info``): ``TN``/``SF``/``FN``/``FNDA``/``DA``/``BRDA``/``end_of_record``.

Counted as ``lcov --summary`` (1.x and 2.x) counts: records naming the same ``SF`` are merged by
line (a line is hit if any record hit it), by function name and by (line, block, branch);
``LF``/``LH``/``FNF``/``FNH``/``BRF``/``BRH`` are the file's own claims, kept in ``declared``
only; a file with no ``DA`` line is left out, as lcov does; negative counts count as 0.
Unknown record types (``VER``, ``FNL``, ``FNA`` of newer lcov) are skipped.
"""

from __future__ import annotations

from ._input import Content, iter_lines
from ._merge import FileTable
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

FORMAT = "lcov"


def _int(text: str, source: str, line: int, what: str, allow_negative: bool = False) -> int:
    text = text.strip()
    digits = text[1:] if allow_negative and text.startswith("-") else text
    if not digits.isdigit() or not digits.isascii():
        raise CoverageReportError(source, f"{what}: {text[:40]!r} is not an integer", line)
    if len(digits) > 30:   # no tool writes such counts; refuse before int() meets Python's digit limit
        raise CoverageReportError(source, f"{what}: {text[:40]!r}... is too large ({len(digits)} digits)", line)
    return int(text)


def _branch_key(line: int, block: str, branch: str):
    # Numeric ids (gcc, llvm) are packed into one int so a finished record's branches fit in an array (see
    # _merge); other ids stay a tuple.
    if (line < (1 << 31) and block.isdigit() and branch.isdigit() and len(block) < 6 and len(branch) < 6
            and int(block) < (1 << 16) and int(branch) < (1 << 16)):
        return (line << 32) | (int(block) << 16) | int(branch)
    return (line, block, branch)


def read_lcov(data: Content, source: str = "lcov.info") -> CoverageReport:
    """Read an LCOV tracefile. A record not closed by ``end_of_record``, a second ``SF`` inside a record, a
    data line outside a record or a malformed number raise CoverageReportError naming the line."""
    table = FileTable()
    declared = {"lines": [0, 0], "branches": [0, 0], "functions": [0, 0]}
    path = None
    opened_at = 0
    lines: dict[int, bool] = {}
    branches: dict = {}
    functions: dict[str, bool] = {}
    has_branches = has_functions = False
    any_record = False
    for number, text in iter_lines(data, source):
        if not text.strip():
            continue
        if text == "end_of_record":
            if path is None:
                raise CoverageReportError(source, "end_of_record without an SF: line opening the record", number)
            if lines:  # lcov drops files without line data
                table.add(path, lines, branches if has_branches else None, functions if has_functions else None)
            path, lines, branches, functions = None, {}, {}, {}
            has_branches = has_functions = False
            continue
        key, sep, value = text.partition(":")
        if not sep:
            raise CoverageReportError(source, f"not an LCOV line: {text[:60]!r}", number)
        if key in ("SF", "KF"):
            if path is not None:
                raise CoverageReportError(source, f"SF: inside the record opened at line {opened_at}, which has no "
                                                  "end_of_record", number)
            if not value:
                raise CoverageReportError(source, "SF: with no file name", number)
            path, opened_at, any_record = normalise_path(value), number, True
            continue
        if key in ("TN", "VER") or key not in ("DA", "BRDA", "FN", "FNDA", "LF", "LH", "BRF", "BRH", "FNF", "FNH"):
            continue
        if path is None:
            raise CoverageReportError(source, f"{key}: outside a record (no SF: line before it)", number)
        if key == "DA":
            parts = value.split(",")
            if len(parts) < 2:
                raise CoverageReportError(source, f"DA: needs line,count; got {value[:40]!r}", number)
            line_no = _int(parts[0], source, number, "DA line number")
            hits = _int(parts[1], source, number, "DA count", allow_negative=True)
            lines[line_no] = lines.get(line_no, False) or hits > 0
        elif key == "BRDA":
            # line,block,branch,taken. lcov 2 lets block carry an "e" (exception) prefix and branch be any text
            # (coverage.py writes "jump to line 3"): both are opaque ids here, only line and taken are numbers.
            parts = value.split(",")
            if len(parts) < 4:
                raise CoverageReportError(source, f"BRDA: needs line,block,branch,taken; got {value[:40]!r}", number)
            line_no = _int(parts[0], source, number, "BRDA line number")
            block, branch, taken_text = parts[1].strip(), ",".join(parts[2:-1]).strip(), parts[-1].strip()
            taken = 0 if taken_text == "-" else _int(taken_text, source, number, "BRDA taken")
            has_branches = True
            bkey = _branch_key(line_no, block, branch)
            old = branches.get(bkey, (0, 1))
            branches[bkey] = (1 if taken > 0 or old[0] else 0, 1)
        elif key == "FN":
            # lcov 1.x: FN:line,name   lcov 2.x: FN:start,end,name
            first, _, rest = value.partition(",")
            _int(first, source, number, "FN line number")
            head, _, tail = rest.partition(",")
            name = tail if tail and head.strip().isdigit() else rest
            if not name:
                raise CoverageReportError(source, f"FN: needs line,name; got {value[:40]!r}", number)
            has_functions = True
            functions.setdefault(name, False)
        elif key == "FNDA":
            hits_text, _, name = value.partition(",")
            hits = _int(hits_text, source, number, "FNDA count", allow_negative=True)
            if not name:
                raise CoverageReportError(source, f"FNDA: needs count,name; got {value[:40]!r}", number)
            has_functions = True
            functions[name] = functions.get(name, False) or hits > 0
        else:
            amount = _int(value, source, number, key)
            slot = {"LF": ("lines", 1), "LH": ("lines", 0), "BRF": ("branches", 1), "BRH": ("branches", 0),
                    "FNF": ("functions", 1), "FNH": ("functions", 0)}[key]
            declared[slot[0]][slot[1]] += amount
    if path is not None:
        raise CoverageReportError(source, f"the record for {path!r} opened at line {opened_at} has no end_of_record "
                                          "(truncated file?)", opened_at)
    if not any_record:
        raise CoverageReportError(source, "no SF: record found: empty or not an LCOV tracefile")
    files = tuple(FileCoverage(p, lines=lc, branches=bc, functions=fc) for p, lc, bc, fc in table.items())
    return CoverageReport(FORMAT, source, files, ("lines", "branches", "functions"), "lines",
                          {k: Counter(v[0], v[1]) for k, v in declared.items() if v[1]})
