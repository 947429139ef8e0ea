"""I3: the integration harness uses Docker Compose only (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

I3 = Rule("I3", "Integration harness is self-contained (Docker Compose only)", "integration", ("integration-harness",))
