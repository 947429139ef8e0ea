"""coverage.py: its JSON report (``coverage json``) and its data file (``.coverage``).

Per file, ``statements`` are coverage.py's statements (it counts a statement on its first line,
so they are also its ``lines``) and ``branches`` its branch destinations (``num_branches``,
``covered_branches``) when branch coverage was measured. The total ``coverage report`` prints
is ``statements+branches``: (executed statements + executed branches) / (statements + branches).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ._input import Content, count, load_json
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

MEASUREMENTS = ("lines", "statements", "branches", "statements+branches")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _summary_counter(summary: dict, covered_key: str, total_key: str, source: str, where: str) -> Counter:
    covered = count(summary.get(covered_key), source, f"{where}.{covered_key}")
    total = count(summary.get(total_key), source, f"{where}.{total_key}")
    if covered > total:
        raise CoverageReportError(source, f"{where}: {covered_key} ({covered}) exceeds {total_key} ({total})")
    return Counter(covered, total)


def _from_json_document(document, source: str, fmt: str) -> CoverageReport:
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
        raise CoverageReportError(source, "not a coverage.py JSON report (no \"files\" object)")
    files = []
    branch = False
    for name, entry in document["files"].items():
        where = f"files[{name!r}].summary"
        summary = entry.get("summary") if isinstance(entry, dict) else None
        if not isinstance(summary, dict):
            raise CoverageReportError(source, f"{where}: missing")
        statements = _summary_counter(summary, "covered_lines", "num_statements", source, where)
        branches = None
        if "num_branches" in summary:
            branch = True
            branches = _summary_counter(summary, "covered_branches", "num_branches", source, where)
        files.append(FileCoverage(normalise_path(name), lines=statements, statements=statements, branches=branches))
    declared = {}
    totals = document.get("totals")
    if isinstance(totals, dict):
        try:
            declared["statements"] = _summary_counter(totals, "covered_lines", "num_statements", source, "totals")
            if "num_branches" in totals:
                declared["branches"] = _summary_counter(totals, "covered_branches", "num_branches", source, "totals")
        except CoverageReportError:
            declared = {}  # the claims are not the data; the files are
    measurements = MEASUREMENTS if branch else ("lines", "statements", "statements+branches")
    return CoverageReport(fmt, source, tuple(files), measurements, "statements+branches", declared)


def read_coverage_json(data: Content, source: str = "coverage.json") -> CoverageReport:
    """Read ``coverage json`` output (formats 1-3): per-file ``summary`` counters."""
    return _from_json_document(load_json(data, source), source, "coverage.py-json")


def _locate(recorded: str, source_root: Path) -> str:
    """Where a file the data recorded is now: as recorded if it exists; else under ``source_root`` (relative
    recordings, or the longest tail of an absolute path recorded on another machine)."""
    if os.path.isabs(recorded) and os.path.exists(recorded):
        return recorded
    parts = Path(recorded.replace("\\", "/")).parts
    if parts and (parts[0] == "/" or parts[0].endswith(":/") or parts[0].endswith(":\\")):
        parts = parts[1:]
    for start in range(len(parts)):
        candidate = source_root.joinpath(*parts[start:])
        if candidate.is_file():
            return str(candidate)
    return recorded


def read_coverage_data(data_file: str | os.PathLike, source_root: str | os.PathLike,
                       config_file: str | os.PathLike | None = None) -> CoverageReport:
    """Read a coverage.py data file (``.coverage``) through the ``coverage`` package's own API.

    Counting statements needs the measured source files, so this is the one reader that does I/O: it reads
    ``data_file``, looks for each measured file as recorded or under ``source_root`` (data recorded on another
    machine or with ``relative_files``), writes the relocated data and coverage.py's JSON report into a
    temporary folder it deletes, and reads that report. ``config_file`` is passed to ``coverage.Coverage``
    (exclusion pragmas, omit); by default no configuration file is read, so the result never depends on the
    current folder. Paths in the result are relative to ``source_root`` where they lie under it.
    """
    source = str(data_file)
    root = Path(source_root).resolve()
    try:
        with open(data_file, "rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise CoverageReportError(source, f"cannot read the data file: {exc.strerror or exc}") from None
    if head != _SQLITE_MAGIC:
        raise CoverageReportError(source, "not a coverage.py data file (coverage.py 5+ writes an SQLite database; "
                                          "this is not one)")
    try:
        import coverage  # lazy: large, and only this reader needs it
        from coverage.exceptions import CoverageException
    except ImportError as exc:  # pragma: no cover - coverage is a dependency
        raise CoverageReportError(source, f"the coverage package is not importable: {exc}") from None
    import sqlite3

    copy = ""
    try:
        with tempfile.TemporaryDirectory(prefix="obs-coverage-") as tmp:
            # Read a copy: coverage.py adds its schema to a database that lacks one, and the caller's file must
            # never change. read_only (coverage 7.10+) makes a foreign database an error instead.
            copy = os.path.join(tmp, "original.coverage")
            shutil.copyfile(data_file, copy)
            try:
                original = coverage.CoverageData(basename=copy, read_only=True)
            except TypeError:
                original = coverage.CoverageData(basename=copy)
            original.read()
            measured = original.measured_files()
            mapping = {name: _locate(name, root) for name in measured}
            relocated_file = os.path.join(tmp, ".coverage")
            relocated = coverage.CoverageData(basename=relocated_file)
            relocated.update(original, map_path=lambda name: mapping.get(name, name))
            relocated.write()
            cov = coverage.Coverage(data_file=relocated_file, config_file=config_file or False)
            cov.load()
            json_path = os.path.join(tmp, "coverage.json")
            missing = [name for name, where in mapping.items() if not os.path.exists(where)]
            if missing:
                raise CoverageReportError(source, f"no source for {missing[0]!r} (looked as recorded and under "
                                                  f"{str(root)!r}); {len(missing)} measured file(s) missing")
            if not measured:
                report = CoverageReport("coverage.py-data", source, (), ("lines", "statements", "statements+branches"),
                                        "statements+branches")
                return report
            cov.json_report(outfile=json_path, ignore_errors=False)
            with open(json_path, "rb") as handle:
                document = load_json(handle.read(), json_path)
    except (CoverageException, sqlite3.Error) as exc:
        message = str(exc).replace(repr(copy), repr(source)).replace(copy, source) if copy else str(exc)
        raise CoverageReportError(source, f"coverage.py cannot use this data file: {message}") from None
    except OSError as exc:
        raise CoverageReportError(source, f"cannot read the data or its sources: {exc}") from None
    report = _from_json_document(document, source, "coverage.py-data")
    root_text = normalise_path(str(root))
    here = os.getcwd()  # coverage.py names files under the current folder relative to it
    files = []
    for item in report.files:
        path = item.path if os.path.isabs(item.path) else normalise_path(os.path.join(here, item.path))
        if path.startswith(root_text + "/"):
            path = path[len(root_text) + 1:]
        files.append(FileCoverage(path, item.lines, item.statements, item.branches, item.functions))
    return CoverageReport(report.format, source, tuple(files), report.measurements, report.default_measurement,
                          report.declared, (root_text,))
