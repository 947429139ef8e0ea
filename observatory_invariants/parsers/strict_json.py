"""Parse JSON text into a value or a problem with a position (never an exception).

Stricter than ``json.loads`` where JSON itself is: ``NaN``/``Infinity`` are not JSON, and a
duplicated key (whose first value ``json`` silently drops) is reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JsonProblem:
    message: str
    line: int | None = None
    column: int | None = None
    kind: str = "syntax"   # syntax | empty | too-deep | unreadable


class DuplicateKey(Exception):
    """Raised by :func:`unique_keys` for a key that appears twice in one object."""

    def __init__(self, key: str):
        self.key = key


def unique_keys(pairs):
    """``object_pairs_hook`` for ``json.loads`` that refuses a duplicated key (``json`` keeps the last copy)."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def _not_json_constant(name: str):
    raise ValueError(name)


def _second_occurrence(text: str, key: str) -> tuple[int, int]:
    matches = list(re.finditer(re.escape(json.dumps(key)) + r"\s*:", text))
    if len(matches) < 2:
        return 1, 1
    offset = matches[1].start()
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_json(text: str) -> tuple[Any, JsonProblem | None]:
    """``(value, None)`` or ``(None, problem)`` for empty, malformed or absurdly nested JSON."""
    if not text.strip():
        return None, JsonProblem("file is empty; expected a JSON document", 1, 1, "empty")
    try:
        return json.loads(text, object_pairs_hook=unique_keys, parse_constant=_not_json_constant), None
    except json.JSONDecodeError as exc:
        return None, JsonProblem(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except DuplicateKey as exc:
        line, column = _second_occurrence(text, exc.key)
        return None, JsonProblem(f"invalid JSON: key {exc.key!r} appears twice in one object (parsers keep "
                                 "different copies); remove one", line, column)
    except ValueError as exc:  # NaN / Infinity / -Infinity, or an integer too long for Python to convert
        if "integer string conversion" in str(exc):
            match = re.search(r"\d{4300,}", text)
            offset = match.start() if match else 0
            return None, JsonProblem("invalid JSON: an integer of more than 4,300 digits (no JSON reader "
                                     "keeps its value); write it as a string",
                                     text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
        match = re.search(rf"(?<![\w\"]){re.escape(str(exc))}(?![\w\"])", text)
        offset = match.start() if match else 0
        return None, JsonProblem(f"invalid JSON: {exc} is not a JSON value (use null or a number)",
                                 text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
    except RecursionError:
        return None, JsonProblem("JSON is nested too deeply to process (over Python's recursion limit)", 1, 1,
                                 "too-deep")
