"""Run the real CLI under a wall-clock and memory guard, and say how long it took and how much it used.

Every hostile-input test asserts a bound on both: the tool must finish quickly on anything. The child runs
with an address-space limit (a regression fails with MemoryError, it does not eat the machine) and its peak
resident memory comes from ``wait4``, for that one child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

AS_LIMIT = 2_000_000_000   # the child's address space: far above the guards, far below the machine


@dataclass
class Bounded:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    rss_mb: float

    def within(self, seconds: float = 5.0, rss_mb: float = 300.0) -> "Bounded":
        assert self.seconds < seconds, f"took {self.seconds:.1f} s (guard {seconds} s)\n{self.stderr[-2000:]}"
        assert self.rss_mb < rss_mb, f"used {self.rss_mb:.0f} MB (guard {rss_mb} MB)"
        assert "Traceback" not in self.stderr and "internal error" not in self.stderr, self.stderr[-3000:]
        return self


def _limit() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run_bounded(*args: str, cwd: Path | None = None, env: dict | None = None, kill_after: float = 60,
                argv: list[str] | None = None, preexec=None) -> Bounded:
    """``observatory-invariants ARGS`` (or ``argv``) in a child process; killed after ``kill_after`` seconds."""
    command = argv if argv is not None else [sys.executable, "-m", "observatory_invariants", *args]
    started = time.monotonic()

    def setup():  # pragma: no cover - runs in the child
        _limit()
        if preexec:
            preexec()

    proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=setup)
    chunks: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=n, s=s: chunks.__setitem__(n, s.read()), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    while True:   # wait4, not wait: the rusage of this child alone (its own peak resident memory)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > kill_after:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise AssertionError(f"still running after {kill_after} s: {command}")
        time.sleep(0.01)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    rss_kb = usage.ru_maxrss   # kilobytes on Linux
    return Bounded(proc.returncode, chunks.get("out", b"").decode("utf-8", "replace"),
                   chunks.get("err", b"").decode("utf-8", "replace"), seconds, rss_kb / 1024)
