"""V7: every visual-test screenshot the specs name has a committed baseline for CI's platform (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

V7 = Rule("V7", "Visual test screenshots have committed baselines", "coverage", ("visual-tests",),
          seed_check="tests/visual/ Playwright snapshots")
