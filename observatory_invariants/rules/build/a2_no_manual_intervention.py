"""A2: no manual intervention — a governance promise: listed in the map, never checked."""

from __future__ import annotations

from ...declare import GOVERNANCE, Rule

A2 = Rule("A2", "No manual intervention", "build", enforcement=GOVERNANCE)
