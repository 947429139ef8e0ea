"""Build hermeticity: Bazel's lock file enforced and tracked (A1), one test entrypoint CI calls (A3); A2 is
governance."""
