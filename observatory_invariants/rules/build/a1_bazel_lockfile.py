"""A1: hermetic Bazel builds — .bazelrc enforces --lockfile_mode=error, MODULE.bazel.lock exists and is tracked
(not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

A1 = Rule("A1", "Hermetic Bazel builds (--lockfile_mode=error, tracked lock file)", "build",
          ("bazelrc", "bazel-module", "bazel-lock"), seed_check="Bazel --lockfile_mode=error")
