"""I7: every k8s workload has a service in the integration compose file (not implemented yet)."""

from __future__ import annotations

from ...declare import Rule

I7 = Rule("I7", "Every k8s workload has an integration compose service", "integration",
          ("k8s-manifests", "integration-compose"), seed_check="validate-compose-k8s-parity.ps1")
