"""Coverage: each service's coverage, read from the report its test runner writes, held against
coverage-config.json (V1–V6, V2a), that config kept the single source of truth (documentation tables, CI gates,
thresholds that only go up), and committed visual-test baselines (V7)."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-coverage", "coverage thresholds, their docs and CI gates, visual baselines (V1-V7)",
         "Check coverage-config.json, the thresholds documented and hard-coded in CI against it, thresholds "
         "lowered since HEAD, reports present, and committed Playwright baselines.", staged=True, order=80),
)
