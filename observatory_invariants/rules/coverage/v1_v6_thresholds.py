"""V1–V6, V2a: each service's coverage meets the threshold coverage-config.json gives it (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

_READS = ("coverage-config",)

V1 = Rule("V1", "Processor coverage meets its threshold", "coverage", _READS, seed_check="check-coverage.py processor")
V2 = Rule("V2", "metrics-engine coverage meets its threshold", "coverage", _READS,
          seed_check="check-coverage.py metrics-engine")
V2a = Rule("V2a", "metrics-engine/validator subpackage coverage meets its threshold", "coverage", _READS,
           seed_check="check-coverage.py metrics-engine (subpkg)")
V3 = Rule("V3", "read-model coverage meets its threshold", "coverage", _READS, seed_check="check-coverage.py read-model")
V4 = Rule("V4", "TUI lib coverage meets its threshold", "coverage", _READS, seed_check="check-coverage.py tui")
V5 = Rule("V5", "Gateway coverage meets its threshold", "coverage", _READS, seed_check="vitest --coverage")
V6 = Rule("V6", "web-pty-server coverage meets its threshold", "coverage", _READS,
          seed_check="check-coverage.py web-pty-server")
