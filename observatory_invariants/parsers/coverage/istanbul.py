"""istanbul / nyc / c8 / vitest (v8 and istanbul providers): ``coverage-summary.json`` and ``coverage-final.json``.

Counted as istanbul-lib-coverage counts: ``statements`` are the entries of ``s`` (covered when the
count is above 0), ``functions`` those of ``f``, ``branches`` every slot of every ``b`` array;
``lines`` are the distinct start lines of the statements in ``statementMap``, a line covered
when its busiest statement ran. The summary's per-file blocks carry those numbers already;
its ``total`` block is the file's own claim (``declared``). istanbul calls an empty total 100%;
here it is an empty counter (percent None) and callers say so.
"""

from __future__ import annotations

from ._input import Content, count, load_json
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

MEASUREMENTS = ("lines", "statements", "branches", "functions")
_KINDS = ("lines", "statements", "branches", "functions")


def _summary_counter(block, source: str, where: str) -> Counter:
    if not isinstance(block, dict):
        raise CoverageReportError(source, f"{where}: expected {{\"total\", \"covered\", ...}}")
    covered = count(block.get("covered"), source, f"{where}.covered")
    total = count(block.get("total"), source, f"{where}.total")
    if covered > total:
        raise CoverageReportError(source, f"{where}: covered ({covered}) exceeds total ({total})")
    return Counter(covered, total)


def read_istanbul_summary(data: Content, source: str = "coverage-summary.json") -> CoverageReport:
    """Read a json-summary report: per file ``lines``/``statements``/``branches``/``functions`` blocks."""
    document = load_json(data, source)
    if not isinstance(document, dict):
        raise CoverageReportError(source, "not an istanbul coverage-summary.json (expected an object)")
    files = []
    declared = {}
    for name, entry in document.items():
        if not isinstance(entry, dict):
            raise CoverageReportError(source, f"{name!r}: expected an object of lines/statements/branches/functions")
        counters = {kind: _summary_counter(entry.get(kind), source, f"{name}.{kind}") for kind in _KINDS}
        if name == "total":
            declared = counters
            continue
        files.append(FileCoverage(normalise_path(name), **counters))
    if not declared and not files:
        raise CoverageReportError(source, "not an istanbul coverage-summary.json (no \"total\" and no files)")
    return CoverageReport("istanbul-summary", source, tuple(files), MEASUREMENTS, "statements", declared)


def _counts(mapping, source: str, where: str) -> dict:
    if not isinstance(mapping, dict):
        raise CoverageReportError(source, f"{where}: expected an object of counts")
    return mapping


def read_istanbul_final(data: Content, source: str = "coverage-final.json") -> CoverageReport:
    """Read a coverage-final.json (istanbul's raw per-file data: statementMap/s, fnMap/f, branchMap/b)."""
    document = load_json(data, source)
    if not isinstance(document, dict):
        raise CoverageReportError(source, "not an istanbul coverage-final.json (expected an object)")
    files = []
    for key, entry in document.items():
        if isinstance(entry, dict) and "s" not in entry and isinstance(entry.get("data"), dict):
            entry = entry["data"]   # the older {"path": {"data": {...}}} wrapping
        if not isinstance(entry, dict) or "s" not in entry or "statementMap" not in entry:
            raise CoverageReportError(source, f"{key!r}: not istanbul file coverage (no statementMap/s)")
        where = entry.get("path") or key
        statements = _counts(entry["s"], source, f"{where}.s")
        statement_map = _counts(entry["statementMap"], source, f"{where}.statementMap")
        covered = 0
        line_hits: dict[int, int] = {}
        for sid, value in statements.items():
            hits = count(value, source, f"{where}.s[{sid}]")
            covered += hits > 0
            location = statement_map.get(sid)
            if location is None:
                continue  # istanbul skips a count without a map entry for lines too
            try:
                line = location["start"]["line"]
            except (TypeError, KeyError):
                raise CoverageReportError(source, f"{where}.statementMap[{sid}]: no start.line") from None
            line = count(line, source, f"{where}.statementMap[{sid}].start.line")
            if hits > line_hits.get(line, -1):
                line_hits[line] = hits
        functions = _counts(entry.get("f", {}), source, f"{where}.f")
        f_covered = sum(count(v, source, f"{where}.f[{k}]") > 0 for k, v in functions.items())
        branches = _counts(entry.get("b", {}), source, f"{where}.b")
        b_covered = b_total = 0
        for bid, slots in branches.items():
            if not isinstance(slots, list):
                raise CoverageReportError(source, f"{where}.b[{bid}]: expected a list of counts")
            b_total += len(slots)
            b_covered += sum(count(v, source, f"{where}.b[{bid}]") > 0 for v in slots)
        files.append(FileCoverage(
            normalise_path(str(where)),
            lines=Counter(sum(1 for h in line_hits.values() if h > 0), len(line_hits)),
            statements=Counter(covered, len(statements)),
            branches=Counter(b_covered, b_total),
            functions=Counter(f_covered, len(functions)),
        ))
    return CoverageReport("istanbul-final", source, tuple(files), MEASUREMENTS, "statements")
