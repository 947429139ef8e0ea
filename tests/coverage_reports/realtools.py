"""Shared helpers for the coverage report tests: running real tools, and skipping with the reason when absent."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Where benchmarks/ci_install_coverage_tools.sh installs vitest (outside the repository).
VITEST_DIR = Path(os.environ.get("OBS_VITEST_DIR", "/tmp/obs-vitest"))


def run(args, cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    full_env.update(env or {})
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (benchmarks/ci_install_coverage_tools.sh installs it)")
    return path


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root
