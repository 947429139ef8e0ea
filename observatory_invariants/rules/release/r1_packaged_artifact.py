"""R1: the release workflow tests the packaged artifact before publishing (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

R1 = Rule("R1", "The release workflow tests the packaged artifact before publishing", "release",
          ("release-workflow",), seed_check="release.yml test-packaged job")
