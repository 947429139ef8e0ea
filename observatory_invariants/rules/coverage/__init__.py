"""Coverage: each service's coverage, read from the report its test runner writes, held against
coverage-config.json (V1–V6, V2a), and committed visual-test baselines (V7)."""
