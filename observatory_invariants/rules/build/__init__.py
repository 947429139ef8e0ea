"""Build hermeticity: Bazel's lock file enforced, tracked and current (A1), one test entrypoint CI calls (A3); A2
is governance."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-bazel", "Bazel lock file (A1)",
         "Check that .bazelrc enforces --lockfile_mode=error, MODULE.bazel.lock is tracked, and its recorded hash of "
         "MODULE.bazel matches the file's bytes.", order=100),
)
