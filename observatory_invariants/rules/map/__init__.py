"""The map kept honest: the repository's own invariant document agrees with this tool's map and with the
repository's configuration (M1, opt-in)."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-map", "invariant document drift (M1)",
         "Compare the repository's INVARIANTS.md with the invariant map and the configuration.",
         pass_filenames=False, order=110),
)
