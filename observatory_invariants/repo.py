"""The repository access layer: the one place that touches the file system and git.

Checks never open files or run git themselves; they ask a :class:`Repository`
(through the workspace). Tests and other tools can hand checks a different
implementation with the same methods.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
import subprocess
from functools import cached_property, wraps
from pathlib import Path

from .errors import ConfigError, GitError, UnreadableFile
from .layout import DEFAULT_ROOT_MARKERS
from .patterns import compile_patterns
from .textio import DEFAULT_MAX_FILE_SIZE, MAX_FILE_SIZE_CEILING, decode_text, too_large



# No option look-alikes, ranges, negations, whitespace or control characters; git itself judges the rest
# (unicode branch names are legal). Refs also go after --end-of-options wherever git allows it.
_BAD_REF = re.compile(r"^[-^]|\.\.|[\s\x00-\x1f\x7f;$`]")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def validate_ref(ref: str) -> str:
    """Reject refs that git could read as an option, a range or a negation; return the ref unchanged."""
    if not isinstance(ref, str) or not ref or len(ref) > 256 or _BAD_REF.search(ref):
        raise ConfigError(f"invalid git ref {ref!r}: expected a branch, tag or commit (not an option, a range or "
                          "a negation)")
    return ref


# --- reading files: regular files only, capped, never blocking -------------------------------------------

def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "named pipe (FIFO)"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


# Non-blocking (a FIFO never hangs the run), no controlling terminal, closed on exec, binary.
_OPEN_READ = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))


def read_regular_file(path: str | os.PathLike, limit: int, shown: str | None = None,
                      within: str | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (links followed), at most ``limit`` of them; else UnreadableFile.

    The type is checked before opening and again on the open descriptor, and the file is opened non-blocking:
    a FIFO, a device or a socket is refused and never blocks; a file that grows past the cap while being read
    is refused too. ``shown`` is the name the error uses (default: ``path``). With ``within`` (a resolved folder),
    the file the descriptor really opened must lie inside it where the system says which that is (Linux's
    /proc/self/fd): a folder swapped for a link to elsewhere after it was resolved is refused too.
    """
    shown = str(path) if shown is None else shown
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableFile(shown, f"is a {_kind(st.st_mode)}, not a regular file; not read"
                                 if not stat.S_ISDIR(st.st_mode) else "is a directory, not a file")
        if st.st_size > limit:
            raise too_large(shown, st.st_size, limit)
        fd = os.open(path, _OPEN_READ)
    except FileNotFoundError:
        raise UnreadableFile(shown, "does not exist") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile(shown, "is a symbolic link loop") from None
        raise UnreadableFile(shown, f"cannot be read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):   # swapped for something else between the two looks
            raise UnreadableFile(shown, f"is a {_kind(st.st_mode)}, not a regular file; not read")
        if within is not None:
            opened = _opened_path(fd)
            if opened is not None and not _inside_text(opened, within):
                raise UnreadableFile(shown, "is reached through a symbolic link to a folder outside the repository; "
                                            "not read")
        data = _read_to_end(fd, limit)
        if data is None:
            raise too_large(shown, None, limit)
        return data
    except OSError as exc:
        raise UnreadableFile(shown, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


_OPEN_PLAIN = _OPEN_READ | getattr(os, "O_NOFOLLOW", 0)
_FAST_READS = os.path.isdir("/proc/self/fd") and hasattr(os, "O_NOFOLLOW")


def _read_plain_file(full: str, limit: int) -> bytes | None:
    """The bytes of ``full`` when it is plainly a regular file under the cap, reached through no link at all (the
    path the kernel opened is ``full`` itself: the descriptor says so), else None: the caller then looks
    closer, and words what it finds. Most files of a run are read here, with fewer system calls. Nothing but a
    regular file is ever opened (a device's open may act)."""
    try:
        if not stat.S_ISREG(os.lstat(full).st_mode):
            return None
        fd = os.open(full, _OPEN_PLAIN)   # a link put there since fails here (ELOOP)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit or _opened_path(fd) != full:
            return None
        return _read_to_end(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_to_end(fd: int, limit: int) -> bytes | None:
    """Everything an open file holds, or None when that is more than ``limit`` bytes (it may grow while read)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None


def _opened_path(fd: int) -> str | None:
    """The path of the file an open descriptor refers to, as the kernel resolved it (Linux), else None."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _inside_text(path_text: str, root_text: str) -> bool:
    return path_text == root_text or path_text.startswith(root_text.rstrip(os.sep) + os.sep)


def inside(path: Path, root: Path) -> bool:
    """Whether the (resolved) ``path`` is ``root`` or below it (both absolute and resolved: compared as text, which
    is what ``root in path.parents`` does, without building every parent)."""
    return _inside_text(os.fspath(path), os.fspath(root))


def _is_marker(folder: Path, marker: str) -> bool:
    path = folder / marker
    if marker != "pyproject.toml":
        return os.path.lexists(path)
    # A service's own pyproject.toml inside a monorepo is not the monorepo's root: only one
    # that configures this tool marks the root (a bare one is the fallback, see find_root).
    try:
        return b"[tool.observatory-invariants" in read_regular_file(path, MAX_FILE_SIZE_CEILING)
    except UnreadableFile:
        return False


def find_root(start: Path, markers: tuple[str, ...] = DEFAULT_ROOT_MARKERS) -> Path:
    """The nearest folder at or above ``start`` holding one of ``markers``.

    Failing that, the nearest folder with any pyproject.toml, and failing that ``start`` itself.
    A ``start`` that is a symbolic link is not followed: discovery begins at the folder holding the link
    (a committed link to an outside folder never makes that folder the root).
    """
    start = Path(os.path.abspath(start))
    if os.path.islink(start) or not os.path.isdir(start):
        start = start.parent
    start = start.resolve()
    folders = (start, *start.parents)
    for folder in folders:
        if any(_is_marker(folder, marker) for marker in markers):
            return folder
    if "pyproject.toml" in markers:
        for folder in folders:
            if os.path.isfile(folder / "pyproject.toml"):
                return folder
    return start


# --- git: read-only, and nothing the scanned repository configures is ever executed ----------------------

# Each of these is settable in a repository's .git/config and would make a read-only command run a program or
# write: the fsmonitor hook, hooks, transports (a partial clone's lazy fetch), external diff and textconv
# drivers, submodule recursion. Clean/smudge filters are per driver name: see Repository._filter_overrides.
_GIT_CONFIG = ("core.fsmonitor=false", f"core.hooksPath={os.devnull}", "protocol.allow=never",
               "diff.external=", "submodule.recurse=false", "core.untrackedCache=false")
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0",       # never refresh-and-write the index (nor a submodule's)
            "GIT_NO_LAZY_FETCH": "1",        # a partial clone's missing object is missing, not fetched
            "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "LANGUAGE": "C",
            # an object id always names the same content (no refs/replace): what a commit held cannot change,
            # which the run cache relies on (history is re-validated through the refs that name commits)
            "GIT_NO_REPLACE_OBJECTS": "1"}
_GIT_ENV_DROP = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS")
# For the diff commands: no external diff, no textconv, no recursion into submodules, no order file.
_DIFF_SAFE = ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all", f"-O{os.devnull}")


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env.update(_GIT_ENV)
    return env


def _git_argv(root: Path, args: tuple[str, ...], overrides: tuple[str, ...] = ()) -> list[str]:
    argv = ["git", "--no-pager"]
    for setting in (*_GIT_CONFIG, *overrides):
        argv += ["-c", setting]
    return [*argv, "-C", str(root), *args]


def _git_process(root: Path, *args: str, overrides: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(_git_argv(root, args, overrides), capture_output=True, stdin=subprocess.DEVNULL,
                              env={**_git_env(), **(env or {})}, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed (not found on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} timed out") from None


def _git_failure(proc: subprocess.CompletedProcess, what: str) -> str:
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return message[0] if message else f"git {what} failed"


def _run_git(root: Path, *args: str, overrides: tuple[str, ...] = ()) -> bytes:
    proc = _git_process(root, *args, overrides=overrides)
    if proc.returncode != 0:
        raise GitError(_git_failure(proc, args[0]))
    return proc.stdout


def _refusal(stderr: str) -> str | None:
    """Why git refuses a repository it found (None: there is simply no repository)."""
    lowered = stderr.lower()
    if "dubious ownership" in lowered or "unsafe repository" in lowered:
        return ("git refuses this repository (dubious ownership: it belongs to another user); trust it with "
                "`git config --global --add safe.directory PATH` to check it as a git repository")
    if "not a git repository" in lowered:
        return None
    first = stderr.strip().splitlines()
    return f"git cannot read this repository ({first[0] if first else 'unknown error'})"


def _split_z(out: bytes) -> list[str]:
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


WORKTREE = "worktree"
INDEX = "index"


# --- recording what a run read (the run cache, run_cache.py) ---------------------------------------------
# Every question a run asks the live repository — a file's bytes, whether a path exists, the file list, what a
# ref names, what is staged — is an input of its findings. When a run is recorded, each answer is handed to the
# recorder (``answered(name, args, kwargs, value)``); asking the same questions again later and getting the same
# answers means the run would find the same. What a commit holds (show, files_at) is recorded too: an object id
# names the same bytes forever, but in a partial clone an object may be missing now and fetched later. The
# "before" tree (TreeRepository) reads blobs by id; a missing one makes the run unrepeatable.

RECORDED_QUESTIONS: set[str] = set()   # the only names a stored run may ask again (see run_cache.same_answers)


def _recorded(method):
    name = method.__name__
    RECORDED_QUESTIONS.add(name)

    @wraps(method)
    def answer(self, *args, **kwargs):
        recorder = self.recorder
        if recorder is None:
            return method(self, *args, **kwargs)
        try:
            value = method(self, *args, **kwargs)
        except (UnreadableFile, GitError) as exc:
            recorder.answered(name, args, kwargs, exc)
            raise
        except BaseException:
            recorder.unrepeatable(name)
            raise
        recorder.answered(name, args, kwargs, value)
        return value
    return answer


def _recorded_property(method):
    return cached_property(_recorded(method))


def _unrepeatable(method):
    """Inputs a recorded run cannot re-ask cheaply and exactly (build outputs outside the project's files, which
    their readers open by path): a run that reads them is not cached."""
    name = method.__name__

    @wraps(method)
    def unrepeatable(self, *args, **kwargs):
        if self.recorder is not None:
            self.recorder.unrepeatable(name)
        return method(self, *args, **kwargs)
    return unrepeatable


def _listed_file(full: str) -> bool:
    """Whether a path git lists is a file of the work tree: it exists (a dangling link counts) and is not a folder
    (a submodule) nor a link to one. One lstat for the common case."""
    try:
        mode = os.lstat(full).st_mode
    except OSError:
        return False
    if stat.S_ISLNK(mode):
        return not os.path.isdir(full)
    return not stat.S_ISDIR(mode)


class Repository:
    """A repository root plus cached, read-once access to its files and its git history.

    ``content`` says which version of the files checks see: the work tree (default), or the
    index (``--staged`` without the pre-commit framework, which would have stashed unstaged
    changes itself): then the file list is the index's and a file whose work-tree copy differs
    from its staged copy is read from the index.
    """

    def __init__(self, root: Path, *, exclude: tuple[str, ...] = (), max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 content: str = WORKTREE):
        self.root = root.resolve()
        self._root_text = os.fspath(self.root)
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.content = content
        self._text: dict[str, str | UnreadableFile] = {}
        self.git_problem: str | None = None   # why a repository git found cannot be used (see git_prefix)
        self._scratch_index: str | None = None
        self._index_path = ""   # git's index file (relative to the root, or absolute); set with git_prefix
        self._real_folders: dict[str, str] = {}
        self.recorder = None   # set by the run cache: every answer below goes to it (see _recorded)

    # -- git ------------------------------------------------------------
    def _git(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return _git_process(self.root, *args, overrides=self._filter_overrides, env=env)

    def _run(self, *args: str, env: dict[str, str] | None = None) -> bytes:
        proc = self._git(*args, env=env)
        if proc.returncode != 0:
            raise GitError(_git_failure(proc, args[0]))
        return proc.stdout

    def _diff_work_tree(self, *args: str) -> bytes:
        """``git diff`` of the work tree (against the index, or a commit), read-only.

        Porcelain diff refreshes the index and writes it back, whatever GIT_OPTIONAL_LOCKS says; so it runs on
        a scratch copy of the index (the one git would use, GIT_INDEX_FILE included), which it may rewrite.
        """
        import shutil
        import tempfile
        import weakref

        if self._scratch_index is None:
            self.require_git("a diff")
            folder = tempfile.mkdtemp(prefix="observatory-index-")
            weakref.finalize(self, shutil.rmtree, folder, True)
            source = os.environ.get("GIT_INDEX_FILE") or self._index_path
            source_path = Path(source) if os.path.isabs(source) else self.root / source
            self._scratch_index = os.path.join(folder, "index")
            if os.path.isfile(source_path):
                shutil.copyfile(source_path, self._scratch_index)
        return self._run("diff", *_DIFF_SAFE, *args, env={"GIT_INDEX_FILE": self._scratch_index})

    @_recorded_property
    def git_prefix(self) -> str | None:
        """The root's path inside its git work tree ("" at the top), or None outside git.

        None too when git is missing or refuses the repository (another user's: "dubious ownership"); then
        :attr:`git_problem` says so, so that a caller can tell the user why the root is checked as a plain
        folder (and ``--staged``/``--base`` fail with that reason).
        """
        try:   # the index's path comes with it (a --base run copies the index, see _diff_work_tree), and HEAD
            proc = _git_process(self.root, "rev-parse", "--show-prefix", "--git-path", "index",
                                "--verify", "--quiet", "HEAD^{commit}")
            lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
            if proc.returncode == 0 and len(lines) == 4 and _SHA.match(lines[2]):
                self.__dict__["_head"] = lines[2]   # the cached_property's value: no second rev-parse
                self._index_path = lines[1]
                return lines[0].strip()
            # no commit yet (or git refusing the repository): ask without HEAD, to tell which
            proc = _git_process(self.root, "rev-parse", "--show-prefix", "--git-path", "index")
        except GitError as exc:   # git missing, or hung
            if any(os.path.lexists(folder / ".git") for folder in (self.root, *self.root.parents)):
                self.git_problem = str(exc)
            return None
        if proc.returncode != 0:
            self.git_problem = _refusal(proc.stderr.decode("utf-8", "replace"))
            return None
        prefix, _, index = proc.stdout.decode("utf-8", "surrogateescape").partition("\n")
        self._index_path = index.rstrip("\n")
        return prefix.strip()

    @property
    def is_git(self) -> bool:
        return self.git_prefix is not None

    @property
    def notes(self) -> list[str]:
        """What the user should know about how the root was read (git missing or refusing it)."""
        if self.is_git or self.git_problem is None:
            return []
        return [f"{self.root}: {self.git_problem}; checked as a plain folder (untracked files included, no git "
                "history)"]

    @cached_property
    def _filter_overrides(self) -> tuple[str, ...]:
        """``-c`` settings that disable every clean/smudge/process filter driver git's config defines.

        Filters are configured per driver name (``filter.<name>.clean``), so the names come from git itself
        (reading config runs nothing); an empty command is "no filter" to git.
        """
        if not self.is_git:
            return ()
        proc = _git_process(self.root, "config", "-z", "--name-only", "--get-regexp", r"^filter\.")
        names = {key.rsplit(".", 1)[0] for key in _split_z(proc.stdout) if key.count(".") >= 2}
        # a driver marked required (git-lfs is) would make git fail rather than skip it
        return tuple(f"{name}.{setting}" for name in sorted(names)
                     for setting in ("clean=", "smudge=", "process=", "required=false"))

    def _unusable(self, what: str) -> GitError:
        why = self.git_problem or "it is not a git repository"
        return GitError(f"{self.root}: {why}, so {what} cannot be used")

    @_recorded
    def resolve_ref(self, ref: str) -> str:
        """The commit SHA a (validated) ref names; GitError when it names nothing (or more than one commit)."""
        validate_ref(ref)
        if not self.is_git:
            raise self._unusable(f"--base {ref}")
        try:
            out = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except GitError:
            raise GitError(f"unknown git ref {ref!r}") from None
        sha = out.decode("ascii", "replace").strip()
        if not _SHA.match(sha):
            raise GitError(f"git ref {ref!r} does not name one commit (git answered {sha[:100]!r})")
        return sha

    def _blob(self, spec: str, path: str, where: str) -> bytes | None:
        """A blob's bytes (None when git has none under ``spec``), read up to the size cap."""
        try:
            proc = subprocess.Popen(_git_argv(self.root, ("cat-file", "blob", spec), self._filter_overrides),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    env=_git_env())
        except FileNotFoundError:
            raise GitError("git is not installed (not found on PATH)") from None
        try:
            data = proc.stdout.read(self.max_file_size + 1)
            if len(data) > self.max_file_size:
                raise too_large(path, None, self.max_file_size, f" {where}")
            return data if proc.wait(timeout=120) == 0 else None
        except subprocess.TimeoutExpired:
            raise GitError(f"git cat-file {spec} timed out") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()

    @_recorded
    def show(self, ref: str, path: str) -> bytes | None:
        """A file's bytes at ``ref`` (None when it did not exist there); UnreadableFile over the size cap."""
        sha = self.resolve_ref(ref)
        return self._blob(f"{sha}:./{_confined(path)}", path, f"at {ref}")

    @_recorded
    def staged(self, path: str) -> bytes | None:
        """A file's bytes in the index (what a commit would record); None when it is not staged;
        UnreadableFile over the size cap."""
        return self._blob(f":./{_confined(path)}", path, "in the index")

    def require_git(self, what: str) -> None:
        if not self.is_git:
            raise self._unusable(what)

    @cached_property
    def _status(self) -> tuple[list[str], list[str], frozenset[str]]:
        """What a commit would change and what is not staged, from one ``git status`` (porcelain v2; it refreshes
        the index in memory only: GIT_OPTIONAL_LOCKS=0 keeps it from writing it back). Returns the paths the index
        changes against HEAD as ``diff --cached --diff-filter=ACMRD`` names them (added, modified, deleted;
        not a type change nor a conflict), those it deletes, and those whose work-tree copy is not what is
        staged (modified, deleted, a type change, intent-to-add, a conflict). No renames, no submodules; only
        paths under the root, relative to it."""
        self.require_git("--staged")
        # Submodules: their commits are compared (no look inside them, nothing run), so that one the index removes
        # is a deletion, as the deletion diff says; nothing else of theirs is an answer (the diffs ignored them).
        out = self._run("status", "--porcelain=v2", "-z", "--untracked-files=no", "--ignore-submodules=dirty",
                        "--no-renames")
        prefix = self.git_prefix or ""
        staged, deleted, unstaged = [], [], set()
        records = out.decode("utf-8", "surrogateescape").split("\0")
        at = 0
        while at < len(records):
            record = records[at]
            at += 1
            kind = record[:2]
            if kind == "1 ":    # 1 XY sub mH mI mW hH hI path
                fields = record.split(" ", 8)
            elif kind == "2 ":  # 2 XY sub mH mI mW hH hI Xscore path, then the original path (renames are off)
                fields = record.split(" ", 9)
                at += 1
            elif kind == "u ":  # u XY sub m1 m2 m3 mW h1 h2 h3 path: a conflict
                fields = record.split(" ", 10)
            else:               # untracked and ignored files are not asked for
                continue
            path = fields[-1]
            if not path.startswith(prefix):
                continue
            path = path[len(prefix):]
            index_side, work_tree_side = fields[1][0], fields[1][1]
            if fields[2][0] == "S":   # a submodule: "S<commit changed><modified><untracked>"
                if kind == "1 " and index_side == "D":
                    deleted.append(path)
                continue
            if kind == "u ":
                unstaged.add(path)
                continue
            if index_side in "AMD":
                staged.append(path)
                if index_side == "D":
                    deleted.append(path)
            if work_tree_side != ".":
                unstaged.add(path)
        return sorted(staged), sorted(deleted), frozenset(unstaged)

    @_recorded_property
    def _differs_from_index(self) -> frozenset[str]:
        """Paths whose work-tree copy is not what is staged (modified or deleted since `git add`)."""
        return self._status[2]

    @_recorded
    def files_at(self, ref: str) -> list[str]:
        """Every file path under the root at ``ref``."""
        sha = self.resolve_ref(ref)
        out = self._run("ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", sha)
        prefix = self.git_prefix or ""
        return [p[len(prefix):] for p in _split_z(out) if p.startswith(prefix)]

    @_recorded
    def staged_paths(self) -> list[str]:
        """Paths the index changes against HEAD: added, copied, modified and deleted (renames as both)."""
        if self.content == INDEX:   # a staged check: one git status answers this and what differs from the index
            return list(self._status[0])
        self.require_git("--staged")   # (the gate: no look at the work tree)
        against = self._head or "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree before a first commit
        out = _run_git(self.root, "diff", *_DIFF_SAFE, "--cached", "--name-only", "-z", "--no-renames",
                       "--diff-filter=ACMRD", "--relative", "--end-of-options", against)
        return sorted(_split_z(out))

    @_recorded
    def staged_deletions(self) -> list[str]:
        """Paths the index deletes (pre-commit never passes them to hooks, but a deletion is a change to judge)."""
        return list(self._status[1])

    @_recorded
    def commit_before_change(self, base: str | None = None) -> str | None:
        """The commit a change is judged against: the merge base with ``base`` (``--base``), else HEAD; None
        for a repository with no commit yet (everything is new)."""
        if base is not None:
            sha = self.resolve_ref(base)
            try:
                return _run_git(self.root, "merge-base", "--end-of-options", sha, "HEAD").decode().strip()
            except GitError:
                return sha
        return self._head

    @cached_property
    def _head(self) -> str | None:
        """HEAD's commit id (None before the first commit), asked once: staged runs need it three times."""
        head = _git_process(self.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return head.stdout.decode().strip() if head.returncode == 0 else None

    @cached_property
    def _index_listing(self) -> list[str]:
        """Every path the index holds (ls-files runs no filter: no -c overrides, so no `git config` call)."""
        return _split_z(_run_git(self.root, "ls-files", "-z", "--cached"))

    @_recorded
    def changed_paths(self, base: str) -> list[str]:
        """Paths that differ between the merge base of ``base`` and HEAD, and HEAD's work tree."""
        sha = self.resolve_ref(base)
        try:
            merge_base = self._run("merge-base", "--end-of-options", sha, "HEAD").decode().strip()
        except GitError:
            merge_base = sha
        out = self._diff_work_tree("--name-only", "-z", "--no-renames", "--relative", "--end-of-options", merge_base)
        untracked = self._run("ls-files", "-z", "--others", "--exclude-standard")
        return sorted(set(_split_z(out)) | set(_split_z(untracked)))

    # -- the file list --------------------------------------------------
    @_recorded_property
    def files(self) -> list[str]:
        """Every file of the project, repo-relative with forward slashes, sorted.

        In git: tracked files plus untracked ones git does not ignore (a new schema
        is checked before it is added). Outside git: a walk honouring .gitignore.
        Excluded patterns from the config are dropped in both cases.
        """
        if self.is_git and self.content == INDEX:
            paths = list(dict.fromkeys(self._index_listing))
        elif self.is_git:
            out = _run_git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
            # Dangling links and link loops stay listed (reading them is a finding); folders (submodules) do not.
            paths = [p for p in dict.fromkeys(_split_z(out)) if _listed_file(os.path.join(self.root, p))]
        else:
            paths = self._walk()
        if self.exclude:
            spec = _spec(self.exclude)
            paths = [p for p in paths if not spec.match_file(p)]
        return sorted(paths)

    @_recorded_property
    def tracked(self) -> frozenset[str]:
        """Files git tracks (empty outside git)."""
        if not self.is_git:
            return frozenset()
        return frozenset(self._index_listing)

    def _walk(self) -> list[str]:
        import pathspec

        def unreadable_root(exc: OSError) -> None:
            if os.path.normpath(exc.filename or "") == os.path.normpath(self.root):
                raise ConfigError(f"{self.root}: cannot read the folder: {exc.strerror or exc}")

        found: list[str] = []
        ignore_stack: list[tuple[str, object]] = []
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(self.root, onerror=unreadable_root, followlinks=False):
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:  # a bind-mount or hard-linked loop
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            if ".gitignore" in filenames:
                try:   # like any file: a regular file inside the root, under the size cap
                    text = self.read_bytes(f"{rel_dir}/.gitignore" if rel_dir else ".gitignore", index=False)
                    lines = text.decode("utf-8", "replace").splitlines()
                    ignore_stack.append((rel_dir, pathspec.PathSpec.from_lines("gitignore", lines)))
                except UnreadableFile:
                    pass

            def ignored(rel: str, is_dir: bool) -> bool:
                for base, spec in ignore_stack:
                    if base and not rel.startswith(base + "/"):
                        continue
                    sub = rel[len(base) + 1:] if base else rel
                    if spec.match_file(sub + ("/" if is_dir else "")):
                        return True
                return False

            keep = []
            for d in sorted(dirnames):
                rel = f"{rel_dir}/{d}" if rel_dir else d
                if d == ".git" or ignored(rel, True):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not ignored(rel, False) and os.path.isfile(os.path.join(dirpath, name)):
                    found.append(rel)
        return found

    # -- reading ----------------------------------------------------------
    def _full(self, path: str) -> Path | None:
        """The path's place under the root, or None when the path itself leaves the root (absolute, ``..``)."""
        rel = _confined(path, strict=False)
        return None if rel is None else self.root / rel

    @_recorded
    def exists(self, path: str) -> bool:
        full = self._full(path)
        if full is None:
            return False
        if self.content == INDEX and path in self._differs_from_index:
            return path in self.tracked   # the index's copy is what checks read
        return os.path.lexists(full)  # a dangling link exists (and reading it is a finding)

    @_recorded
    def is_dir(self, path: str) -> bool:
        full = self._full(path)
        return full is not None and inside(full.resolve(), self.root) and full.is_dir()

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and _spec(self.exclude).match_file(path)

    @_recorded
    def read_bytes(self, path: str, *, index: bool = True) -> bytes:
        """A file's bytes: a regular file inside the root (links resolved, and they must stay inside), under the
        size cap; from the index for ``--staged`` when its work-tree copy differs. UnreadableFile otherwise."""
        rel = _confined(path, strict=False)
        if rel is None:
            raise UnreadableFile(path, "is outside the repository; not read")
        full = os.path.join(self._root_text, rel)   # text, not Path: this runs once per file of a run
        if index and self.content == INDEX and self.is_git and path in self._differs_from_index:
            data = self.staged(path)
            if data is None:
                raise UnreadableFile(path, "is not staged")
            return data
        if _FAST_READS:
            data = _read_plain_file(full, self.max_file_size)
            if data is not None:
                return data
        try:
            target = self._resolved(full)
        except FileNotFoundError:
            raise UnreadableFile(path, "does not exist") from None   # a dangling link too
        except (OSError, RuntimeError) as exc:
            if isinstance(exc, OSError) and exc.errno != errno.ELOOP:
                raise UnreadableFile(path, f"cannot be read: {exc.strerror or exc}") from None
            raise UnreadableFile(path, "is a symbolic link loop") from None
        if not inside(target, self.root):
            what = "a symbolic link to a file" if os.path.islink(full) else "reached through a symbolic link to a folder"
            raise UnreadableFile(path, f"is {what} outside the repository; not read")
        return read_regular_file(target, self.max_file_size, shown=path, within=self._root_text)

    def _resolved(self, full: str) -> str:
        """``realpath(full)`` for a path that exists (else stat's OSError), with its folder's resolution remembered: a
        run reads many files per folder, and resolving each from the root again is most of what reading a small file
        costs."""
        folder, name = os.path.split(full)
        real_folder = self._real_folders.get(folder)
        if real_folder is None:
            real_folder = self._real_folder(folder)
        candidate = os.path.join(real_folder, name)
        if stat.S_ISLNK(os.lstat(candidate).st_mode):   # a missing file raises here (FileNotFoundError)
            os.stat(full)   # a dangling link or a link loop raises here, before it is resolved
            return os.path.realpath(full)
        return candidate

    def _real_folder(self, folder: str) -> str:
        """``realpath(folder)``, built from the nearest folder above it already resolved: one lstat per new folder
        (realpath itself lstats every component from the root, again for each folder)."""
        known = self._real_folders
        pending = []
        while folder not in known:
            parent, name = os.path.split(folder)
            if parent == folder or name in ("", ".", ".."):
                known[folder] = os.path.realpath(folder)
                break
            pending.append((folder, parent, name))
            folder = parent
        for folder, parent, name in reversed(pending):
            candidate = os.path.join(known[parent], name)
            try:
                is_link = stat.S_ISLNK(os.lstat(candidate).st_mode)
            except OSError:
                is_link = True   # missing or unreadable: realpath says what it says (the file's lstat raises)
            known[folder] = os.path.realpath(folder) if is_link else candidate
        return known[folder]

    # -- build outputs (coverage reports) -------------------------------------------
    @_unrepeatable
    def local_path(self, path: str) -> Path:
        """The file on disk for a repo-relative ``path`` (which must stay inside the root) or an absolute one
        (given on the command line, read as it is). UnreadableFile when it is missing, a folder, or a
        relative path that leads outside the repository."""
        given = Path(path)
        if given.is_absolute():
            full = given
        else:
            full = self.root / given
            try:
                resolved = full.resolve()
            except RuntimeError:
                raise UnreadableFile(path, "is a symbolic link loop") from None
            if resolved != self.root and self.root not in resolved.parents:
                raise UnreadableFile(path, "leads outside the repository; not read")
        if not full.exists():
            raise UnreadableFile(path, "does not exist")
        if full.is_dir():
            raise UnreadableFile(path, "is a directory, not a file")
        if not full.is_file():
            raise UnreadableFile(path, "is not a regular file (a pipe or a device); not read")
        return full

    @_unrepeatable
    def open_binary(self, path: str):
        """A binary stream of a build output (a coverage report), with no size limit: readers stream it.
        Always the work tree's copy (build outputs are not staged). The caller closes it."""
        full = self.local_path(path)
        try:
            return open(full, "rb")
        except OSError as exc:
            raise UnreadableFile(path, f"cannot be read: {exc.strerror or exc}") from None

    @_unrepeatable
    def write_text(self, path: str, text: str) -> None:
        """Write a repo-relative file (only ``coverage --update-baseline`` writes, when asked)."""
        full = self.root / path
        resolved = full.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise UnreadableFile(path, "leads outside the repository; not written")
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(text.encode("utf-8"))
        self._text.pop(path, None)

    def read_text(self, path: str) -> str:
        """A file decoded as UTF-8 (BOM dropped, CRLF kept), read once; UnreadableFile otherwise."""
        return _decoded_once(self._text, path, self.read_bytes)


def _decoded_once(cache: dict, path: str, read_bytes) -> str:
    """``path``'s text from ``cache``, else read and decoded once; a file that cannot be read raises the same
    UnreadableFile every time (the failure is cached too)."""
    cached = cache.get(path)
    if cached is None:
        try:
            cached = decode_text(path, read_bytes(path))
        except UnreadableFile as exc:
            cached = exc
        cache[path] = cached
    if isinstance(cached, UnreadableFile):
        raise cached
    return cached


def _confined(path: str, strict: bool = True) -> str | None:
    """``path`` as a normalised root-relative posix path; None (or, ``strict``, UnreadableFile) when it is
    absolute or climbs out with ``..``."""
    rel = path.replace("\\", "/") if os.sep == "\\" else path
    normal = posixpath.normpath(rel) if rel else ""
    if (not normal or normal == "." or posixpath.isabs(normal) or normal == ".." or normal.startswith("../")
            or "\0" in normal or (os.sep == "\\" and re.match(r"^[A-Za-z]:", normal))):
        if strict:
            raise UnreadableFile(path, "is outside the repository; not read")
        return None
    return normal


def _spec(patterns):
    return compile_patterns(tuple(patterns))


class TreeRepository:
    """The project's files as one commit holds them (read-only): what the rules see of the state *before* a change,
    so a run can tell the findings a change causes from those that were already there.

    Files come from ``git ls-tree`` and their bytes from one ``git cat-file --batch`` process; the same size cap
    and text decoding as the work tree apply.
    """

    def __init__(self, root: Path, commit: str | None, *, exclude: tuple[str, ...] = (),
                 max_file_size: int = 5_000_000):
        self.root = root.resolve()
        self.commit = commit            # None: the empty tree (a repository's first commit has no "before")
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.content = "tree"
        self._text: dict[str, str | UnreadableFile] = {}
        self._batch: subprocess.Popen | None = None
        self._git = Repository(root, exclude=exclude, max_file_size=max_file_size)

    @cached_property
    def _prefix(self) -> str:
        return self._git.git_prefix or ""

    @cached_property
    def _entries(self) -> dict[str, tuple[str, int | None]]:
        """path -> (object id, size) for every blob under the root at the commit."""
        if self.commit is None:
            return {}
        out = _run_git(self.root, "ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", self.commit)
        entries = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, oid, size = meta.split()
            path = name.decode("utf-8", "surrogateescape")
            if kind != b"blob" or not path.startswith(self._prefix):
                continue
            entries[path[len(self._prefix):]] = (oid.decode(), int(size) if size != b"-" else None)
        return entries

    @cached_property
    def files(self) -> list[str]:
        paths = sorted(self._entries)
        if self.exclude:
            spec = _spec(self.exclude)
            paths = [p for p in paths if not spec.match_file(p)]
        return paths

    @cached_property
    def tracked(self) -> frozenset[str]:
        return frozenset(self._entries)

    @cached_property
    def _dirs(self) -> frozenset[str]:
        dirs = set()
        for path in self._entries:
            d = path.rpartition("/")[0]
            while d and d not in dirs:
                dirs.add(d)
                d = d.rpartition("/")[0]
        return frozenset(dirs)

    @property
    def is_git(self) -> bool:
        return True

    @property
    def git_prefix(self) -> str:
        return self._prefix

    def exists(self, path: str) -> bool:
        return path in self._entries or path in self._dirs

    def is_dir(self, path: str) -> bool:
        return path in self._dirs

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and _spec(self.exclude).match_file(path)

    def read_bytes(self, path: str) -> bytes:
        if path in self._dirs:
            raise UnreadableFile(path, "is a directory, not a file")
        entry = self._entries.get(path)
        if entry is None:
            raise UnreadableFile(path, "does not exist")
        oid, size = entry
        if size is not None and size > self.max_file_size:
            raise UnreadableFile(path, f"is {size} bytes, over the {self.max_file_size}-byte limit "
                                       "(max-file-size in the config); skipped")
        return self._cat(oid, path)

    def read_text(self, path: str) -> str:
        """A blob decoded as UTF-8 (BOM dropped, CRLF kept), read once; UnreadableFile otherwise."""
        return _decoded_once(self._text, path, self.read_bytes)

    def _cat(self, oid: str, path: str) -> bytes:
        if self._batch is None:
            try:
                self._batch = subprocess.Popen(_git_argv(self.root, ("cat-file", "--batch")), env=_git_env(),
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
            except FileNotFoundError:
                raise GitError("git is not installed") from None
        batch = self._batch
        batch.stdin.write(oid.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            if self._git.recorder is not None:   # missing now (a partial clone) is not missing for ever
                self._git.recorder.unrepeatable("a git object that could not be read")
            raise UnreadableFile(path, "cannot be read from git")
        size = int(header[2])
        data = batch.stdout.read(size)
        batch.stdout.read(1)  # the newline after the contents
        return data

    def close(self) -> None:
        if self._batch is not None:
            self._batch.stdin.close()
            self._batch.wait(timeout=30)
            self._batch = None

    def __del__(self):  # a run makes a handful of these; never leave a git process behind
        try:
            self.close()
        except Exception:
            pass

    # -- history questions are the live repository's ---------------------------------------------------------
    def resolve_ref(self, ref: str) -> str:
        return self._git.resolve_ref(ref)

    def show(self, ref: str, path: str) -> bytes | None:
        return self._git.show(ref, path)

    def files_at(self, ref: str) -> list[str]:
        return self._git.files_at(ref)

    def require_git(self, what: str) -> None:
        return None

    def staged(self, path: str) -> bytes | None:
        try:
            return self.read_bytes(path)
        except UnreadableFile:
            return None

