"""LCOV tracefiles (``lcov.info``): ``TN``/``SF``/``FN``/``FNDA``/``DA``/``BRDA``/``end_of_record``.

Counted as ``lcov --summary`` (1.x and 2.x) counts: records naming the same ``SF`` are merged by
line (a line is hit if any record hit it), by function name and by (line, block, branch);
``LF``/``LH``/``FNF``/``FNH``/``BRF``/``BRH`` are the file's own claims, kept in ``declared``
only; a file with no ``DA`` line is left out, as lcov does; negative counts count as 0.
Unknown record types (``VER``, ``FNL``, ``FNA`` of newer lcov) are skipped.
"""

from __future__ import annotations

import re

from ._input import Content, decode_error, raw_lines
from ._merge import FileTable
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

FORMAT = "lcov"
# The common line, matched in one step (no nested quantifiers: linear time); anything else takes the careful path.
_BRDA = re.compile(r"BRDA:([0-9]{1,9}),([0-9]{1,4}),([0-9]{1,4}),(-|[0-9]{1,30})\r?\n?\Z")
_DA = re.compile(r"DA:([0-9]{1,30}),(-?[0-9]{1,30})(?:,[^,\r\n]*)?\r?\n?\Z")


_SUMMARY_KEYS = {"LF": ("lines", 1), "LH": ("lines", 0), "BRF": ("branches", 1), "BRH": ("branches", 0),
                 "FNF": ("functions", 1), "FNH": ("functions", 0)}
_DATA_KEYS = frozenset(("DA", "BRDA", "FN", "FNDA")) | frozenset(_SUMMARY_KEYS)


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
    number = 0
    da_match, brda_match = _DA.match, _BRDA.match
    try:
        for raw in raw_lines(data):
            number += 1
            fast = da_match(raw)
            if fast is not None and path is not None:   # the hot path: most of a tracefile is DA lines
                line_text, hits_text = fast.groups()
                line_no = int(line_text)
                if int(hits_text) > 0:
                    lines[line_no] = True
                elif line_no not in lines:
                    lines[line_no] = False
                continue
            fast = brda_match(raw) if raw[0] == "B" else None
            if fast is not None and path is not None:   # numeric gcc/llvm ids: packed as _branch_key packs them
                line_text, block, branch, taken = fast.groups()
                bkey = (int(line_text) << 32) | (int(block) << 16) | int(branch)
                has_branches = True
                if taken != "-" and int(taken) > 0:
                    branches[bkey] = (1, 1)
                elif bkey not in branches:
                    branches[bkey] = (0, 1)
                continue
            text = raw.rstrip("\r\n")
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            if not text.strip():
                continue
            if text == "end_of_record":
                if path is None:
                    raise CoverageReportError(source, "end_of_record without an SF: line opening the record", number)
                if lines:  # lcov drops files without line data
                    table.add(path, lines, branches if has_branches else None,
                              functions if has_functions else None)
                path, lines, branches, functions = None, {}, {}, {}
                has_branches = has_functions = False
                continue
            key, sep, value = text.partition(":")
            if not sep:
                raise CoverageReportError(source, f"not an LCOV line: {text[:60]!r}", number)
            if key in ("SF", "KF"):
                if path is not None:
                    raise CoverageReportError(source, f"SF: inside the record opened at line {opened_at}, which has "
                                                      "no end_of_record", number)
                if not value:
                    raise CoverageReportError(source, "SF: with no file name", number)
                path, opened_at, any_record = normalise_path(value), number, True
                continue
            if key not in _DATA_KEYS:
                continue   # TN, VER, and record types of newer lcov versions
            if path is None:
                raise CoverageReportError(source, f"{key}: outside a record (no SF: line before it)", number)
            if key == "DA":   # only the unusual spellings get here (spaces, a huge number, a malformed line)
                parts = value.split(",")
                if len(parts) < 2:
                    raise CoverageReportError(source, f"DA: needs line,count; got {value[:40]!r}", number)
                line_no = _int(parts[0], source, number, "DA line number")
                hits = _int(parts[1], source, number, "DA count", allow_negative=True)
                lines[line_no] = lines.get(line_no, False) or hits > 0
            elif key == "BRDA":
                # line,block,branch,taken. lcov 2 lets block carry an "e" (exception) prefix and branch be any
                # text (coverage.py writes "jump to line 3"): both are opaque ids; only line and taken are numbers.
                parts = value.split(",")
                if len(parts) < 4:
                    raise CoverageReportError(source, f"BRDA: needs line,block,branch,taken; got {value[:40]!r}",
                                              number)
                line_no = _int(parts[0], source, number, "BRDA line number")
                block, branch, taken_text = parts[1].strip(), ",".join(parts[2:-1]).strip(), parts[-1].strip()
                taken = 0 if taken_text == "-" else _int(taken_text, source, number, "BRDA taken")
                has_branches = True
                bkey = _branch_key(line_no, block, branch)
                if taken > 0:
                    branches[bkey] = (1, 1)
                elif bkey not in branches:
                    branches[bkey] = (0, 1)
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
                kind, slot = _SUMMARY_KEYS[key]
                declared[kind][slot] += amount
    except UnicodeDecodeError as exc:
        raise decode_error(exc, data, number, source) from None
    if path is not None:
        raise CoverageReportError(source, f"the record for {path!r} opened at line {opened_at} has no end_of_record "
                                          "(truncated file?)", opened_at)
    if not any_record:
        raise CoverageReportError(source, "no SF: record found: empty or not an LCOV tracefile")
    files = tuple(FileCoverage(p, lines=lc, branches=bc, functions=fc) for p, lc, bc, fc in table.items())
    return CoverageReport(FORMAT, source, files, ("lines", "branches", "functions"), "lines",
                          {k: Counter(v[0], v[1]) for k, v in declared.items() if v[1]})
