"""Issue 15, items 1-4 and 14: every read is a regular file inside the root, under one size cap, never blocking.

Outside files are sentinels: a FIFO (opening it for reading blocks forever unless non-blocking), /dev/zero
(reading it never ends) and a file whose content must never show up in a report. Each run is held to a
wall-clock and a memory guard (tests/hostile/bounded.py).
"""

from __future__ import annotations

import builtins
import io
import os
import stat

import pytest

from observatory_invariants.api import check
from observatory_invariants.errors import UnreadableFile
from observatory_invariants.repo import Repository, read_regular_file
from tests.helpers import commit_all, git, git_repo, schema, versions_md, write_tree
from tests.hostile.bounded import run_bounded

SECRET = "SECRET-OUTSIDE-CONTENT"


@pytest.fixture
def outside(tmp_path):
    """A folder beside the repository: a secret file, an outside config and a FIFO."""
    out = tmp_path / "outside"
    write_tree(out, {"secret.md": SECRET + "\n| Schema | Current Version |\n", "config.toml": 'select = ["X3"]\n'})
    os.mkfifo(out / "fifo")
    return out


@pytest.fixture
def repo(tmp_path):
    return write_tree(tmp_path / "repo", {"contracts/schemas/job.json": schema("job"),
                                          ".observatory-invariants.toml": ""})


def _config(repo, text):
    (repo / ".observatory-invariants.toml").write_text(text)


# -- item 1: configured paths and globs stay inside the root ---------------------------------------------

@pytest.mark.parametrize("doc", ["/dev/zero", "/proc/self/status", "/OUTSIDE/fifo", "/OUTSIDE/secret.md"])
def test_item1_an_absolute_versions_doc_is_anchored_at_the_root(repo, outside, doc):
    _config(repo, f'[paths]\nversions-doc = "{doc.replace("/OUTSIDE", str(outside))}"\n')
    result = run_bounded("check", str(repo), "--select", "C5").within()
    assert result.returncode == 1 and SECRET not in result.stdout
    assert "is missing" in result.stdout and result.stdout.startswith(doc.replace("/OUTSIDE", str(outside))[1:])


def test_item1_a_glob_that_climbs_out_is_a_config_error(repo, outside):
    _config(repo, '[paths]\nversions-doc = "../outside/secret.md"\n')
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 2 and SECRET not in result.stdout + result.stderr
    assert "paths.versions-doc" in result.stderr and "'..'" in result.stderr and ".observatory-invariants.toml" in result.stderr


def test_item1_the_repository_layer_refuses_paths_outside_the_root(repo, outside):
    r = Repository(repo)
    for path in ("/dev/zero", str(outside / "secret.md"), "../outside/secret.md", "contracts/../../outside/fifo"):
        with pytest.raises(UnreadableFile, match="outside the repository"):
            r.read_bytes(path)
        assert not r.exists(path) and not r.is_dir(path)


# -- item 2: links are resolved, and must stay inside ---------------------------------------------------------

def test_item2_a_committed_link_to_dev_zero_as_invariants_md(tmp_path):
    repo = git_repo(tmp_path / "r", {".observatory-invariants.toml": ""})
    os.symlink("/dev/zero", repo / "INVARIANTS.md")
    commit_all(repo, "link")
    result = run_bounded("drift", "--root", str(repo)).within()
    assert result.returncode == 2 and "INVARIANTS.md" in result.stderr and "outside the repository" in result.stderr


@pytest.mark.parametrize("name", [".observatory-invariants.toml", "pyproject.toml"])
def test_item2_a_config_linked_from_outside_is_not_applied(repo, outside, name):
    (repo / ".observatory-invariants.toml").unlink()
    os.symlink(outside / "config.toml", repo / name)
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 2 and name in result.stderr and "outside the repository" in result.stderr


def test_item2_a_gitignore_linked_outside_a_git_repository_is_not_read(repo, outside):
    (outside / "ignore-everything").write_text("*\n")       # applied, it would hide every file from the check
    os.symlink(outside / "ignore-everything", repo / ".gitignore")
    write_tree(repo, {"contracts/schemas/bad.json": "{oops"})
    os.symlink(outside / "fifo", repo / "contracts" / ".gitignore")   # opened blocking, it would hang the walk
    result = run_bounded("check", str(repo), "--select", "C3").within()
    assert result.returncode == 1 and "contracts/schemas/bad.json" in result.stdout


def test_item2_root_discovery_never_follows_a_committed_link(tmp_path, outside):
    other = git_repo(tmp_path / "other", {".observatory-invariants.toml": "", "contracts/schemas/evil.json": "{bad"})
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    os.symlink(other, repo / "evil")
    commit_all(repo, "link")
    result = run_bounded("check", "evil", cwd=repo).within()
    assert "evil.json" not in result.stdout and "outside the repository root" not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def test_item2_nothing_outside_the_root_is_opened(tmp_path, outside, monkeypatch):
    """In process, every open is watched: links, absolute layout paths and a FIFO all point outside."""
    repo = git_repo(tmp_path / "repo", {"contracts/schemas/job.json": schema("job"),
                                        "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                                        "scripts/ok.ps1": "Write-Output 1\n",
                                        ".observatory-invariants.toml": f'[paths]\ninvariants-doc = "{outside}/secret.md"\n'})
    for name, target in (("INVARIANTS.md", outside / "secret.md"), ("contracts/schemas/x.json", outside / "fifo"),
                         ("scripts/a.ps1", outside / "secret.md"), ("contracts/dir", outside)):
        os.symlink(target, repo / name)
    commit_all(repo, "links")
    opened: list[str] = []
    real_os_open, real_io_open = os.open, io.open

    def watch(path, *args, **kwargs):
        if isinstance(path, (str, bytes, os.PathLike)):
            opened.append(os.path.realpath(os.fsdecode(path)))
        return (real_os_open if watch.os else real_io_open)(path, *args, **kwargs)

    def os_open(path, *args, **kwargs):
        watch.os = True
        return watch(path, *args, **kwargs)

    def io_open(path, *args, **kwargs):
        watch.os = False
        return watch(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    findings = check(repo)
    leaked = [p for p in opened if p.startswith(str(outside))]
    assert not leaked, leaked
    assert not any(SECRET in f.message for f in findings)
    assert any(f.path == "contracts/schemas/x.json" and "outside the repository" in f.message for f in findings)


# -- item 3: FIFOs and devices never block ---------------------------------------------------------------------

def test_item3_a_tracked_file_replaced_by_a_fifo(tmp_path):
    repo = git_repo(tmp_path / "r", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    (repo / "contracts/schemas/job.json").unlink()
    os.mkfifo(repo / "contracts/schemas/job.json")
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 1 and "named pipe (FIFO), not a regular file" in result.stdout


def test_item3_a_fifo_passed_as_a_file_and_as_the_versions_doc(repo):
    os.mkfifo(repo / "contracts/schemas/x.json")
    os.mkfifo(repo / "contracts/VERSIONS.md")
    # both named (outside git, findings in files the command did not name are not shown without --all)
    result = run_bounded("check", "contracts/schemas/x.json", "contracts/VERSIONS.md", cwd=repo).within()
    assert "contracts/schemas/x.json" in result.stdout and "FIFO" in result.stdout   # named, never opened
    assert result.returncode == 1 and "contracts/VERSIONS.md: C5" in result.stdout   # C5 cannot read its document
    assert run_bounded("check", "--all", "contracts/schemas/x.json", cwd=repo).within().returncode == 1


def test_item3_a_fifo_as_invariants_md_and_as_a_compat_argument(repo):
    os.mkfifo(repo / "INVARIANTS.md")
    result = run_bounded("drift", "--root", str(repo), str(repo / "INVARIANTS.md")).within()
    assert result.returncode == 2 and "INVARIANTS.md" in result.stderr and "FIFO" in result.stderr
    result = run_bounded("compat", str(repo / "INVARIANTS.md"), str(repo / "contracts/schemas/job.json")).within()
    assert result.returncode == 2 and "FIFO" in result.stderr


def test_item3_the_reader_checks_the_type_before_opening(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    for path, kind in ((tmp_path / "fifo", "named pipe"), ("/dev/null", "character device"), (tmp_path, "directory")):
        with pytest.raises(UnreadableFile, match=kind):
            read_regular_file(path, 1000)


# -- item 4: one size cap for every read ---------------------------------------------------------------------

def test_item4_a_huge_staged_schema_is_capped(tmp_path):
    repo = git_repo(tmp_path / "r", {".observatory-invariants.toml": "max-file-size = 1000000\n",
                                     "contracts/schemas/job.json": schema("job")})
    with open(repo / "contracts/schemas/job.json", "w") as fh:   # 30 MB staged, a small copy in the work tree
        fh.write('{"description": "' + "x" * 30_000_000 + '"}')
    git(repo, "add", "-A")
    write_tree(repo, {"contracts/schemas/job.json": schema("job")})
    result = run_bounded("check", "--staged", cwd=repo).within(rss_mb=150)
    assert result.returncode == 1 and "in the index, over the 1000000-byte limit" in result.stdout
    git(repo, "commit", "-qm", "big")          # the big copy is now HEAD's; the work tree keeps the small one
    result = run_bounded("check", "--base", "HEAD", cwd=repo).within(rss_mb=150)
    assert result.returncode == 1 and "C4" in result.stdout
    with pytest.raises(UnreadableFile, match="at HEAD, over the 1000000-byte limit"):
        Repository(repo, max_file_size=1_000_000).show("HEAD", "contracts/schemas/job.json")


@pytest.mark.parametrize("command", [("compat", "/dev/zero", "/dev/zero"), ("drift", "/dev/zero")])
def test_item4_command_line_files_are_capped(repo, command):
    result = run_bounded(*command, cwd=repo).within(rss_mb=150)
    assert result.returncode == 2 and "/dev/zero" in result.stderr and "character device" in result.stderr


def test_item4_a_file_growing_past_the_cap_is_refused(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 5000)
    with pytest.raises(UnreadableFile, match="5000 bytes, over the 1000-byte limit"):
        read_regular_file(tmp_path / "big", 1000)
    assert read_regular_file(tmp_path / "big", 5000) == b"x" * 5000


def test_item4_the_config_cannot_lift_the_cap_without_bound(repo):
    _config(repo, "max-file-size = 99999999999999\n")
    result = run_bounded("check", str(repo)).within()
    assert result.returncode == 2 and "max-file-size" in result.stderr and "ceiling" in result.stderr


# -- item 14: a folder named like a file is not that file ------------------------------------------------------

def test_item14_layout_globs_match_files_by_their_own_path(tmp_path):
    repo = git_repo(tmp_path / "r", {".observatory-invariants.toml": "",
                                     "contracts/schemas/job.json": schema("job"),
                                     "contracts/VERSIONS.md/inner.txt": "hello\n",
                                     ".github/workflows/ci.yml/x": "not: [yaml\n"})
    result = run_bounded("check", str(repo)).within()
    assert "inner.txt" not in result.stdout and "ci.yml/x" not in result.stdout, result.stdout
    assert "contracts/VERSIONS.md is missing" in result.stdout or "VERSIONS.md" in result.stdout
    assert stat.S_ISDIR(os.stat(repo / "contracts/VERSIONS.md").st_mode)
