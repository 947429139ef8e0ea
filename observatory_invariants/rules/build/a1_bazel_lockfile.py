"""A1: hermetic Bazel builds — ``.bazelrc`` enforces ``--lockfile_mode=error`` for every command,
``MODULE.bazel.lock`` exists and is tracked by git, and the lock is current.

What the lock records about ``MODULE.bazel``: lock files of format version ≤ 6 (Bazel 6.x – 7.1) carry a
top-level ``moduleFileHash``, the SHA-256 (hex) of ``MODULE.bazel``'s **bytes** (Bazel's
``Fingerprint().addBytes(content)``) — verified on the seed repository's history, where every lock agrees with
``sha256(MODULE.bazel)`` of its commit except those left behind after edits and two computed over a CRLF copy
(tests/build/test_a1_seed_history.py). Newer formats (Bazel ≥ 7.2) record no hash of the root module file: for
them the hash check does not apply, and only ``--base`` / ``--staged`` can see an edit the lock missed.

- ``A1.lockfile-mode``: no ``common``/``always`` line sets ``--lockfile_mode=error`` (or a later one sets it to
  something else) — error; set only under a named config (``common:ci``) or a single command (``build``) —
  warning. ``import`` / ``try-import`` of workspace files are followed (cycles and depth bounded).
- ``A1.lock-missing`` / ``A1.lock-untracked``: ``MODULE.bazel.lock`` is absent, or present but not tracked.
- ``A1.stale-lock``: the lock's ``moduleFileHash`` is not the SHA-256 of ``MODULE.bazel`` as committed (the
  index's copy in git, so an autocrlf work tree does not count); a lock computed over a CRLF copy is named so.
- ``A1.bad-lock``: the lock is not UTF-8 JSON with an object at the top (Bazel cannot read it either).
- ``A1.module-changed``: with ``--base`` (or ``--staged``), ``MODULE.bazel`` changed but the lock did not —
  error when the lock records the hash, warning for formats that do not.

Applies when the repository has ``MODULE.bazel`` (layout ``bazel-module``): a repository without Bazel modules
gets nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ...declare import Rule, SubRule
from ...findings import Finding, finding

LOCKFILE_MODE = SubRule("A1.lockfile-mode", ".bazelrc does not enforce --lockfile_mode=error for every command")
LOCK_MISSING = SubRule("A1.lock-missing", "MODULE.bazel.lock does not exist")
LOCK_UNTRACKED = SubRule("A1.lock-untracked", "MODULE.bazel.lock is not tracked by git")
STALE_LOCK = SubRule("A1.stale-lock", "The lock's hash of MODULE.bazel is not the file's")
MODULE_CHANGED = SubRule("A1.module-changed", "MODULE.bazel changed since the base but the lock did not")
BAD_LOCK = SubRule("A1.bad-lock", "MODULE.bazel.lock is not a JSON lock file")
A1 = Rule("A1", "Hermetic Bazel builds (--lockfile_mode=error, tracked lock file)", "build",
          ("bazelrc", "bazel-module", "bazel-lock"), "run",
          subrules=(LOCKFILE_MODE, LOCK_MISSING, LOCK_UNTRACKED, STALE_LOCK, MODULE_CHANGED, BAD_LOCK),
          hooks=("observatory-bazel",), seed_check="Bazel --lockfile_mode=error")

ALL_COMMANDS = ("common", "always")
MAX_IMPORTS = 20


def module_hash(data: bytes) -> str:
    """What a lock's ``moduleFileHash`` records for a MODULE.bazel of these bytes."""
    return hashlib.sha256(data).hexdigest()


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


@dataclass(frozen=True)
class LockInfo:
    version: int | None
    module_hash: str | None     # None when the format records none
    problem: str | None = None


def read_lock(text: str) -> LockInfo:
    """The lock's format version and recorded ``moduleFileHash`` (from its JSON, not a text search)."""
    from ...parsers.strict_json import parse_json

    value, problem = parse_json(text)
    if problem is not None or not isinstance(value, dict):
        return LockInfo(None, None, problem.message if problem is not None else "its top level is not an object")
    version = value.get("lockFileVersion")
    recorded = value.get("moduleFileHash")
    return LockInfo(version if isinstance(version, int) else None, recorded if isinstance(recorded, str) else None)


def check_lock_hash(lock_path: str, module_path: str, lock: LockInfo, module_bytes: bytes) -> list[Finding]:
    """A1.stale-lock: the recorded hash against the bytes of MODULE.bazel (as committed)."""
    if lock.module_hash is None:
        return []
    recorded = lock.module_hash.lower()
    if recorded == module_hash(module_bytes):
        return []
    if recorded == module_hash(crlf(module_bytes)) and b"\r\n" not in module_bytes:
        why = (f"it was computed over a CRLF copy of {module_path} (a Windows checkout with core.autocrlf), while "
               "the committed file has LF line endings; regenerate the lock from an LF checkout and add "
               f"`{module_path} text eol=lf` to .gitattributes")
    elif recorded == module_hash(lf(module_bytes)) and b"\r\n" in module_bytes:
        why = (f"it was computed over an LF copy of {module_path}, while the committed file has CRLF line endings; "
               "commit the file with LF endings (.gitattributes `eol=lf`) or regenerate the lock")
    else:
        why = (f"{module_path} changed after the lock was written; run `bazel mod deps --lockfile_mode=update` and "
               "commit the lock")
    return [finding(STALE_LOCK, lock_path, f"moduleFileHash {recorded[:12]}… is not the SHA-256 of {module_path} "
                                           f"({module_hash(module_bytes)[:12]}…): {why}; with --lockfile_mode=error "
                                           "every Bazel command fails", 1)]


@dataclass(frozen=True)
class ModeSetting:
    path: str
    line: int
    command: str
    config: str | None
    value: str


def lockfile_mode_settings(files: list[tuple[str, list]]) -> list[ModeSetting]:
    from ...parsers.bazelrc import flag_values

    out = []
    for path, lines in files:
        for rc, value in flag_values(lines, "lockfile_mode"):
            out.append(ModeSetting(path, rc.line, rc.command, rc.config, value))
    return out


def check_lockfile_mode(rc_path: str, settings: list[ModeSetting]) -> list[Finding]:
    """A1.lockfile-mode from every ``--lockfile_mode`` setting, in the order Bazel reads them."""
    global_settings = [s for s in settings if s.command in ALL_COMMANDS and s.config is None]
    if global_settings:
        last = global_settings[-1]
        if last.value == "error":
            return []
        return [finding(LOCKFILE_MODE, last.path, f"`{last.command} --lockfile_mode={last.value}` is the last "
                                                  "setting for every command, so a stale MODULE.bazel.lock is "
                                                  "silently rewritten; use --lockfile_mode=error", last.line)]
    partial = [s for s in settings if s.value == "error"]
    if partial:
        first = partial[0]
        scope = f"{first.command}:{first.config}" if first.config else first.command
        return [finding(LOCKFILE_MODE, first.path, f"--lockfile_mode=error is set only for `{scope}`; other commands "
                                                   f"(and runs without that config) can still update the lock; set it "
                                                   "with `common --lockfile_mode=error`", first.line,
                        severity="warning")]
    return [finding(LOCKFILE_MODE, rc_path, "no `common --lockfile_mode=error` line: Bazel updates MODULE.bazel.lock "
                                            "instead of failing when it is stale; add one", 1)]


def _rc_files(ws, start: str) -> list[tuple[str, list]]:
    """The bazelrc and the workspace files it imports, in reading order."""
    from ...errors import UnreadableFile
    from ...parsers.bazelrc import import_path, parse

    out: list[tuple[str, list]] = []
    seen: set[str] = set()

    def visit(path: str, depth: int) -> None:
        if path in seen or depth > MAX_IMPORTS or len(seen) > MAX_IMPORTS:
            return
        seen.add(path)
        try:
            lines = parse(ws.read_text(path))
        except UnreadableFile:
            return
        current: list = []
        for rc in lines:
            target = import_path(rc)
            if rc.command in ("import", "try-import"):
                if current:
                    out.append((path, current))
                    current = []
                if target and ws.repo.exists(target):
                    visit(target, depth + 1)
                continue
            current.append(rc)
        if current:
            out.append((path, current))

    visit(start, 0)
    return out


def _committed_bytes(ws, path: str) -> bytes | None:
    """A file's bytes as the next commit records them: the index in git, the file elsewhere."""
    from ...errors import GitError, UnreadableFile

    if ws.repo.is_git:
        try:
            data = ws.repo.staged(path)
        except GitError:
            data = None
        if data is not None:
            return data
    try:
        return ws.repo.read_bytes(path)
    except UnreadableFile:
        return None


def run(ws, targets: list[str] | None) -> list[Finding]:
    from ...errors import GitError
    from ...textio import decode_text
    from ...errors import UnreadableFile

    modules = [p for p in ws.patterns("bazel-module") if ws.repo.exists(p)]
    if not modules:
        return []
    module_path = modules[0]
    out: list[Finding] = []
    rcs = [p for p in ws.patterns("bazelrc") if ws.repo.exists(p)]
    rc_path = rcs[0] if rcs else ws.patterns("bazelrc")[0]
    out.extend(check_lockfile_mode(rc_path, lockfile_mode_settings(_rc_files(ws, rc_path) if rcs else [])))

    lock_path = ws.patterns("bazel-lock")[0]
    if not ws.repo.exists(lock_path):
        out.append(finding(LOCK_MISSING, module_path, f"{lock_path} does not exist: dependency resolution is not "
                                                      "pinned; run `bazel mod deps` and commit the lock", 1))
        return out
    if ws.repo.is_git and lock_path not in ws.repo.tracked:
        out.append(finding(LOCK_UNTRACKED, lock_path, f"{lock_path} is not tracked by git (ignored or never added), so "
                                                      "CI resolves dependencies afresh; `git add` it", 1))
    lock_bytes = _committed_bytes(ws, lock_path)
    module_bytes = _committed_bytes(ws, module_path)
    lock = LockInfo(None, None, "unreadable")
    if lock_bytes is not None:
        try:
            lock = read_lock(decode_text(lock_path, lock_bytes))
        except UnreadableFile as exc:
            lock = LockInfo(None, None, exc.reason)
    if lock.problem is not None and lock_bytes is not None:
        out.append(finding(BAD_LOCK, lock_path, f"{lock_path} is not a lock file ({lock.problem}); regenerate it with "
                                                "`bazel mod deps --lockfile_mode=update`", 1))
    elif module_bytes is not None:
        out.extend(check_lock_hash(lock_path, module_path, lock, module_bytes))

    base = ws.base_ref or ("HEAD" if ws.staged else None)
    if base is not None and not any(f.rule == STALE_LOCK.id for f in out):
        try:
            old_module, old_lock = ws.repo.show(base, module_path), ws.repo.show(base, lock_path)
        except GitError:
            return out
        if old_module is not None and old_module != module_bytes and old_lock == lock_bytes:
            records = lock.module_hash is not None
            out.append(finding(MODULE_CHANGED, module_path,
                               f"{module_path} changed since {base} but {lock_path} did not"
                               + ("" if records else " (this lock format records no hash of the file, so only a "
                                                     "dependency change makes it stale)")
                               + "; run `bazel mod deps --lockfile_mode=update` and commit the lock", 1,
                               severity="error" if records else "warning"))
    return out
