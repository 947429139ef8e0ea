"""Coverage computations that are not rules: per-service totals, sub-path totals, threshold verdicts,
the ratchet (compare with a baseline, update it) and "thresholds only go up".

All pure: reports, configs and baselines in, results out. Percentages are compared exactly
(fractions, no rounding in the service's favour): 79.96% is below a min of 80 even though a tool
printing one decimal would show 80.0%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from ..parsers.coverage.model import Counter, CoverageReport, FileCoverage, sum_files
from ..parsers.coverage.paths import relative_to_folder
from .coverage_config import (Baseline, BaselineEntry, CoverageConfig, RatchetConfig, ServiceThreshold,
                              SubPathThreshold)

OK, WARN, FAIL, EMPTY = "ok", "warn", "fail", "empty"


def _spec(patterns: Sequence[str]):
    import pathspec

    return pathspec.PathSpec.from_lines("gitignore", list(patterns))


def select_files(files: Iterable[FileCoverage], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> tuple[FileCoverage, ...]:
    """The files matching ``include`` (all when empty) and not ``exclude`` (gitignore-style globs, matched
    against each file's path as given: make paths service-relative first)."""
    include_spec = _spec(include) if include else None
    exclude_spec = _spec(exclude) if exclude else None
    return tuple(f for f in files
                 if (include_spec is None or include_spec.match_file(f.path))
                 and (exclude_spec is None or not exclude_spec.match_file(f.path)))


def exact_percent(value: float | int) -> Fraction:
    """A config or baseline percentage as the decimal it was written as (80.1 is 801/10, not the binary float)."""
    return Fraction(repr(float(value))) if isinstance(value, float) else Fraction(value)


@dataclass(frozen=True)
class Measurement:
    """One measured number: which measurement, the counter, and over how many files."""

    measurement: str
    counter: Counter
    files: int

    @property
    def percent(self) -> float | None:
        return self.counter.percent

    @property
    def empty(self) -> bool:
        """Nothing to cover (no statements, or no files): say so, never divide by zero."""
        return self.counter.total == 0

    def floored(self, decimals: int = 2) -> float | None:
        """The percentage rounded down (a baseline stores this, so re-measuring never reads as a decrease)."""
        fraction = self.counter.fraction
        if fraction is None:
            return None
        scale = 10 ** decimals
        return math.floor(fraction * scale) / scale


def measure(report: CoverageReport, measurement: str | None = None, include: Sequence[str] = (),
            exclude: Sequence[str] = ()) -> Measurement:
    """The report's total for ``measurement`` (default: the format's own total) over the selected files.
    A measurement the format does not have raises CoverageReportError."""
    name = measurement or report.default_measurement
    files = select_files(report.files, include, exclude)
    return Measurement(name, sum_files(files, name, report), len(files))


def threshold_verdict(measured: Measurement | Counter, minimum: float, warn: float | None = None) -> str:
    """``fail`` below min, ``warn`` below warn, ``ok`` otherwise; ``empty`` when there is nothing to measure."""
    counter = measured.counter if isinstance(measured, Measurement) else measured
    fraction = counter.fraction
    if fraction is None:
        return EMPTY
    if fraction < exact_percent(minimum):
        return FAIL
    if warn is not None and fraction < exact_percent(warn):
        return WARN
    return OK


@dataclass(frozen=True)
class PathResult:
    pattern: str
    measured: Measurement
    verdict: str
    min: float
    warn: float
    rule: str | None


@dataclass(frozen=True)
class ServiceResult:
    service: str
    measured: Measurement
    verdict: str
    min: float
    warn: float
    rule: str | None
    paths: tuple[PathResult, ...] = ()


def service_report(report: CoverageReport, folder: str | None, roots: Sequence[str] | None = None) -> CoverageReport:
    """The report with paths relative to the service ``folder`` (None: as they are)."""
    if folder is None and not roots:
        return report
    return relative_to_folder(report, folder or "", None if roots is None else tuple(roots))


def evaluate_service(report: CoverageReport, threshold: ServiceThreshold) -> ServiceResult:
    """Hold one service's report (paths already relative to the service root) to its thresholds.

    ``include``/``exclude`` (and tarpaulin ``--exclude-files`` named in the measurement) are applied before
    anything is summed; each sub-path threshold is computed from the selected files under its pattern.
    """
    include, exclude = threshold.include, threshold.effective_exclude
    files = select_files(report.files, include, exclude)
    name = threshold.measurement or report.default_measurement
    measured = Measurement(name, sum_files(files, name, report), len(files))
    paths = []
    for sub in threshold.paths:
        under = select_files(files, (sub.pattern,))
        sub_name = sub.measurement or name
        sub_measured = Measurement(sub_name, sum_files(under, sub_name, report), len(under))
        paths.append(PathResult(sub.pattern, sub_measured, threshold_verdict(sub_measured, sub.min, sub.warn),
                                sub.min, sub.warn, sub.rule))
    return ServiceResult(threshold.name, measured, threshold_verdict(measured, threshold.min, threshold.warn),
                         threshold.min, threshold.warn, threshold.rule, tuple(paths))


# --- The ratchet ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RatchetResult:
    """A measurement held against its baseline entry. ``status``: ``ok``, ``decreased`` (below the baseline by
    more than the tolerance), ``new`` (no baseline entry), ``empty`` (nothing measured now), or
    ``incomparable`` (the baseline measured something else, e.g. lines instead of statements)."""

    service: str
    path: str | None
    status: str
    measured: float | None
    baseline: float | None
    drop: float | None = None     # percentage points below the baseline


def _measurements(results: Iterable[ServiceResult]):
    for result in results:
        yield result.service, None, result.measured
        for sub in result.paths:
            yield result.service, sub.pattern, sub.measured


def compare_with_baseline(results: Iterable[ServiceResult], baseline: Baseline,
                          tolerance: float = 0.0) -> list[RatchetResult]:
    """One RatchetResult per service and sub-path measured."""
    out = []
    allowed = exact_percent(tolerance)
    for service, path, measured in _measurements(results):
        entry = baseline.entries.get((service, path))
        current = measured.counter.fraction
        shown = measured.percent
        if entry is None:
            out.append(RatchetResult(service, path, "new", shown, None))
        elif entry.measurement != measured.measurement:
            out.append(RatchetResult(service, path, "incomparable", shown, entry.percent))
        elif current is None:
            out.append(RatchetResult(service, path, "empty", None, entry.percent))
        else:
            drop = exact_percent(entry.percent) - current
            status = "decreased" if drop > allowed else "ok"
            out.append(RatchetResult(service, path, status, shown, entry.percent, float(max(drop, 0))))
    return out


def ratchet_severity(result: RatchetResult, ratchet: RatchetConfig) -> str | None:
    """``error``/``warning`` for a decrease (per the config's mode), None otherwise or when the ratchet is off."""
    if not ratchet.enabled or result.status != "decreased":
        return None
    return "error" if ratchet.mode == "fail" else "warning"


@dataclass(frozen=True)
class BaselineChange:
    """What ``--update-baseline`` did to one entry: ``added``, ``raised``, ``lowered`` / ``replaced`` (only with
    allow_decrease), ``kept`` (a lower or incomparable measurement left the entry as it was)."""

    service: str
    path: str | None
    action: str
    old: float | None
    new: float | None


def update_baseline(baseline: Baseline, results: Iterable[ServiceResult],
                    allow_decrease: bool = False) -> tuple[Baseline, list[BaselineChange]]:
    """The baseline raised to the new measurements. An entry is never lowered, nor switched to another
    measurement, unless ``allow_decrease``; entries for services not measured now stay; empty measurements
    (nothing to cover) change nothing. Stored percentages are rounded down to 2 decimals."""
    entries = dict(baseline.entries)
    changes = []
    for service, path, measured in _measurements(results):
        if measured.empty:
            continue
        new_entry = BaselineEntry(measured.floored(), measured.measurement, measured.counter.covered,
                                  measured.counter.total)
        old = entries.get((service, path))
        if old is None:
            if path is not None and (service, None) not in entries:
                continue  # a sub-path entry lives inside its service's entry
            entries[(service, path)] = new_entry
            changes.append(BaselineChange(service, path, "added", None, new_entry.percent))
            continue
        comparable = old.measurement == new_entry.measurement
        higher = comparable and exact_percent(new_entry.percent) > exact_percent(old.percent)
        same = comparable and exact_percent(new_entry.percent) == exact_percent(old.percent)
        if higher or same:
            entries[(service, path)] = new_entry   # same percent: refresh the counts
            if higher:
                changes.append(BaselineChange(service, path, "raised", old.percent, new_entry.percent))
        elif allow_decrease:
            entries[(service, path)] = new_entry
            changes.append(BaselineChange(service, path, "lowered" if comparable else "replaced", old.percent,
                                          new_entry.percent))
        else:
            changes.append(BaselineChange(service, path, "kept", old.percent, new_entry.percent))
    return Baseline(entries), changes


# --- Thresholds only go up ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdChange:
    """A change between two configs that lets coverage fall unnoticed. ``kind``: ``min-lowered``,
    ``warn-lowered``, ``removed`` (a service or sub-path threshold is gone), ``measurement-changed``,
    ``exclude-added`` (files newly excluded), ``include-changed``."""

    service: str
    path: str | None
    kind: str
    old: object
    new: object


def lowered_thresholds(old: CoverageConfig, new: CoverageConfig) -> list[ThresholdChange]:
    """Every threshold the new config lowers or weakens compared with the old one, in the old config's order."""
    changes: list[ThresholdChange] = []

    def compare(service: str, path: str | None, before, after) -> None:
        if exact_percent(after.min) < exact_percent(before.min):
            changes.append(ThresholdChange(service, path, "min-lowered", before.min, after.min))
        if exact_percent(after.warn) < exact_percent(before.warn):
            changes.append(ThresholdChange(service, path, "warn-lowered", before.warn, after.warn))
        if (before.measurement or None) != (after.measurement or None):
            changes.append(ThresholdChange(service, path, "measurement-changed", before.measurement,
                                           after.measurement))

    for name, before in old.services.items():
        after = new.services.get(name)
        if after is None:
            changes.append(ThresholdChange(name, None, "removed", before.min, None))
            continue
        compare(name, None, before, after)
        added = [g for g in after.effective_exclude if g not in before.effective_exclude]
        if added:
            changes.append(ThresholdChange(name, None, "exclude-added", before.effective_exclude,
                                           after.effective_exclude))
        if tuple(before.include) != tuple(after.include):
            changes.append(ThresholdChange(name, None, "include-changed", before.include, after.include))
        new_paths: Mapping[str, SubPathThreshold] = {p.pattern: p for p in after.paths}
        for sub in before.paths:
            if sub.pattern not in new_paths:
                changes.append(ThresholdChange(name, sub.pattern, "removed", sub.min, None))
            else:
                compare(name, sub.pattern, sub, new_paths[sub.pattern])
    return changes


__all__ = [
    "EMPTY", "FAIL", "OK", "WARN", "BaselineChange", "Measurement", "PathResult", "RatchetResult", "ServiceResult",
    "ThresholdChange", "compare_with_baseline", "evaluate_service", "exact_percent", "lowered_thresholds", "measure",
    "ratchet_severity", "select_files", "service_report", "threshold_verdict", "update_baseline",
]
