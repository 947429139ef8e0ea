"""A1's hash, checked against real data: every commit of the seed repository that touched MODULE.bazel or its
lock. What `moduleFileHash` records (SHA-256 of MODULE.bazel's bytes) is confirmed by the commits whose lock is
current, and the two failure classes are recognised exactly where the seed's history has them:

- 6e6d481 (init) and b680cde: a lock computed over a CRLF copy of the LF file (76eae0b "regenerate lockfile with
  LF line endings" fixed the second);
- 3589321 … 31410ca: the lock left behind after edits to MODULE.bazel (it still records init's hash).

Needs the seed's git mirror (the ecosystem check's); skips without it, as in CI.
"""

import os
import subprocess
from pathlib import Path

import pytest

from observatory_invariants.rules.build.a1_bazel_lockfile import check_lock_hash, read_lock

MIRROR = Path(os.environ.get("OBS_ECOSYSTEM_MIRRORS", "/work/.mirror")) / "oddessentials+odd-demonstration" / "repo"

EXPECTED = {
    "6e6d481": "crlf", "3589321": "stale", "c9eff4e": "stale", "92acb1e": "stale", "dfb2cf8": "stale",
    "67bd530": "stale", "434344d": "stale", "13d4742": "stale", "53954d4": "stale", "31410ca": "stale",
    "b680cde": "crlf", "76eae0b": "current", "0e2d566": "current", "3a2a00b": "current",
}


def show(commit: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(MIRROR), "cat-file", "blob", f"{commit}:{path}"],
                          capture_output=True, check=True).stdout


@pytest.mark.skipif(not MIRROR.is_dir(), reason=f"the seed's mirror is not at {MIRROR}")
def test_every_lock_in_the_seed_history_is_judged_as_it_was():
    listed = subprocess.run(["git", "--git-dir", str(MIRROR), "log", "--format=%h", "--abbrev=7", "--",
                             "MODULE.bazel", "MODULE.bazel.lock"], capture_output=True, text=True, check=True)
    commits = listed.stdout.split()
    assert set(commits) == set(EXPECTED)
    seen = {}
    for commit in commits:
        lock = read_lock(show(commit, "MODULE.bazel.lock").decode("utf-8"))
        assert lock.version == 6 and lock.module_hash is not None
        found = check_lock_hash("MODULE.bazel.lock", "MODULE.bazel", lock, show(commit, "MODULE.bazel"))
        if not found:
            seen[commit] = "current"
        elif "CRLF copy" in found[0].message:
            seen[commit] = "crlf"
        else:
            assert "changed after the lock was written" in found[0].message
            seen[commit] = "stale"
    assert seen == EXPECTED
