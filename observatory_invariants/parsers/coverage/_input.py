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


def _binary_stream(data: Content):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(data)   # iterating a BytesIO yields lines lazily, no list of 5 million lines
    return None


def iter_lines(data: Content, source: str) -> Iterator[tuple[int, str]]:
    """``(line_number, text)`` pairs, newline (and a CR before it) stripped, a leading BOM dropped."""
    if isinstance(data, str):
        data = io.StringIO(data)
    stream = _binary_stream(data) or data
    number = 0
    iterator = iter(stream)
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:  # a text stream decoding for us
            raise CoverageReportError(source, f"not UTF-8 text ({exc.reason})", number + 1) from None
        number += 1
        if isinstance(raw, (bytes, bytearray)):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CoverageReportError(source, f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                                                  f"column {exc.start + 1})", number) from None
        if number == 1 and raw.startswith(_BOM):
            raw = raw[1:]
        yield number, raw.rstrip("\n").rstrip("\r")


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


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def load_json(data: Content, source: str) -> Any:
    """Parse a JSON report; empty, malformed, NaN/Infinity, absurd numbers or nesting are CoverageReportError."""
    text = read_text(data, source)
    if not text.strip():
        raise CoverageReportError(source, "the report is empty (no JSON document)")
    try:
        return json.loads(text, parse_constant=_reject_constant)
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


def expect(condition: bool, source: str, message: str, line: int | None = None) -> None:
    if not condition:
        raise CoverageReportError(source, message, line)
