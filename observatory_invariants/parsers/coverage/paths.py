"""Report paths: one spelling (forward slashes), and relative to a service folder.

Reports name files in many ways: absolute paths from the CI machine
(``/home/runner/work/repo/repo/src/services/tui/src/lib.rs``), repository-relative paths,
paths relative to the service, Go import paths (``example.com/metrics/validator/v.go``).
Thresholds, globs and sub-path thresholds are written relative to the service folder, so
every path is brought there before anything is matched.
"""

from __future__ import annotations

import dataclasses
import re

from .model import CoverageReport, CoverageReportError, FileCoverage

_DRIVE = re.compile(r"^[A-Za-z]:/")


def normalise_path(path: str) -> str:
    """Forward slashes, no ``./`` segments or doubled slashes; absolute paths stay absolute."""
    path = path.replace("\\", "/")
    if not path:
        return path
    drive = ""
    if _DRIVE.match(path):
        drive, path = path[:2], path[2:]
    absolute = path.startswith("/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    # ".." is kept (a report may name a sibling folder); only "x/.." pairs collapse.
    out: list[str] = []
    for part in parts:
        if part == ".." and out and out[-1] != "..":
            out.pop()
        else:
            out.append(part)
    joined = "/".join(out)
    return drive + ("/" if absolute else "") + joined


def is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(_DRIVE.match(path))


def relative_path(path: str, folder: str, roots: tuple[str, ...] = ()) -> str:
    """``path`` relative to the service ``folder`` (a repository-relative folder such as ``src/services/tui``).

    In order: strip the longest of ``roots`` (the report's source folders, the checkout folder, a Go module
    path) that prefixes the path; then strip ``folder/`` if the path starts with it; then, for an absolute
    path that still contains ``/folder/``, keep what follows its last occurrence (the checkout root differs
    between machines). A path matching none of these is taken as already relative to the service.
    """
    path = normalise_path(path)
    folder = normalise_path(folder).strip("/")
    for root in sorted((normalise_path(r).rstrip("/") for r in roots if r), key=len, reverse=True):
        if root and path.startswith(root + "/"):
            path = path[len(root) + 1:]
            break
    if folder in ("", "."):
        return path
    if path.startswith(folder + "/"):
        return path[len(folder) + 1:]
    if is_absolute(path):
        marker = "/" + folder + "/"
        at = path.rfind(marker)
        if at >= 0:
            return path[at + len(marker):]
    return path


def relative_to_folder(report: CoverageReport, folder: str, roots: tuple[str, ...] | None = None) -> CoverageReport:
    """The report with every path made relative to ``folder`` (see :func:`relative_path`); ``roots`` defaults
    to the roots the report names. Two entries that land on one path are a CoverageReportError (merging them
    would count a file twice)."""
    use_roots = report.roots if roots is None else tuple(roots)
    seen: dict[str, str] = {}
    files = []
    for item in report.files:
        new = relative_path(item.path, folder, use_roots)
        if new in seen:
            raise CoverageReportError(report.source, f"{item.path!r} and {seen[new]!r} are both {new!r} relative "
                                                     f"to {folder!r}")
        seen[new] = item.path
        files.append(FileCoverage(new, item.lines, item.statements, item.branches, item.functions))
    return dataclasses.replace(report, files=tuple(files))
