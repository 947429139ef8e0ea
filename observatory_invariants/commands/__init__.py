"""Sub-commands beyond check/list/explain; each module has ``configure(parser)`` and ``main(args) -> int``."""
