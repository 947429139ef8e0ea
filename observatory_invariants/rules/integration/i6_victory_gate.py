"""I6: the victory gate (3 green PRs + 1 nightly) needs human judgement: listed in the map, never checked."""

from __future__ import annotations

from ...declare import GOVERNANCE, Rule

I6 = Rule("I6", "Victory gate: 3 green PRs + 1 nightly", "integration", enforcement=GOVERNANCE)
