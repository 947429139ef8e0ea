"""Report content in any of the shapes callers have: bytes, str, a binary or a text stream.

Line formats (LCOV, Go profiles) are iterated line by line without holding the file; JSON
formats are read whole (their tools write them whole); XML is fed to the parser in chunks.
Everything is decoded as strict UTF-8: a bad byte is an error naming the line.
"""

from __future__ import annotations

import io
import json
from typing import IO, Any, Iterator, Union

from .model import CoverageReportError

Content = Union[bytes, bytearray, memoryview, str, IO[bytes], IO[str]]

CHUNK = 1 << 20
_BOM = "\ufeff"


def _is_text_stream(data) -> bool:
    return isinstance(data, io.TextIOBase) or hasattr(data, "encoding")


def _bad_utf8(data: Content) -> tuple[int, int] | None:
    """``(line, byte)`` of the first byte that is not UTF-8, found in a second pass (only after a failure)."""
    import codecs

    if isinstance(data, (bytes, bytearray, memoryview)):
        chunks = [bytes(data)]
    elif hasattr(data, "seekable") and data.seekable():
        data.seek(0)
        chunks = iter(lambda: data.read(CHUNK), b"")
    else:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    for chunk in chunks:
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # The decoder may hold up to 3 bytes of the previous chunk; their newlines were counted there.
            offset = max(exc.start - (len(exc.object) - len(chunk)), 0)
            return newlines + chunk.count(b"\n", 0, offset) + 1, exc.object[exc.start]
        newlines += chunk.count(b"\n")
    return None


def raw_lines(data: Content):
    """An iterable of decoded lines, each still ending in its newline (split on LF only, as Go and lcov split).
    Decoding is done by io.TextIOWrapper in C, strict UTF-8; a UnicodeDecodeError escapes from iteration: turn
    it into a CoverageReportError with :func:`decode_error`."""
    if isinstance(data, str):
        return io.StringIO(data, newline="\n")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline="\n")
    if _is_text_stream(data):
        return data
    # A wrapper around the caller's stream; it is never closed here, so the caller's stream stays open.
    return io.TextIOWrapper(data, encoding="utf-8", errors="strict", newline="\n")


def decode_error(exc: UnicodeDecodeError, data: Content, lines_read: int, source: str) -> CoverageReportError:
    """The error for content that is not UTF-8, with the exact line of the bad byte when it can be found."""
    found = None if _is_text_stream(data) or isinstance(data, str) else _bad_utf8(data)
    if found is not None:
        return CoverageReportError(source, f"not UTF-8 text (byte {found[1]:#04x})", found[0])
    return CoverageReportError(source, f"not UTF-8 text ({exc.reason}, at or after line {lines_read + 1})")


def iter_lines(data: Content, source: str) -> Iterator[tuple[int, str]]:
    """``(line_number, text)`` pairs, newline (and a CR before it) stripped, a leading BOM dropped."""
    number = 0
    try:
        for raw in raw_lines(data):
            number += 1
            if number == 1 and raw.startswith(_BOM):
                raw = raw[1:]
            if raw.endswith("\n"):
                raw = raw[:-2] if raw.endswith("\r\n") else raw[:-1]
            yield number, raw
    except UnicodeDecodeError as exc:
        raise decode_error(exc, data, number, source) from None


def read_text(data: Content, source: str) -> str:
    """The whole content as text (for JSON formats)."""
    if not isinstance(data, (bytes, bytearray, memoryview, str)):
        try:
            data = data.read()
        except UnicodeDecodeError as exc:
            raise CoverageReportError(source, f"not UTF-8 text ({exc.reason})") from None
    if isinstance(data, str):
        text = data
    else:
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise CoverageReportError(source, f"not UTF-8 text (byte {raw[exc.start]:#04x})", line) from None
    return text[1:] if text.startswith(_BOM) else text


def reject_json_constant(name: str):
    """``parse_constant`` for ``json.loads``: NaN and Infinity are not JSON (coverage reports and configs)."""
    raise ValueError(f"{name} is not a JSON number")


def load_json(data: Content, source: str) -> Any:
    """Parse a JSON report; empty, malformed, NaN/Infinity, absurd numbers or nesting are CoverageReportError."""
    text = read_text(data, source)
    if not text.strip():
        raise CoverageReportError(source, "the report is empty (no JSON document)")
    try:
        return json.loads(text, parse_constant=reject_json_constant)
    except json.JSONDecodeError as exc:
        raise CoverageReportError(source, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except ValueError as exc:     # NaN/Infinity, or an integer past Python's digit limit
        raise CoverageReportError(source, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise CoverageReportError(source, "JSON nested too deeply to read") from None


def iter_chunks(data: Content) -> Iterator[bytes]:
    """The content as UTF-8 byte chunks (str and text streams are encoded)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    if isinstance(data, str):
        for start in range(0, len(data), CHUNK):
            yield data[start:start + CHUNK].encode("utf-8", "surrogatepass")
        return
    while True:
        chunk = data.read(CHUNK)
        if not chunk:
            return
        yield chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else chunk


def count(value: Any, source: str, what: str, line: int | None = None) -> int:
    """A non-negative integer count from a JSON value (bools, floats, negatives are errors)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer() and value >= 0:
            return int(value)
        raise CoverageReportError(source, f"{what}: expected a non-negative integer, got {value!r:.60}", line)
    if value < 0:
        raise CoverageReportError(source, f"{what}: expected a non-negative integer, got {value}", line)
    return value

