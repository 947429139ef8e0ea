"""A3: the single test entrypoint exists and CI calls it (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

A3 = Rule("A3", "Single test entrypoint exists and CI calls it", "build", ("test-entrypoint", "workflows"),
          seed_check="run-all-tests.ps1")
