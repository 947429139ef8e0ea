"""Issue 15, items 9 (huge per-path-ignores / exclude) and 11 (config files, YAML scalars and roots that crashed):
each is bounded and ends in findings or a clear error naming the file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from observatory_invariants.config import Config, discover
from observatory_invariants.errors import ConfigError
from observatory_invariants.parsers.yaml_loader import load_all
from tests.helpers import schema, versions_md, write_tree
from tests.hostile.bounded import run_bounded

CONFIG = ".observatory-invariants.toml"


@pytest.fixture
def repo(tmp_path):
    return write_tree(tmp_path / "repo", {"contracts/schemas/job.json": schema("job"),
                                          "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}), CONFIG: ""})


# -- item 9: long ignore and exclude lists ----------------------------------------------------------------

def test_item9_twenty_thousand_per_path_ignores(repo):
    table = "\n".join(f'"gen/d{i}/**" = ["X3"]' for i in range(20_000))
    scripts = {f"scripts/s{i}.ps1": "Get-Item 'C:\\Windows\\x'\n" for i in range(200)}
    scripts["gen/d19999/x.ps1"] = "Get-Item 'C:\\Windows\\x'\n"
    portable = '[scripts]\nportable-scripts = ["**/*.ps1"]\n'   # the scripts run on Linux: X3 errors
    write_tree(repo, {CONFIG: f"{portable}[per-path-ignores]\n{table}\n", **scripts})
    result = run_bounded("check", str(repo), "--select", "X3").within(seconds=8)
    assert result.returncode == 1 and "Found 200 findings" in result.stdout and "gen/d19999" not in result.stdout


def test_item9_the_matcher_answers_every_pattern_in_one_pass():
    config = Config(per_path_ignores={**{f"gen/d{i}/**": ("X3",) for i in range(20_000)}, "*.md": ("C5",),
                                      "!keep/**": ("X4",), "docs/": ("B1",)})
    assert config.ignored_for("gen/d123/x.ps1") == ("X3",)
    assert config.ignored_for("docs/a/README.md") == ("C5", "B1")
    assert config.ignored_for("keep/x") == ()


def test_item9_three_hundred_thousand_excludes_are_a_clear_error(repo):
    entries = ",\n".join(f'"gen/d{i}/**"' for i in range(300_000))
    write_tree(repo, {CONFIG: f"exclude = [\n{entries}\n]\n"})
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 2 and CONFIG in result.stderr and "rather than listing files" in result.stderr


def test_item9_twenty_thousand_excludes_work(repo):
    entries = ",\n".join(f'"gen/d{i}/**"' for i in range(20_000))
    write_tree(repo, {CONFIG: f"exclude = [\n{entries}\n]\n", "gen/d5/x.ps1": "Get-Item 'C:\\Windows\\x'\n",
                      **{f"src/m{i}.py": "x = 1\n" for i in range(300)}})
    result = run_bounded("check", str(repo)).within(seconds=8)
    assert result.returncode == 0, result.stdout


# -- item 11: config files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("root-markers = 5\n", "root-markers"),
    ("exclude = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
    ("exclude = [" + "[" * 40 + "]" * 40 + "]\n", "nested more than"),
    ("max-file-size = " + "9" * 5000 + "\n", "invalid TOML"),
    ("max-file-size = 99999999999999999999999\n", "ceiling"),
    ('[per-path-ignores]\n"[z-a]" = ["C2"]\n', "invalid glob"),
])
def test_item11_config_files_that_crashed_are_clear_errors(repo, text, expected):
    write_tree(repo, {CONFIG: text})
    for cwd in (repo, repo / "contracts"):   # at the root, and found by discovery from below it
        result = run_bounded("check", cwd=cwd).within()
        assert result.returncode == 2 and CONFIG in result.stderr and expected in result.stderr, result.stderr


def test_item11_a_config_that_is_not_a_regular_file(repo):
    (repo / CONFIG).unlink()
    os.mkfifo(repo / CONFIG)
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 2 and CONFIG in result.stderr and "FIFO" in result.stderr


def test_item11_root_on_an_unreadable_folder(monkeypatch, tmp_path):
    """In process: any unreadable root is a ConfigError naming it (root reads everything, so simulate)."""
    real_scandir = os.scandir

    def refuse(path="."):
        if Path(path) == tmp_path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(ConfigError, match="cannot read the folder: Permission denied"):
        discover(tmp_path, root=tmp_path)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="as root: needs setpriv to drop privileges")
def test_item11_root_on_an_unreadable_folder_for_real():
    base = Path(tempfile.mkdtemp(prefix="observatory-hostile-"))
    try:
        base.chmod(0o755)
        root = write_tree(base / "locked", {CONFIG: "", "contracts/schemas/job.json": schema("job")})
        root.chmod(0)
        probe = run_bounded(argv=["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        if probe.returncode != 0:
            pytest.skip("setpriv cannot drop privileges here")
        import sys

        result = run_bounded(argv=["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                                   "-m", "observatory_invariants", "check", "--root", str(root)], cwd="/")
        if "No module named" in result.stderr or "Permission denied: '" + sys.prefix in result.stderr:
            pytest.skip("the other user cannot run this Python")
        result.within()
        assert result.returncode == 2 and str(root) in result.stderr and "cannot read" in result.stderr
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


# -- item 11: YAML scalars their tag cannot build -------------------------------------------------------------

def test_item11_yaml_scalars_that_crashed_are_their_text():
    [doc] = load_all("a: 2001-13-45\nb: " + "9" * 4301 + "\nc: 2001-12-14\n")
    assert doc["a"] == "2001-13-45" and doc["b"] == "9" * 4301 and str(doc["c"]) == "2001-12-14"


def test_item11_yaml_in_workflows_k8s_and_config_files(repo):
    bad = "2001-13-45"
    big = "9" * 4301
    write_tree(repo, {
        ".github/workflows/ci.yml": f"on: push\nx: {bad}\ny: {big}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                                    "    steps:\n      - run: echo hi\n",
        "infra/k8s/d.yaml": f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  creationTimestamp: {bad}\n"
                            f"spec:\n  replicas: {big}\n",
        "docker-compose.yml": f"services:\n  a:\n    image: x:1.0.0\n    x: {bad}\n    y: {big}\n",
        "config.yaml": f"a: {bad}\n",
    })
    for fmt in ("text", "json", "sarif"):
        result = run_bounded("check", str(repo), "--format", fmt).within()
        assert result.returncode in (0, 1), result.stderr
