"""The repository access layer: root discovery, file lists, git history, safe refs, hostile files."""

import os
import shutil
import subprocess

import pytest

from observatory_invariants.config import ConfigError
from observatory_invariants.repo import GitError, Repository, UnreadableFile, find_root, validate_ref
from tests.helpers import commit_all, git, git_repo, write_tree


def test_find_root_by_markers(tmp_path):
    write_tree(tmp_path, {".git/HEAD": "", "a/b/c.txt": "x"})
    assert find_root(tmp_path / "a" / "b") == tmp_path
    assert find_root(tmp_path / "a" / "b" / "c.txt") == tmp_path
    write_tree(tmp_path, {"a/.observatory-invariants.toml": ""})
    assert find_root(tmp_path / "a" / "b") == tmp_path / "a"
    write_tree(tmp_path, {"a/b/ROOT_MARKER": ""})
    assert find_root(tmp_path / "a" / "b", ("ROOT_MARKER",)) == tmp_path / "a" / "b"


def test_a_service_pyproject_inside_a_git_repo_is_not_the_root(tmp_path):
    git_repo(tmp_path, {"src/services/processor/pyproject.toml": "[project]\nname = 'processor'\n"})
    assert find_root(tmp_path / "src" / "services" / "processor") == tmp_path
    write_tree(tmp_path, {"src/services/processor/pyproject.toml": "[tool.observatory-invariants]\n"})
    assert find_root(tmp_path / "src" / "services" / "processor") == tmp_path / "src" / "services" / "processor"


def test_bare_pyproject_is_the_fallback_root(tmp_path):
    write_tree(tmp_path, {"proj/pyproject.toml": "[project]\n", "proj/a/x.txt": ""})
    assert find_root(tmp_path / "proj" / "a") == tmp_path / "proj"


def test_walk_honours_nested_gitignore_outside_git(tmp_path):
    write_tree(tmp_path, {".gitignore": "build/\n*.log\n", "a.json": "{}", "x.log": "",
                          "build/out.json": "{}", "sub/.gitignore": "secret.json\n!keep.log\n",
                          "sub/secret.json": "{}", "sub/ok.json": "{}", "name with space/ü.json": "{}"})
    files = Repository(tmp_path).files
    assert files == [".gitignore", "a.json", "name with space/ü.json", "sub/.gitignore", "sub/ok.json"]


def test_symlink_loop_does_not_hang(tmp_path):
    write_tree(tmp_path, {"a/x.json": "{}"})
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    assert Repository(tmp_path).files == ["a/x.json"]


def test_git_files_are_tracked_plus_untracked_not_ignored(tmp_path):
    git_repo(tmp_path, {".gitignore": "*.tmp\n", "a.json": "{}"})
    write_tree(tmp_path, {"new.json": "{}", "junk.tmp": ""})
    repo = Repository(tmp_path)
    assert repo.is_git and repo.files == [".gitignore", "a.json", "new.json"]
    assert repo.tracked == frozenset({".gitignore", "a.json"})


def test_root_below_git_top_level_lists_its_own_files_relative(tmp_path):
    git_repo(tmp_path, {"sample/contracts/a.json": "{}", "other.json": "{}"})
    repo = Repository(tmp_path / "sample")
    assert repo.files == ["contracts/a.json"]
    assert repo.files_at("HEAD") == ["contracts/a.json"]
    assert repo.show("HEAD", "contracts/a.json") == b"{}"


def test_show_changed_and_staged(tmp_path):
    git_repo(tmp_path, {"a.json": '{"v": 1}', "b.json": "{}"})
    write_tree(tmp_path, {"a.json": '{"v": 2}', "c.json": "{}"})
    commit_all(tmp_path, "second")
    repo = Repository(tmp_path)
    assert repo.show("HEAD~1", "a.json") == b'{"v": 1}'
    assert repo.show("HEAD~1", "c.json") is None
    assert repo.changed_paths("HEAD~1") == ["a.json", "c.json"]
    write_tree(tmp_path, {"b.json": '{"staged": true}'})
    git(tmp_path, "add", "b.json")
    git(tmp_path, "rm", "-q", "c.json")
    assert repo.staged_paths() == ["b.json", "c.json"]
    assert repo.staged("b.json") == b'{"staged": true}'


def test_unknown_ref_is_a_git_error(tmp_path):
    git_repo(tmp_path, {"a": "x"})
    with pytest.raises(GitError, match="unknown git ref"):
        Repository(tmp_path).resolve_ref("nope")


@pytest.mark.parametrize("ref", ["HEAD", "main", "origin/main", "HEAD~2", "v1.0.0", "abc123", "HEAD^", "@{u}"])
def test_ordinary_refs_are_valid(ref):
    assert validate_ref(ref) == ref


@pytest.mark.parametrize("ref", ["--output=x", "-p", "a..b", "a b", "x;y", "", "$(id)", "a\nb"])
def test_dangerous_refs_are_rejected(ref):
    with pytest.raises(ConfigError):
        validate_ref(ref)


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xfe\x00bad", "binary"),
    (b"caf\xe9", "not valid UTF-8"),
])
def test_unreadable_text_is_an_error_naming_the_file(tmp_path, content, expected):
    write_tree(tmp_path, {"x.json": content})
    with pytest.raises(UnreadableFile) as err:
        Repository(tmp_path).read_text("x.json")
    assert expected in str(err.value) and "x.json" in str(err.value)


def test_bom_is_dropped_and_crlf_kept(tmp_path):
    write_tree(tmp_path, {"x.json": b"\xef\xbb\xbf{}\r\n"})
    assert Repository(tmp_path).read_text("x.json") == "{}\r\n"


def test_huge_file_is_skipped_with_a_reason(tmp_path):
    write_tree(tmp_path, {"big.json": b"[" + b"1," * 100 + b"1]"})
    with pytest.raises(UnreadableFile, match="over the 50-byte limit"):
        Repository(tmp_path, max_file_size=50).read_text("big.json")


def test_directory_is_not_a_file(tmp_path):
    (tmp_path / "d.json").mkdir()
    with pytest.raises(UnreadableFile, match="is a directory"):
        Repository(tmp_path).read_text("d.json")


def test_each_file_is_read_once(tmp_path, monkeypatch):
    write_tree(tmp_path, {"x.json": "{}"})
    repo = Repository(tmp_path)
    calls = []
    original = Repository.read_bytes
    monkeypatch.setattr(Repository, "read_bytes", lambda self, p: calls.append(p) or original(self, p))
    repo.read_text("x.json")
    repo.read_text("x.json")
    assert calls == ["x.json"]


def test_folder_resolution_equals_realpath_through_links_loops_and_missing_folders(tmp_path):
    """Folders are resolved from their nearest resolved ancestor (one lstat each): the answer is realpath's."""
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "a" / "link-up").symlink_to("..")                      # a/link-up -> repo
    (root / "a" / "b" / "out").symlink_to(outside / "deep")      # leaves the root
    (root / "a" / "b" / "rel").symlink_to("c")                    # relative, inside
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "dangling").symlink_to("nowhere")
    (root / "file").write_text("x")
    repo = Repository(root)
    folders = ["a", "a/b", "a/b/c", "a/link-up", "a/link-up/a/b", "a/b/out", "a/b/rel", "a/b/rel/missing",
               "loop1", "loop1/x", "dangling", "dangling/x", "missing/deeper", "file/x", "a/b/c/../c"]
    for folder in folders + list(reversed(folders)):   # in both orders: answers come from the cache the second time
        full = os.path.join(str(repo.root), folder)
        assert repo._real_folder(full) == os.path.realpath(full), folder


def test_a_file_behind_a_linked_folder_outside_the_root_is_not_read(tmp_path):
    root = tmp_path / "repo"
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    root.mkdir()
    (root / "inner").symlink_to(tmp_path / "outside")
    repo = Repository(root)
    with pytest.raises(UnreadableFile, match="outside the repository"):
        repo.read_bytes("inner/secret.txt")
    with pytest.raises(UnreadableFile, match="does not exist"):
        repo.read_bytes("inner/missing.txt")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc/self/fd")
def test_a_folder_swapped_for_a_link_outside_during_a_run_is_not_read_through(tmp_path):
    """Folders are resolved once per run; what the descriptor really opened is checked too, so a folder replaced
    by a link to elsewhere after it was resolved does not open the way out (found in review)."""
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "x.txt").write_text("inside")
    (outside / "c").mkdir(parents=True)
    (outside / "c" / "secret.txt").write_text("SECRET")
    repo = Repository(root)
    assert repo.read_bytes("a/b/x.txt") == b"inside"        # 'a' and 'a/b' are resolved and remembered
    (root / "a").rename(root / "a-old")
    (root / "a").symlink_to(outside)
    with pytest.raises(UnreadableFile, match="outside the repository"):
        repo.read_bytes("a/c/secret.txt")
    assert Repository(root).read_bytes("a-old/b/x.txt") == b"inside"


def _git_diff_names(root, *args, index_file=None, submodules="all") -> list[str]:
    """What `git diff --name-only` (the questions' old answer) says, on a scratch copy of the index when asked."""

    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    if index_file is not None:
        git_dir = git(root, "rev-parse", "--absolute-git-dir").strip()
        shutil.copyfile(os.path.join(git_dir, "index"), index_file)
        env["GIT_INDEX_FILE"] = str(index_file)
    out = subprocess.run(["git", "-C", str(root), "diff", "--no-ext-diff", "--no-textconv",
                          f"--ignore-submodules={submodules}", "--name-only", "-z", "--no-renames", "--relative", *args],
                         capture_output=True, env=env, check=True).stdout
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})   # a conflict is listed twice


def _staged_states(root):
    """A repository whose index and work tree disagree with HEAD and with each other in every way a commit can."""
    names = ["mod", "del", "touched", "mode", "same", "typ", "sdel", "smod", "both", "ren", "d/x", "d/y", "sp ace",
             "stype", "smode"]
    git_repo(root, {**{n: f"{n}\n" for n in names}, "n\u00e9": "x"})
    os.symlink("same", root / "link")
    commit_all(root, "link")
    write_tree(root, {"mod": "changed\n", "both": "b1\n", "smod": "s\n", "d/x": "dx\n", "sp ace": "s2",
                      "n\u00e9": "y", "new": "n", "ita": "i", "untracked": "u", "weird\nname": "w"})
    (root / "del").unlink()
    (root / "d" / "y").unlink()
    os.utime(root / "touched", (1, 1))
    os.chmod(root / "mode", 0o755)
    (root / "typ").unlink()
    write_tree(root, {"typ/f": "q"})
    os.unlink(root / "link")
    os.symlink("mod", root / "link")
    (root / "stype").unlink()
    os.symlink("same", root / "stype")   # a type change, staged: not one of --diff-filter=ACMRD
    os.chmod(root / "smode", 0o755)
    git(root, "rm", "-q", "sdel")
    git(root, "mv", "ren", "renamed")
    git(root, "add", "smod", "smode", "stype", "both", "d/x", "n\u00e9", "new", "weird\nname")
    git(root, "add", "-N", "ita")
    write_tree(root, {"both": "b2\n"})


@pytest.mark.parametrize("where", ["", "d"])
def test_staged_questions_answer_as_git_diff_does(tmp_path, where):
    # One `git status` answers what two diffs (and a diff on a scratch index) used to: the same paths, for every
    # state a path can be in, from the top of the work tree and from a folder inside it.
    _staged_states(tmp_path / "r")
    root = tmp_path / "r" / where
    head = git(root, "rev-parse", "HEAD").strip()
    index = tmp_path / "r" / ".git" / "index"
    before = (index.read_bytes(), index.stat().st_mtime_ns)
    repo = Repository(root, content="index")
    assert repo.staged_paths() == _git_diff_names(root, "--cached", "--diff-filter=ACMRD", head)
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before   # git status refreshed it in memory only
    assert repo.staged_deletions() == _git_diff_names(root, "--cached", "--diff-filter=D", head, submodules="none")
    assert sorted(repo._differs_from_index) == _git_diff_names(root, index_file=tmp_path / "scratch-index")
    assert repo.staged_paths()   # the scenario is not vacuous
    assert repo._head == head


def test_staged_questions_before_the_first_commit_and_in_a_conflict(tmp_path):
    git_repo(tmp_path / "new")
    write_tree(tmp_path / "new", {"a": "a", "b/c": "c"})
    git(tmp_path / "new", "add", "-A")
    write_tree(tmp_path / "new", {"a": "a2"})
    repo = Repository(tmp_path / "new", content="index")
    assert (repo.staged_paths(), repo.staged_deletions(), sorted(repo._differs_from_index)) == (["a", "b/c"], [], ["a"])
    assert repo._head is None and repo.git_prefix == ""

    root = git_repo(tmp_path / "merge", {"conf": "base\n", "other": "o\n"})
    git(root, "checkout", "-q", "-b", "topic")
    write_tree(root, {"conf": "topic\n"})
    commit_all(root, "topic")
    git(root, "checkout", "-q", "main")
    write_tree(root, {"conf": "main\n", "other": "o2\n"})
    git(root, "add", "other")
    commit_all(root, "main")
    with pytest.raises(Exception):   # a conflict in conf
        git(root, "merge", "-q", "topic")
    repo = Repository(root, content="index")
    head = git(root, "rev-parse", "HEAD").strip()
    assert repo.staged_paths() == _git_diff_names(root, "--cached", "--diff-filter=ACMRD", head) == []
    assert sorted(repo._differs_from_index) == _git_diff_names(root, index_file=tmp_path / "scratch") == ["conf"]


def test_staged_questions_about_submodules_and_required_filters(tmp_path):
    # A submodule the index removes is a staged deletion; one added or moved to another commit, or checked out at
    # another commit, is no other answer (the old diffs ignored submodules but for deletions). A filter driver
    # marked required is disabled like the others, so git compares raw bytes instead of failing.
    sub = git_repo(tmp_path / "sub", {"a": "a"})
    root = git_repo(tmp_path / "r", {"f.txt": "hello\n", ".gitattributes": "*.txt filter=up\n"})
    for name in ("gone", "moved", "ahead"):
        git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), name)
    commit_all(root, "submodules")
    write_tree(sub, {"b": "b"})
    commit_all(sub, "second")
    git(root, "rm", "-q", "gone")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "added")
    git(root / "moved", "pull", "-q", "origin", "main")
    git(root, "add", "moved")
    git(root / "ahead", "pull", "-q", "origin", "main")   # checked out at another commit, not staged
    git(root, "config", "filter.up.clean", "false")      # a driver that fails if git runs it
    git(root, "config", "filter.up.required", "true")
    os.utime(root / "f.txt", (1, 1))                       # the same bytes, another mtime: git compares content
    head = git(root, "rev-parse", "HEAD").strip()
    repo = Repository(root, content="index")
    assert repo.staged_deletions() == ["gone"] == _git_diff_names(root, "--cached", "--diff-filter=D", head,
                                                                  submodules="none")
    assert repo.staged_paths() == _git_diff_names(root, "--cached", "--diff-filter=ACMRD", head)
    assert sorted(repo._differs_from_index) == []
    assert Repository(root).staged_paths() == repo.staged_paths()   # the gate's answer (no look at the work tree)


def test_a_plain_file_is_read_without_resolving_its_path_and_a_linked_one_the_careful_way(tmp_path, monkeypatch):
    # Most reads take the short way (the descriptor's own path says no link was followed); anything else — a link
    # to a file, a linked folder, a FIFO — takes the careful way, whose words the hostile-input tests check.
    write_tree(tmp_path, {"a/plain.txt": "plain", "b/target.txt": "target"})
    os.symlink("../b/target.txt", tmp_path / "a" / "link.txt")
    os.symlink("b", tmp_path / "linked")
    os.mkfifo(tmp_path / "a" / "fifo")
    repo = Repository(tmp_path)
    careful = []
    resolved = Repository._resolved
    monkeypatch.setattr(Repository, "_resolved", lambda self, full: careful.append(full) or resolved(self, full))
    assert repo.read_bytes("a/plain.txt") == b"plain"
    assert careful == []
    assert repo.read_bytes("a/link.txt") == b"target" and repo.read_bytes("linked/target.txt") == b"target"
    with pytest.raises(UnreadableFile, match="fifo"):
        repo.read_bytes("a/fifo")
    assert [os.path.basename(p) for p in careful] == ["link.txt", "target.txt", "fifo"]
