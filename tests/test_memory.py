"""The in-memory repository: rules run on dicts, with git's answers where a test gives them."""

import pytest

from observatory_invariants import memory
from observatory_invariants.errors import GitError, UnreadableFile


def test_files_text_folders_and_tracking():
    repo = memory.InMemoryRepository({"a/b.txt": "x", "c.bin": b"\x00\x01", "d.txt": "y"}, tracked=["a/b.txt"])
    assert repo.files == ["a/b.txt", "c.bin", "d.txt"]
    assert repo.exists("a") and repo.is_dir("a") and not repo.is_dir("a/b.txt")
    assert repo.read_text("a/b.txt") == "x"
    assert repo.tracked == frozenset({"a/b.txt"})
    with pytest.raises(UnreadableFile, match="binary"):
        repo.read_text("c.bin")
    with pytest.raises(UnreadableFile, match="does not exist"):
        repo.read_text("nope")
    with pytest.raises(UnreadableFile, match="directory"):
        repo.read_text("a")


def test_a_plain_folder_has_no_git():
    repo = memory.InMemoryRepository({"a": "x"}, is_git=False)
    assert repo.tracked == frozenset() and not repo.is_git
    with pytest.raises(GitError):
        repo.require_git("--staged")


def test_history_answers_show_files_at_and_changed_paths():
    repo = memory.InMemoryRepository({"s.json": "{}", "new.json": "{}"}, history={"main": {"s.json": "[]", "old.json": "1"}})
    assert repo.show("main", "s.json") == b"[]" and repo.show("main", "new.json") is None
    assert repo.files_at("main") == ["old.json", "s.json"]
    assert repo.changed_paths("main") == ["new.json", "old.json", "s.json"]
    with pytest.raises(GitError, match="unknown git ref"):
        repo.show("nope", "s.json")


def test_exclude_and_size_cap_apply_like_on_disk():
    repo = memory.InMemoryRepository({"vendor/x.sh": "a", "big.txt": "x" * 20}, exclude=("vendor/**",), max_file_size=10)
    assert repo.files == ["big.txt"] and repo.excluded("vendor/x.sh")
    with pytest.raises(UnreadableFile, match="over the 10-byte limit"):
        repo.read_text("big.txt")


def test_a_rule_runs_on_an_in_memory_workspace():
    from observatory_invariants.rules.docker.b1_b2_build_contexts import run

    ws = memory.workspace({"src/services/api/Dockerfile": "FROM scratch\nCOPY app.py /app/\n",
                           "src/services/api/VERSION": "1.0.0\n",
                           "build.sh": "docker build -t api:1.0.0 src/services/api\n"})
    assert [f.rule for f in run(ws, None)] == ["B2.missing-source"]
