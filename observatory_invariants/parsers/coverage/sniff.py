"""Pick a report's format from its name and first bytes, and read it.

The content decides where it can (a Go profile starts ``mode:``, LCOV with ``TN:``/``SF:``, XML with
``<``, coverage.py data with SQLite's magic); JSON formats are told apart by their first keys,
then by the conventional file name. ``format=`` skips the guessing.
"""

from __future__ import annotations

import io
import os
import re

from ._input import Content
from .model import CoverageReport, CoverageReportError

FORMATS = ("coverage.py-json", "coverage.py-xml", "coverage.py-data", "cobertura", "lcov", "go", "tarpaulin",
           "istanbul-summary", "istanbul-final")
_HEAD = 64 * 1024
_SQLITE = b"SQLite format 3\x00"
_LCOV_START = re.compile(rb"^(TN|SF|KF|VER):", re.M)


def _reader(fmt: str):
    # Imported on demand: each reader module is small, but the caller pays only for the one it needs.
    if fmt == "coverage.py-json":
        from .coverage_py import read_coverage_json as reader
    elif fmt == "coverage.py-xml":
        from .cobertura import read_coverage_xml as reader
    elif fmt == "cobertura":
        from .cobertura import read_cobertura as reader
    elif fmt == "lcov":
        from .lcov import read_lcov as reader
    elif fmt == "go":
        from .go import read_go_profile as reader
    elif fmt == "tarpaulin":
        from .tarpaulin import read_tarpaulin_json as reader
    elif fmt == "istanbul-summary":
        from .istanbul import read_istanbul_summary as reader
    elif fmt == "istanbul-final":
        from .istanbul import read_istanbul_final as reader
    else:
        raise ValueError(fmt)
    return reader


def sniff_format(name: str, head: bytes) -> str | None:
    """The format of a report called ``name`` whose content starts with ``head``, or None when unknown."""
    base = os.path.basename(name.replace("\\", "/")).lower()
    if head.startswith(_SQLITE):
        return "coverage.py-data"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"mode:"):
        return "go"
    if text.startswith(b"<"):
        return "coverage.py-xml" if b"coverage.py" in text[:4096] else "cobertura"
    if text.startswith(b"{"):
        first_key = re.match(rb'\{\s*"((?:[^"\\]|\\.){0,4096})"', text)
        key = first_key.group(1) if first_key else b""
        if key == b"meta" or (b'"meta"' in text and b'"totals"' in text):
            return "coverage.py-json"
        if key == b"files" or b'"coverable"' in text:
            return "tarpaulin"
        if key == b"total":
            return "istanbul-summary"
        if b'"statementMap"' in text:
            return "istanbul-final"
        if b'"pct"' in text:
            return "istanbul-summary"
        named = {"coverage-summary.json": "istanbul-summary", "coverage-final.json": "istanbul-final",
                 "tarpaulin-report.json": "tarpaulin", "coverage.json": "coverage.py-json"}
        return named.get(base)
    if _LCOV_START.search(text[:4096]) or base.endswith((".info", ".lcov")):
        return "lcov"
    return None


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read for sniffing."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        chunk = self._rest.read(len(buffer))
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogatepass")
        buffer[:len(chunk)] = chunk
        return len(chunk)


def read_report(name: str, data: Content, format: str | None = None,
                source_root: str | os.PathLike | None = None) -> CoverageReport:
    """Read a coverage report of any supported format.

    ``name`` is the report's file name (used in messages and as a format hint); ``data`` its content (bytes,
    str or a binary/text stream). With ``format`` (one of FORMATS) nothing is guessed. A coverage.py data file
    needs its sources to count statements: pass ``source_root`` and ``name`` as its path (see
    ``read_coverage_data``). Raises CoverageReportError for an unknown format and for any bad content.
    """
    if format is not None and format not in FORMATS:
        raise CoverageReportError(name, f"unknown report format {format!r} (known: {', '.join(FORMATS)})")
    fmt = format
    if fmt is None:
        if isinstance(data, (bytes, bytearray, memoryview)):
            head = bytes(data[:_HEAD])
        elif isinstance(data, str):
            head = data[:_HEAD].encode("utf-8", "surrogatepass")
        else:
            head = data.read(_HEAD)
            if isinstance(head, str):
                head = head.encode("utf-8", "surrogatepass")
            data = io.BufferedReader(_Prefixed(head, data), buffer_size=1 << 20)
        fmt = sniff_format(name, head)
        if fmt is None:
            if not head.strip():
                raise CoverageReportError(name, "the report is empty")
            raise CoverageReportError(name, "unrecognised coverage report format (supported: "
                                            f"{', '.join(FORMATS)}); name it with format=")
    if fmt == "coverage.py-data":
        if source_root is None:
            raise CoverageReportError(name, "a coverage.py data file needs its sources to count statements: read "
                                            "it with read_coverage_data(path, source_root)")
        from .coverage_py import read_coverage_data

        return read_coverage_data(name, source_root)
    return _reader(fmt)(data, name)
