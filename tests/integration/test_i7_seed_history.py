"""I7 on the seed repository's real history (its git mirror; skips without it, as in CI): the two times the
integration compose file fell behind the manifests are errors at those commits, and the commits that fixed them
are clean of errors."""

import os
import subprocess
from pathlib import Path

import pytest

from observatory_invariants.memory import workspace
from observatory_invariants.rules.integration.i7_k8s_compose_parity import run

MIRROR = Path(os.environ.get("OBS_ECOSYSTEM_MIRRORS", "/work/.mirror")) / "oddessentials+odd-demonstration" / "repo"
pytestmark = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"the seed's mirror is not at {MIRROR}")


def git(*args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(MIRROR), *args], capture_output=True, text=True,
                          check=True).stdout


def tree_at(commit: str) -> dict:
    """The files I7 reads at a commit (manifests, the compose file), plus one file per service folder."""
    files: dict = {}
    for path in git("ls-tree", "-r", "--name-only", commit).split("\n"):
        if path.startswith("infra/k8s/") or path == "docker-compose.integration.yml":
            files[path] = git("show", f"{commit}:{path}")
        elif path.startswith(("src/services/", "src/interfaces/")) and path.count("/") >= 3:
            files.setdefault("/".join(path.split("/")[:3]) + "/.keep", "")
    return files


def errors_at(commit: str) -> list[str]:
    found = run(workspace(tree_at(commit)), None)
    return sorted(f.message.split("'")[1] for f in found if f.severity.value == "error")


def test_the_web_terminal_workloads_ran_in_k8s_a_commit_before_compose_had_them():
    assert "web-pty-ws" in errors_at("8c1365d")
    assert "web-pty-ws" not in errors_at("efb4e25") and "web-ui-http" not in errors_at("efb4e25")


def test_prometheus_ran_in_k8s_only_until_the_parity_commit():
    for commit in ("40c1c54", "efb4e25", "fa0f006"):
        assert "prometheus" in errors_at(commit), commit
    assert "prometheus" not in errors_at("417d4bf")
