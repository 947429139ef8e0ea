"""cargo-tarpaulin's JSON report (``--out Json``, ``tarpaulin-report.json``).

``{"files": [{"path": ["/", "home", ..., "lib.rs"], "traces": [{"line", "stats": {"Line": n}}, ...],
"covered", "coverable"}], "coverage", "covered", "coverable"}``. Counted as tarpaulin counts
(``amount_coverable``/``amount_covered``): each ``Line`` trace is one coverable item, covered when
its count is above 0; a ``Branch`` trace is two (true, false) and a ``Condition`` two per
sub-condition. Its printed total, ``{:.2}% coverage, covered/coverable lines covered``, is the
sum of both, which is what ``lines`` holds here when a report has no branch traces (tarpaulin
writes none today); branch traces also go to ``branches``.
"""

from __future__ import annotations

from ._input import Content, count, load_json
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

FORMAT = "tarpaulin"


def _path(parts, source: str, index: int) -> str:
    if isinstance(parts, str):
        return normalise_path(parts)
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
        raise CoverageReportError(source, f"files[{index}].path: expected a list of path components")
    head, rest = parts[0], parts[1:]
    if head in ("/", "\\"):
        return normalise_path("/" + "/".join(rest))
    return normalise_path("/".join(parts))


def _logic(state, source: str, where: str) -> tuple[int, int]:
    if not isinstance(state, dict):
        raise CoverageReportError(source, f"{where}: expected {{\"been_true\", \"been_false\"}}")
    return int(bool(state.get("been_true"))) + int(bool(state.get("been_false"))), 2


def read_tarpaulin_json(data: Content, source: str = "tarpaulin-report.json") -> CoverageReport:
    """Read a tarpaulin JSON report into per-file line (and branch) counters."""
    document = load_json(data, source)
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise CoverageReportError(source, "not a tarpaulin JSON report (no \"files\" list)")
    files = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["files"]):
        if not isinstance(entry, dict):
            raise CoverageReportError(source, f"files[{index}]: expected an object")
        path = _path(entry.get("path"), source, index)
        if path in seen:
            raise CoverageReportError(source, f"files[{index}]: {path!r} is listed twice (also files[{seen[path]}])")
        seen[path] = index
        traces = entry.get("traces")
        if not isinstance(traces, list):
            raise CoverageReportError(source, f"files[{index}].traces: expected a list")
        line_cov = line_tot = br_cov = br_tot = 0
        for t_index, trace in enumerate(traces):
            where = f"files[{index}].traces[{t_index}].stats"
            stats = trace.get("stats") if isinstance(trace, dict) else None
            if not isinstance(stats, dict) or len(stats) != 1:
                raise CoverageReportError(source, f"{where}: expected one of Line, Branch, Condition")
            (kind, value), = stats.items()
            if kind == "Line":
                line_tot += 1
                line_cov += count(value, source, where + ".Line") > 0
            elif kind == "Branch":
                covered, total = _logic(value, source, where + ".Branch")
                br_cov, br_tot = br_cov + covered, br_tot + total
            elif kind == "Condition":
                if not isinstance(value, list):
                    raise CoverageReportError(source, f"{where}.Condition: expected a list")
                for state in value:
                    covered, total = _logic(state, source, where + ".Condition")
                    br_cov, br_tot = br_cov + covered, br_tot + total
            else:
                raise CoverageReportError(source, f"{where}: unknown trace kind {kind!r}")
        # tarpaulin's own number for the file counts branch outcomes as coverable items too.
        files.append(FileCoverage(path, lines=Counter(line_cov + br_cov, line_tot + br_tot),
                                  branches=Counter(br_cov, br_tot) if br_tot else None))
    declared = {}
    if isinstance(document.get("covered"), int) and isinstance(document.get("coverable"), int):
        declared["lines"] = Counter(document["covered"], document["coverable"])
    return CoverageReport(FORMAT, source, tuple(files), ("lines", "branches"), "lines", declared)
