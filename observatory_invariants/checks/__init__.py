"""One module per rule family; each exposes ``run(ws, targets)`` (see docs/architecture.md)."""
