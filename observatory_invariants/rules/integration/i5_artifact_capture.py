"""I5: artifact capture runs on every harness run, in a finally block (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

I5 = Rule("I5", "Artifact capture runs on every harness run (finally block)", "integration", ("integration-harness",))
