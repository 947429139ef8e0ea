"""Line and column of a JSON pointer in JSON text.

The json module gives values, not positions; findings need positions. This
walks the text along one pointer only, iteratively (no recursion, so 10,000-deep
documents are fine), skipping sibling values with a bracket counter that knows
strings. It assumes text json.loads already accepted.
"""

from __future__ import annotations

import json
import re

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^,\]}\s]+")


def _skip_ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _skip_value(text: str, i: int) -> int:
    """Index just past the value starting at ``i``."""
    ch = text[i]
    if ch == '"':
        return _STRING.match(text, i).end()
    if ch not in "[{":
        return _SCALAR.match(text, i).end()
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _STRING.match(text, i).end()
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def offset_of(text: str, pointer: str | list) -> int:
    """Offset of the deepest value along ``pointer`` that exists (its key, for object members)."""
    parts = pointer if isinstance(pointer, list) else [_unescape(p) for p in pointer.split("/")[1:]] if pointer else []
    i = _skip_ws(text, 0)
    best = i
    for part in parts:
        if i >= len(text):
            break
        ch = text[i]
        found = False
        if ch == "{":
            i = _skip_ws(text, i + 1)
            while i < len(text) and text[i] == '"':
                key_start = i
                key_end = _STRING.match(text, i).end()
                key = json.loads(text[key_start:key_end])
                i = _skip_ws(text, key_end) + 1  # past ':'
                i = _skip_ws(text, i)
                if key == str(part):
                    best = key_start
                    found = True
                    break
                i = _skip_ws(text, _skip_value(text, i))
                if i < len(text) and text[i] == ",":
                    i = _skip_ws(text, i + 1)
        elif ch == "[":
            try:
                wanted = int(part)
            except (TypeError, ValueError):
                break
            i = _skip_ws(text, i + 1)
            index = 0
            while i < len(text) and text[i] != "]":
                if index == wanted:
                    best = i
                    found = True
                    break
                i = _skip_ws(text, _skip_value(text, i))
                if i < len(text) and text[i] == ",":
                    i = _skip_ws(text, i + 1)
                index += 1
        if not found:
            break
    return best


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def locate(text: str, pointer: str | list) -> tuple[int, int]:
    """1-based (line, column) where ``pointer`` points in ``text``; the nearest existing parent otherwise."""
    try:
        return line_col(text, offset_of(text, pointer))
    except (AttributeError, IndexError, ValueError):  # text json did not accept; point at the top
        return 1, 1


def pointer(parts) -> str:
    """RFC 6901 pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
