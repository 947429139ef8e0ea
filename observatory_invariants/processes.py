"""How many processes a run may use: what the user asked for (``OBSERVATORY_JOBS``) and the cores this process may
run on. A leaf: the runner (two processes for large runs) and the script adapter's pool both ask here."""

from __future__ import annotations

import os


def configured_jobs() -> int | None:
    """``OBSERVATORY_JOBS`` when it is a positive number, else None (let the caller decide)."""
    configured = os.environ.get("OBSERVATORY_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else None


def available_cores() -> int:
    """The cores this process may run on (its affinity where the platform says, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1
