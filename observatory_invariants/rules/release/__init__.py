"""Release: the packaged artifact is tested before it is published (R1)."""
