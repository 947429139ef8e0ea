"""A1: .bazelrc's --lockfile_mode, the lock file tracked, and the lock's hash of MODULE.bazel."""

import hashlib
import json

from observatory_invariants.memory import workspace
from observatory_invariants.rules.build.a1_bazel_lockfile import run
from tests.helpers import commit_all, git, git_repo, run_cli, write_tree

MODULE = b'module(name = "demo", version = "0.1.0")\n\nbazel_dep(name = "rules_go", version = "0.48.0")\n'


def lock_for(module: bytes, version: int = 6) -> str:
    # the test writes the hash the way a v6 lock records it; the algorithm itself is checked against the
    # seed repository's real locks in test_a1_seed_history.py
    return json.dumps({"lockFileVersion": version, "moduleFileHash": hashlib.sha256(module).hexdigest(),
                       "flags": {}, "moduleDepGraph": {}}, indent=2)


def ids(found):
    return sorted((f.rule, f.severity.value, f.path) for f in found)


def test_consistent_repository_is_clean():
    ws = workspace({"MODULE.bazel": MODULE, "MODULE.bazel.lock": lock_for(MODULE),
                    ".bazelrc": "common --lockfile_mode=error\n"})
    assert run(ws, None) == []


def test_no_module_no_findings():
    assert run(workspace({".bazelrc": "build --jobs=4\n", "BUILD": ""}), None) == []


def test_lockfile_mode_settings():
    def found(rc, extra=None):
        files = {"MODULE.bazel": MODULE, "MODULE.bazel.lock": lock_for(MODULE), **(extra or {})}
        if rc is not None:
            files[".bazelrc"] = rc
        return ids(run(workspace(files), None))
    assert found(None) == [("A1.lockfile-mode", "error", ".bazelrc")]
    assert found("common:ci --lockfile_mode=error\n") == [("A1.lockfile-mode", "warning", ".bazelrc")]
    assert found("build --lockfile_mode=error\n") == [("A1.lockfile-mode", "warning", ".bazelrc")]
    assert found("common --lockfile_mode=error\ncommon --lockfile_mode=update\n") == \
        [("A1.lockfile-mode", "error", ".bazelrc")]
    assert found("common \\\n  --lockfile_mode error\n") == []
    # imports are followed; a missing try-import is fine; an import cycle ends
    assert found("import %workspace%/tools/ci.bazelrc\ntry-import %workspace%/user.bazelrc\n",
                 {"tools/ci.bazelrc": "import %workspace%/.bazelrc\nalways --lockfile_mode=error\n"}) == []
    assert found("# common --lockfile_mode=error\n") == [("A1.lockfile-mode", "error", ".bazelrc")]


def test_lock_missing_untracked_stale_and_crlf():
    rc = {".bazelrc": "common --lockfile_mode=error\n"}
    assert ids(run(workspace({"MODULE.bazel": MODULE, **rc}), None)) == [("A1.lock-missing", "error", "MODULE.bazel")]
    untracked = workspace({"MODULE.bazel": MODULE, "MODULE.bazel.lock": lock_for(MODULE), **rc},
                          tracked=["MODULE.bazel", ".bazelrc"])
    assert ids(run(untracked, None)) == [("A1.lock-untracked", "error", "MODULE.bazel.lock")]
    edited = MODULE + b'bazel_dep(name = "gazelle", version = "0.37.0")\n'
    stale = run(workspace({"MODULE.bazel": edited, "MODULE.bazel.lock": lock_for(MODULE), **rc}), None)
    assert ids(stale) == [("A1.stale-lock", "error", "MODULE.bazel.lock")] and "changed after" in stale[0].message
    crlf = MODULE.replace(b"\n", b"\r\n")
    over_crlf = run(workspace({"MODULE.bazel": MODULE, "MODULE.bazel.lock": lock_for(crlf), **rc}), None)
    assert "computed over a CRLF copy" in over_crlf[0].message
    over_lf = run(workspace({"MODULE.bazel": crlf, "MODULE.bazel.lock": lock_for(MODULE), **rc}), None)
    assert "over an LF copy" in over_lf[0].message
    newer = json.dumps({"lockFileVersion": 13, "registryFileHashes": {}, "moduleExtensions": {}})
    assert run(workspace({"MODULE.bazel": edited, "MODULE.bazel.lock": newer, **rc}), None) == []
    for bad in ("{not json", b"\xff\xfe{}", "[1, 2]", ""):
        broken = run(workspace({"MODULE.bazel": MODULE, "MODULE.bazel.lock": bad, **rc}), None)
        assert [f.rule for f in broken] == ["A1.bad-lock"], bad


def test_base_and_staged_module_changed_lock_not(tmp_path):
    newer = json.dumps({"lockFileVersion": 13, "registryFileHashes": {}})
    repo = git_repo(tmp_path / "r", {"MODULE.bazel": MODULE.decode(), "MODULE.bazel.lock": newer,
                                      ".bazelrc": "common --lockfile_mode=error\n"})
    base = commit_all(repo, "base")
    write_tree(repo, {"MODULE.bazel": MODULE.decode() + 'bazel_dep(name = "x", version = "1")\n'})
    git(repo, "add", "MODULE.bazel")
    staged = run_cli("check", "--staged", "--select", "A1", "--format", "json", cwd=repo)
    rules = [(f["rule"], f["severity"]) for f in json.loads(staged.stdout)["findings"]]
    assert rules == [("A1.module-changed", "warning")]
    commit_all(repo, "edit the module only")
    proc = run_cli("check", "--base", base, "--select", "A1", "--format", "json", cwd=repo)
    assert [(f["rule"], f["severity"]) for f in json.loads(proc.stdout)["findings"]] == [("A1.module-changed",
                                                                                          "warning")]
    assert proc.returncode == 0
    # a v6 lock records the hash: the stale-lock error says it all (no second finding)
    write_tree(repo, {"MODULE.bazel.lock": lock_for(MODULE)})
    commit_all(repo, "v6 lock of the old module")
    proc = run_cli("check", "--base", base, "--select", "A1", "--format", "json", cwd=repo)
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["A1.stale-lock"] and proc.returncode == 1


def test_committed_bytes_not_the_autocrlf_work_tree(tmp_path):
    repo = git_repo(tmp_path / "r", {"MODULE.bazel": MODULE.decode(), "MODULE.bazel.lock": lock_for(MODULE),
                                      ".bazelrc": "common --lockfile_mode=error\n"})
    (repo / "MODULE.bazel").write_bytes(MODULE.replace(b"\n", b"\r\n"))   # what a Windows checkout holds
    proc = run_cli("check", "--select", "A1", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    git(repo, "rm", "-q", "--cached", "MODULE.bazel.lock")
    write_tree(repo, {".gitignore": "MODULE.bazel.lock\n"})
    proc = run_cli("check", "--select", "A1", "--format", "json", cwd=repo)
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["A1.lock-untracked"]
