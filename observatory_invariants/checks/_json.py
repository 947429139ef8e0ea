"""Parse JSON text into a value or a problem with a position (never an exception)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JsonProblem:
    message: str
    line: int | None = None
    column: int | None = None


def parse_json(text: str) -> tuple[Any, JsonProblem | None]:
    """``(value, None)`` or ``(None, problem)`` for empty, malformed or absurdly nested JSON."""
    if not text.strip():
        return None, JsonProblem("file is empty; expected a JSON document", 1, 1)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, JsonProblem(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return None, JsonProblem("JSON is nested too deeply to process (over Python's recursion limit)", 1, 1)
