"""I4: the harness's runtime budget is at most 180 s and CI's timeout covers it (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

I4 = Rule("I4", "Integration runtime budget is at most 180 s and CI's timeout covers it", "integration",
          ("integration-harness", "workflows"), seed_check="integration-harness.ps1 timeout")
