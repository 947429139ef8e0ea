"""The one shape every coverage report is read into.

A report is a list of files, each with the counters its format measures (``lines``,
``statements``, ``branches``, ``functions``: covered of total). Every native tool this
package reads prints a total that is the plain sum of its per-file counters (after the
format's own de-duplication, done by the readers), so filtering files and re-summing gives
the same number the tool would print for the same files.

``statements+branches`` is coverage.py's figure when branch coverage is on: executed
statements plus executed branch destinations over statements plus branch destinations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

#: Measurement names a config or a caller may ask for.
MEASUREMENTS = ("lines", "statements", "branches", "functions", "statements+branches")


class CoverageReportError(ValueError):
    """A coverage report (or coverage.py data file) that cannot be read. The one exception the readers raise.

    ``str(error)`` is ``source:line: message`` (``source: message`` when the line is not known).
    """

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Counter:
    """``covered`` of ``total`` items (lines, statements, branch outcomes or functions)."""

    covered: int
    total: int

    def __add__(self, other: "Counter") -> "Counter":
        return Counter(self.covered + other.covered, self.total + other.total)

    @property
    def fraction(self) -> Fraction | None:
        """Exact covered share in percent, or None when there is nothing to cover (never a division by zero)."""
        return Fraction(100 * self.covered, self.total) if self.total else None

    @property
    def percent(self) -> float | None:
        """Covered share in percent (float), or None when ``total`` is 0."""
        return 100.0 * self.covered / self.total if self.total else None


ZERO = Counter(0, 0)


@dataclass(frozen=True, slots=True)
class FileCoverage:
    """One source file's counters; a counter is None when the format does not measure it."""

    path: str
    lines: Counter | None = None
    statements: Counter | None = None
    branches: Counter | None = None
    functions: Counter | None = None

    def counter(self, measurement: str) -> Counter | None:
        if measurement == "statements+branches":
            if self.statements is None:
                return None
            return self.statements + (self.branches or ZERO)
        if measurement not in MEASUREMENTS:
            raise ValueError(f"unknown measurement {measurement!r} (known: {', '.join(MEASUREMENTS)})")
        return getattr(self, measurement)


@dataclass(frozen=True)
class CoverageReport:
    """A whole report: its files (paths with forward slashes, unique), what the format measures, and the
    totals the file states about itself (``declared``, for cross-checks; never used for verdicts)."""

    format: str
    source: str
    files: tuple[FileCoverage, ...]
    measurements: tuple[str, ...]
    default_measurement: str
    declared: Mapping[str, Counter] = field(default_factory=dict)
    roots: tuple[str, ...] = ()   # source folders the report names (Cobertura <source>, Go module path, ...)

    def total(self, measurement: str | None = None) -> Counter:
        """The sum over files, as the native tool computes its total."""
        return sum_files(self.files, measurement or self.default_measurement, self)

    def native_total_text(self, measurement: str | None = None, precision: int | None = None) -> str:
        """The total formatted the way the report's own tool prints it (for messages and cross-checks)."""
        return format_native(self.format, self.total(measurement), precision)


def sum_files(files, measurement: str, report: CoverageReport | None = None) -> Counter:
    """Sum one measurement over files. A format that does not measure it raises CoverageReportError."""
    if report is not None and measurement not in report.measurements:
        raise CoverageReportError(report.source, f"a {report.format} report has no {measurement} data "
                                                 f"(it has: {', '.join(report.measurements)})")
    covered = total = 0
    for item in files:
        counter = item.counter(measurement)
        if counter is not None:
            covered += counter.covered
            total += counter.total
    return Counter(covered, total)


# --- How each tool prints its total -------------------------------------------------------------

def _coverage_py_display(counter: Counter, precision: int) -> str:
    # coverage.results.Numbers.pc_covered + display_covered: an empty measurement is 100%, and a total is
    # never shown as 0 or 100 unless it is exactly that.
    pc = 100.0 * counter.covered / counter.total if counter.total else 100.0
    near0 = 1.0 / 10 ** precision
    if 0 < pc < near0:
        pc = near0
    elif (100.0 - near0) < pc < 100:
        pc = 100.0 - near0
    else:
        pc = round(pc, precision)
    return "%.*f" % (precision, pc)


def _lcov_rate(counter: Counter, precision: int) -> str:
    # lcov's rate(): "-" for nothing found; never 0.0 when something was hit, never 100.0 when something was not.
    if counter.total == 0:
        return "-"
    rate = "%.*f" % (precision, counter.covered * 100 / counter.total)
    if float(rate) == 0 and counter.covered > 0:
        rate = "%.*f" % (precision, 1 / 10 ** precision)
    elif float(rate) == 100 and counter.covered != counter.total:
        rate = "%.*f" % (precision, 100 - 1 / 10 ** precision)
    return rate + "%"


def istanbul_pct(counter: Counter) -> float:
    """istanbul-lib-coverage's percent(): floored to 2 decimals with JavaScript's float steps; 100 when empty."""
    if counter.total > 0:
        return math.floor((1000 * 100 * counter.covered) / counter.total / 10) / 100
    return 100.0


def _js_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def format_native(fmt: str, counter: Counter, precision: int | None = None) -> str:
    """``counter`` as the tool behind ``fmt`` prints a total."""
    if fmt in ("coverage.py-json", "coverage.py-xml", "coverage.py-data"):
        return _coverage_py_display(counter, 0 if precision is None else precision)   # coverage report --format=total
    if fmt == "go":
        pct = 100.0 * counter.covered / (counter.total or 1)   # go tool cover -func: total with a 1 for 0
        return "%.1f%%" % pct
    if fmt == "lcov":
        return _lcov_rate(counter, 1 if precision is None else precision)    # lcov --summary
    if fmt == "tarpaulin":
        if counter.total == 0:
            return "No coverable lines found"
        return "%.2f%%" % (100.0 * counter.covered / counter.total)
    if fmt in ("istanbul-summary", "istanbul-final"):
        return _js_number(istanbul_pct(counter))
    if fmt == "cobertura":   # the line-rate / branch-rate attribute, as coverage.py and most writers format it
        return "1" if counter.total == 0 else "%.4g" % (counter.covered / counter.total)
    raise ValueError(f"unknown report format {fmt!r}")
