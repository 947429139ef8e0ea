"""The run cache: a ``check`` whose inputs have not changed since an earlier identical run gives that run's result
without running a rule.

How it stays correct (the same idea as a build system's action cache):

- A run's *key* is everything that shapes it besides the repository's contents: this tool's code, the interpreter
  and its installed packages, the root, the config, and the command's selection, paths and mode.
- While a run goes, the repository layer hands every answer it gives to a :class:`Recorder` (repo.py): each file's
  bytes (or why it cannot be read), each "does this exist", the file list, what a ref names, what is staged. The
  entry stores those questions with a digest of each answer, and the run's result.
- A later run with the same key asks the same questions again, in the same order, through the same layer. Only
  when every answer is the same is the stored result used; the first different answer makes it a normal run
  (which records afresh). Nothing is trusted to timestamps.

A run that reads a build output by path (coverage reports), writes, hits an internal error or sees a file change
while it reads is not stored. The library (``api.check``) never uses the cache; the CLI does unless
``--no-cache`` or ``OBSERVATORY_NO_CACHE`` says not to. Entries live in ``OBSERVATORY_CACHE_DIR``, else
``$XDG_CACHE_HOME/observatory-invariants``, else ``~/.cache/observatory-invariants`` — never inside the
repository. A cache that cannot be read or written is no cache: a run never fails because of it.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cached_property
from pathlib import Path

from .errors import GitError, UnreadableFile
from .findings import Finding, Severity
from .repo import RECORDED_QUESTIONS, inside, read_regular_file

try:   # blake2 alone: `hashlib` would load OpenSSL's bindings too, a few milliseconds of every run's start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

FORMAT = 1
# Older entries (by last use) are removed beyond this many, or this many bytes in all: an entry lists every file a
# run read (about 100 bytes each), and every different file list a pre-commit hook is given is an entry of its own.
MAX_ENTRIES = 256
MAX_BYTES = 64_000_000


# --- answers -----------------------------------------------------------------------------------------------

def digest(value) -> str:
    """A short, collision-resistant digest of an answer the repository gave (bytes, text, a path list, a bool,
    None, or the error it raised): a kind tag, then the answer (a file's bytes are hashed as they are, not copied)."""
    if isinstance(value, BaseException):
        kind, material = b"!", f"{type(value).__name__}\0{value}".encode("utf-8", "surrogatepass")
    elif isinstance(value, (bytes, bytearray)):
        kind, material = b"b", value
    elif isinstance(value, str):
        kind, material = b"s", value.encode("utf-8", "surrogatepass")
    elif isinstance(value, (list, tuple)):
        kind, material = b"l", "\0".join(value).encode("utf-8", "surrogatepass")
    elif isinstance(value, (set, frozenset)):
        kind, material = b"f", "\0".join(sorted(value)).encode("utf-8", "surrogatepass")
    elif value is None or isinstance(value, (bool, int)):
        kind, material = b"r", repr(value).encode()
    else:   # an answer of a kind this module does not know cannot be compared: never equal to anything
        raise TypeError(f"cannot digest {type(value).__name__}")
    hasher = blake2b(kind, digest_size=16)
    hasher.update(material)
    return hasher.hexdigest()


class Recorder:
    """The questions a run asked the repository and a digest of each answer, in the order first asked."""

    def __init__(self) -> None:
        self.answers: dict[str, list] = {}   # question key -> [name, args, kwargs, digest]
        self.unrepeatable_by: str | None = None   # why the run cannot be replayed (then it is not stored)

    def answered(self, name: str, args: tuple, kwargs: dict, value) -> None:
        question = [name, list(args), dict(sorted(kwargs.items()))]
        try:
            key = json.dumps(question)
            answer = digest(value)
        except (TypeError, ValueError):
            self.unrepeatable(name)
            return
        self._keep(key, [*question, answer])

    def _keep(self, key: str, entry: list) -> None:
        known = self.answers.setdefault(key, entry)
        if known[3] != entry[3]:   # the same question answered differently within one run: a file changed
            self.unrepeatable(f"{entry[0]} changed while the run read it")

    def unrepeatable(self, why: str) -> None:
        if self.unrepeatable_by is None:
            self.unrepeatable_by = why

    def merge(self, answers: dict[str, list], unrepeatable_by: str | None) -> None:
        """Add what another process of the same run recorded (the runner's second process)."""
        for key, entry in answers.items():
            self._keep(key, entry)
        if unrepeatable_by:
            self.unrepeatable(unrepeatable_by)


def _well_formed(question) -> bool:
    """A question the repository layer itself records: one of its recorded names, text arguments, flags. An entry
    is data: whoever can write the cache folder must not be able to make a run call anything else."""
    if not (isinstance(question, list) and len(question) == 4):
        return False
    name, args, kwargs, expected = question
    return (isinstance(name, str) and name in RECORDED_QUESTIONS and isinstance(args, list)
            and all(isinstance(a, str) or a is None for a in args) and isinstance(kwargs, dict)
            and all(isinstance(k, str) and isinstance(v, (bool, str)) for k, v in kwargs.items())
            and isinstance(expected, str))


def same_answers(repo, questions: list) -> bool:
    """Whether the repository answers every recorded question as it did then (stops at the first difference)."""
    if not isinstance(questions, list):
        return False
    kind = type(repo)
    for question in questions:
        if not _well_formed(question):
            return False
        name, args, kwargs, expected = question
        attribute = getattr(kind, name, None)
        try:
            if isinstance(attribute, cached_property):
                value = getattr(repo, name)
            elif callable(attribute):
                value = getattr(repo, name)(*args, **kwargs)
            else:
                return False
        except (UnreadableFile, GitError) as exc:
            value = exc
        except Exception:  # noqa: BLE001 - a question that now fails otherwise: run the rules, they will say why
            return False
        try:
            if digest(value) != expected:
                return False
        except TypeError:
            return False
    return True


# --- results -----------------------------------------------------------------------------------------------

def _result_to_json(result) -> dict:
    return {"findings": [[f.rule, f.path, f.message, f.line, f.column, f.severity.value] for f in result.findings],
            "rules_run": result.rules_run, "not_implemented": result.not_implemented, "scope": result.scope,
            "hidden_outside": result.hidden_outside, "before_known": result.before_known}


def _result_from_json(data: dict):
    from .runner import RunResult

    findings = [Finding(rule=r, path=p, message=m, line=ln, column=c, severity=Severity(s))
                for r, p, m, ln, c, s in data["findings"]]
    return RunResult(findings=findings, rules_run=list(data["rules_run"]),
                     not_implemented=list(data["not_implemented"]), scope=data["scope"],
                     hidden_outside=int(data["hidden_outside"]), before_known=bool(data["before_known"]))


# --- what shapes a run besides the repository --------------------------------------------------------------

def _tree_stamp(folder: Path) -> list:
    """Name, size and modification time of every file under ``folder`` (this tool's code and packaged data):
    editing, reinstalling or upgrading the tool changes it."""
    stamp: list = []
    _stamp_folder(os.fspath(folder), "", stamp)
    return stamp


def _stamp_folder(path: str, shown: str, stamp: list) -> None:
    """One folder's files (sorted), then its sub-folders' (sorted, not through links, no __pycache__): the order
    os.walk gives, at a third of its cost (every warm run pays this)."""
    try:
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if entry.name != "__pycache__" and not entry.is_symlink():
                folders.append(entry)
            continue
        try:
            st = os.stat(entry.path)
        except OSError:
            continue
        stamp.append([shown + entry.name, st.st_size, st.st_mtime_ns])
    for entry in folders:
        _stamp_folder(entry.path, f"{shown}{entry.name}/", stamp)


def _environment_stamp() -> list:
    """The interpreter, where it imports from, and its installed packages: a site-packages folder's entries change
    (its modification time with them) whenever a distribution is installed, upgraded or removed."""
    packages = []
    for entry in sys.path:
        if os.path.basename(entry.rstrip("/\\")) in ("site-packages", "dist-packages"):
            try:
                packages.append([entry, os.stat(entry).st_mtime_ns])
            except OSError:
                pass
    return [sys.version, sys.platform, sys.executable, list(sys.path), packages]


def _tool_stamp() -> list:
    """This tool's code and the data it ships (its own JSON schemas and rule pages, which a source checkout or an
    editable install reads from outside the package folder)."""
    from .contracts_data import _SOURCE_DIRS

    stamp = [_tree_stamp(Path(__file__).parent)]
    stamp.extend(_tree_stamp(folder) for folder in _SOURCE_DIRS.values() if folder.is_dir())
    return stamp


def run_key(*, root: Path, config, command: dict) -> str:
    material = json.dumps([FORMAT, _tool_stamp(), _environment_stamp(), str(root),
                           repr(config), command], sort_keys=True, default=str)
    return blake2b(material.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def cache_folder(root: Path | None = None) -> Path | None:
    """Where entries live, or None when caching is switched off (``OBSERVATORY_NO_CACHE``) or the folder would be
    inside the repository ``root`` (the tool never writes there unasked)."""
    if os.environ.get("OBSERVATORY_NO_CACHE"):
        return None
    configured = os.environ.get("OBSERVATORY_CACHE_DIR")
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):   # the XDG spec: a relative value is invalid and must be ignored
            base = os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "observatory-invariants"
    folder = Path(os.path.abspath(folder))
    if root is not None and inside(Path(os.path.realpath(folder)), Path(os.path.realpath(root))):
        return None
    return folder


def _trusted(folder: Path) -> bool:
    """An existing cache folder is used only when it is this user's and nobody else may write to it: entries decide
    what a run reports. A folder that does not exist yet is created private."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    import stat as stat_module

    if not stat_module.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return False
    return True


class RunCache:
    """Entries in one folder, one file per key (JSON; never executable data)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _entry(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def lookup(self, key: str, repo):
        """The stored result of the run with this key when the repository still answers as it did, else None."""
        path = self._entry(key)
        try:   # a regular file only, opened non-blocking (a FIFO planted there must not hang the run)
            entry = json.loads(read_regular_file(path, MAX_BYTES))
            if not isinstance(entry, dict) or entry.get("format") != FORMAT:
                return None
            if not same_answers(repo, entry["questions"]):
                return None
            result = _result_from_json(entry["result"])
        except (UnreadableFile, GitError):
            return None
        except Exception:  # noqa: BLE001 - a damaged entry (bad shapes, nesting too deep) is a miss, never a failure
            return None
        try:
            os.utime(path)   # last use, for pruning
        except OSError:
            pass
        return result

    def store(self, key: str, recorder: Recorder, result) -> bool:
        """Keep a finished run (not one that cannot be replayed or that crashed); False when not stored."""
        if recorder.unrepeatable_by is not None or result.internal_errors:
            return False
        entry = {"format": FORMAT, "questions": list(recorder.answers.values()), "result": _result_to_json(result)}
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            data = json.dumps(entry, separators=(",", ":")).encode("utf-8", "surrogatepass")
            if len(data) > MAX_BYTES:   # larger than the whole cache may be: not kept
                return False
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self._entry(key))
            self._prune()
        except (OSError, ValueError, TypeError):
            try:   # a full disk or a folder gone: leave nothing half-written behind
                os.unlink(temporary)
            except OSError:
                pass
            return False
        return True

    def _prune(self) -> None:
        import time

        entries, stale = [], []
        hour_ago = time.time_ns() - 3600 * 10**9
        for entry in os.scandir(self.folder):
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.name.endswith(".json"):
                entries.append((st.st_mtime_ns, st.st_size, entry.path))
            elif entry.name.endswith(".tmp") and st.st_mtime_ns < hour_ago:   # left by a run that was killed
                stale.append(entry.path)
        entries.sort(reverse=True)   # the most recently used first
        kept = total = 0
        for _used, size, path in entries:
            kept, total = kept + 1, total + size
            if kept > MAX_ENTRIES or total > MAX_BYTES:
                stale.append(path)
        for path in stale:
            try:
                os.unlink(path)
            except OSError:
                pass


def open_cache(disabled: bool = False, root: Path | None = None) -> RunCache | None:
    """The cache for a run at ``root``; None when it is switched off, would be inside the repository, or is a
    folder another user owns or may write to."""
    folder = None if disabled else cache_folder(root)
    return None if folder is None or not _trusted(folder) else RunCache(folder)
