"""Integration gate and harness hygiene: the gate runs when contracts or services change (I1/I2), the harness
is self-contained, within budget and captures artifacts (I3–I5), k8s and compose agree (I7); I6 is governance.

Pure functions for library users: ``decide_gate`` (the gate decision), ``check_gate_workflow``,
``check_harness_commands``, ``check_compose``, ``check_budget``, ``check_capture``, ``check_parity``."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-integration", "integration harness, compose file and k8s parity (I3 I4 I5 I7)",
         "Check the integration harness (no Kubernetes tooling, runtime budget, artifact capture in finally), its "
         "compose file, CI's timeout for it, and k8s/compose service parity.", order=80),
    Hook("observatory-ci-gate", "CI gate, test entrypoint and release order (I1 I2 A3 R1)",
         "Simulate the CI workflows: contracts/ and src/services/ changes run the integration gate, CI calls the "
         "test entrypoint, the release workflow tests the packaged artifact before publishing.",
         pass_filenames=False, order=90),
)
