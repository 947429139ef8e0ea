"""The package as users get it: a wheel and an sdist that install and run in a fresh virtual environment, with
the rule pages and the tool's own contracts inside."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, SAMPLE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    pytest.importorskip("build", reason="the 'build' package (test extra) builds the wheel and sdist")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin"


@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_the_distribution_installs_and_runs_in_a_fresh_venv(dist, kind, tmp_path):
    (artifact,) = dist.glob(f"*.{kind}")
    bin_dir = _fresh_venv(tmp_path / "venv")
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(artifact)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    tool = str(bin_dir / "observatory-invariants")
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample)
    run = subprocess.run([tool, "check", str(sample), "--format", "json"], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["summary"]["error"] > 0 and report["complete"] is True
    explain = subprocess.run([tool, "explain", "C3"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert explain.returncode == 0 and explain.stdout.startswith("# C3:")   # the rule pages ship inside
    sarif = json.loads(subprocess.run([tool, "check", str(sample), "--format", "sarif"], capture_output=True,
                                      text=True, timeout=300, cwd=tmp_path).stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all("helpUri" not in r and r["help"]["markdown"] for r in rules)   # no dead link
