"""The repository access layer: the one place that touches the file system and git.

Checks never open files or run git themselves; they ask a :class:`Repository`
(through the workspace). Tests and other tools can hand checks a different
implementation with the same methods.
"""

from __future__ import annotations

import os
import re
import subprocess
from functools import cached_property
from pathlib import Path

from .errors import ConfigError, GitError, UnreadableFile
from .layout import DEFAULT_ROOT_MARKERS
from .patterns import compile_patterns
from .textio import decode_text



# No option look-alikes, ranges, whitespace or control characters; git itself judges the rest
# (unicode branch names are legal). Refs also go after --end-of-options wherever git allows it.
_BAD_REF = re.compile(r"^-|\.\.|[\s\x00-\x1f\x7f;$`]")


def validate_ref(ref: str) -> str:
    """Reject refs that git could read as an option or a range; return the ref unchanged."""
    if not ref or len(ref) > 256 or _BAD_REF.search(ref):
        raise ConfigError(f"invalid git ref {ref!r}: expected a branch, tag or commit (not an option or a range)")
    return ref


def _is_marker(folder: Path, marker: str) -> bool:
    path = folder / marker
    if marker != "pyproject.toml":
        return path.exists()
    # A service's own pyproject.toml inside a monorepo is not the monorepo's root: only one
    # that configures this tool marks the root (a bare one is the fallback, see find_root).
    try:
        return path.is_file() and "[tool.observatory-invariants" in path.read_text("utf-8", "replace")
    except OSError:
        return False


def find_root(start: Path, markers: tuple[str, ...] = DEFAULT_ROOT_MARKERS) -> Path:
    """The nearest folder at or above ``start`` holding one of ``markers``.

    Failing that, the nearest folder with any pyproject.toml, and failing that ``start`` itself.
    """
    start = start.resolve()
    if start.is_file():
        start = start.parent
    folders = (start, *start.parents)
    for folder in folders:
        if any(_is_marker(folder, marker) for marker in markers):
            return folder
    if "pyproject.toml" in markers:
        for folder in folders:
            if (folder / "pyproject.toml").is_file():
                return folder
    return start


def _git_process(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(("git", "-C", str(root), *args), capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:2])} timed out") from None


def _run_git(root: Path, *args: str) -> bytes:
    proc = _git_process(root, *args)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[0] if message else f"git {args[0]} failed")
    return proc.stdout


def _split_z(out: bytes) -> list[str]:
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


WORKTREE = "worktree"
INDEX = "index"


class Repository:
    """A repository root plus cached, read-once access to its files and its git history.

    ``content`` says which version of the files checks see: the work tree (default), or the
    index (``--staged`` without the pre-commit framework, which would have stashed unstaged
    changes itself): then the file list is the index's and a file whose work-tree copy differs
    from its staged copy is read from the index.
    """

    def __init__(self, root: Path, *, exclude: tuple[str, ...] = (), max_file_size: int = 5_000_000,
                 content: str = WORKTREE):
        self.root = root.resolve()
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.content = content
        self._text: dict[str, str | UnreadableFile] = {}

    # -- git ------------------------------------------------------------
    @cached_property
    def git_prefix(self) -> str | None:
        """The root's path inside its git work tree ("" at the top), or None outside git."""
        try:
            out = _run_git(self.root, "rev-parse", "--show-prefix")
        except GitError:
            return None
        return out.decode("utf-8", "surrogateescape").strip()

    @property
    def is_git(self) -> bool:
        return self.git_prefix is not None

    def resolve_ref(self, ref: str) -> str:
        """The commit SHA a (validated) ref names; GitError when it names nothing."""
        validate_ref(ref)
        if not self.is_git:
            raise GitError(f"{self.root} is not a git repository, so --base {ref} cannot be read")
        try:
            out = _run_git(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except GitError:
            raise GitError(f"unknown git ref {ref!r}") from None
        return out.decode().strip()

    def show(self, ref: str, path: str) -> bytes | None:
        """A file's bytes at ``ref`` (None when it did not exist there)."""
        sha = self.resolve_ref(ref)
        proc = _git_process(self.root, "cat-file", "blob", f"{sha}:./{path}")
        return proc.stdout if proc.returncode == 0 else None

    def staged(self, path: str) -> bytes | None:
        """A file's bytes in the index (what a commit would record); None when it is not staged."""
        proc = _git_process(self.root, "cat-file", "blob", f":./{path}")
        return proc.stdout if proc.returncode == 0 else None

    def require_git(self, what: str) -> None:
        if not self.is_git:
            raise GitError(f"{self.root} is not a git repository, so {what} cannot be used")

    @cached_property
    def _differs_from_index(self) -> frozenset[str]:
        """Paths whose work-tree copy is not what is staged (modified or deleted since `git add`)."""
        return frozenset(_split_z(_run_git(self.root, "diff", "--name-only", "-z", "--no-renames", "--relative")))

    def files_at(self, ref: str) -> list[str]:
        """Every file path under the root at ``ref``."""
        sha = self.resolve_ref(ref)
        out = _run_git(self.root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", sha)
        prefix = self.git_prefix or ""
        return [p[len(prefix):] for p in _split_z(out) if p.startswith(prefix)]

    def staged_paths(self) -> list[str]:
        """Paths the index changes against HEAD: added, copied, modified and deleted (renames as both)."""
        self.require_git("--staged")
        head = _git_process(self.root, "rev-parse", "--verify", "--quiet", "HEAD")
        against = "HEAD" if head.returncode == 0 else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
        out = _run_git(self.root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMRD",
                       "--relative", "--end-of-options", against)
        return sorted(_split_z(out))

    def staged_deletions(self) -> list[str]:
        """Paths the index deletes (pre-commit never passes them to hooks, but a deletion is a change to judge)."""
        self.require_git("--staged")
        head = _git_process(self.root, "rev-parse", "--verify", "--quiet", "HEAD")
        if head.returncode != 0:
            return []
        out = _run_git(self.root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=D",
                       "--relative", "--end-of-options", "HEAD")
        return sorted(_split_z(out))

    def commit_before_change(self, base: str | None = None) -> str | None:
        """The commit a change is judged against: the merge base with ``base`` (``--base``), else HEAD; None
        for a repository with no commit yet (everything is new)."""
        if base is not None:
            sha = self.resolve_ref(base)
            try:
                return _run_git(self.root, "merge-base", "--end-of-options", sha, "HEAD").decode().strip()
            except GitError:
                return sha
        head = _git_process(self.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return head.stdout.decode().strip() if head.returncode == 0 else None

    def changed_paths(self, base: str) -> list[str]:
        """Paths that differ between the merge base of ``base`` and HEAD, and HEAD's work tree."""
        sha = self.resolve_ref(base)
        try:
            merge_base = _run_git(self.root, "merge-base", "--end-of-options", sha, "HEAD").decode().strip()
        except GitError:
            merge_base = sha
        out = _run_git(self.root, "diff", "--name-only", "-z", "--no-renames", "--relative", "--end-of-options", merge_base)
        untracked = _run_git(self.root, "ls-files", "-z", "--others", "--exclude-standard")
        return sorted(set(_split_z(out)) | set(_split_z(untracked)))

    # -- the file list --------------------------------------------------
    @cached_property
    def files(self) -> list[str]:
        """Every file of the project, repo-relative with forward slashes, sorted.

        In git: tracked files plus untracked ones git does not ignore (a new schema
        is checked before it is added). Outside git: a walk honouring .gitignore.
        Excluded patterns from the config are dropped in both cases.
        """
        if self.is_git and self.content == INDEX:
            paths = [p for p in dict.fromkeys(_split_z(_run_git(self.root, "ls-files", "-z", "--cached")))]
        elif self.is_git:
            out = _run_git(self.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
            # Dangling links and link loops stay listed (reading them is a finding); folders (submodules) do not.
            paths = [p for p in dict.fromkeys(_split_z(out))
                     if os.path.lexists(self.root / p) and not os.path.isdir(self.root / p)]
        else:
            paths = self._walk()
        if self.exclude:
            spec = _spec(self.exclude)
            paths = [p for p in paths if not spec.match_file(p)]
        return sorted(paths)

    @cached_property
    def tracked(self) -> frozenset[str]:
        """Files git tracks (empty outside git)."""
        if not self.is_git:
            return frozenset()
        return frozenset(_split_z(_run_git(self.root, "ls-files", "-z", "--cached")))

    def _walk(self) -> list[str]:
        import pathspec

        found: list[str] = []
        ignore_stack: list[tuple[str, object]] = []
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:  # a bind-mount or hard-linked loop
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            gitignore = os.path.join(dirpath, ".gitignore")
            if os.path.isfile(gitignore):
                try:
                    with open(gitignore, encoding="utf-8", errors="replace") as fh:
                        ignore_stack.append((rel_dir, pathspec.PathSpec.from_lines("gitignore", fh)))
                except OSError:
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
    def exists(self, path: str) -> bool:
        if self.content == INDEX and path in self._differs_from_index:
            return self.staged(path) is not None
        return os.path.lexists(self.root / path)  # a dangling link exists (and reading it is a finding)

    def is_dir(self, path: str) -> bool:
        return (self.root / path).is_dir()

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and _spec(self.exclude).match_file(path)

    def read_bytes(self, path: str) -> bytes:
        if self.content == INDEX and self.is_git and path in self._differs_from_index:
            data = self.staged(path)
            if data is None:
                raise UnreadableFile(path, "is not staged")
            return data
        full = self.root / path
        try:
            if full.is_symlink():
                target = full.resolve()
                if target != self.root and self.root not in target.parents:
                    raise UnreadableFile(path, "is a symbolic link to a file outside the repository; not read")
            if full.is_dir():
                raise UnreadableFile(path, "is a directory, not a file")
            size = full.stat().st_size
            if size > self.max_file_size:
                raise UnreadableFile(path, f"is {size} bytes, over the {self.max_file_size}-byte limit "
                                           "(max-file-size in the config); skipped")
            return full.read_bytes()
        except FileNotFoundError:
            raise UnreadableFile(path, "does not exist") from None
        except RuntimeError:  # pathlib's "Symlink loop"
            raise UnreadableFile(path, "is a symbolic link loop") from None
        except OSError as exc:
            raise UnreadableFile(path, f"cannot be read: {exc.strerror or exc}") from None

    # -- build outputs (coverage reports) -------------------------------------------
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

    def open_binary(self, path: str):
        """A binary stream of a build output (a coverage report), with no size limit: readers stream it.
        Always the work tree's copy (build outputs are not staged). The caller closes it."""
        full = self.local_path(path)
        try:
            return open(full, "rb")
        except OSError as exc:
            raise UnreadableFile(path, f"cannot be read: {exc.strerror or exc}") from None

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
        cached = self._text.get(path)
        if cached is None:
            try:
                cached = decode_text(path, self.read_bytes(path))
            except UnreadableFile as exc:
                cached = exc
            self._text[path] = cached
        if isinstance(cached, UnreadableFile):
            raise cached
        return cached



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
        cached = self._text.get(path)
        if cached is None:
            try:
                cached = decode_text(path, self.read_bytes(path))
            except UnreadableFile as exc:
                cached = exc
            self._text[path] = cached
        if isinstance(cached, UnreadableFile):
            raise cached
        return cached

    def _cat(self, oid: str, path: str) -> bytes:
        if self._batch is None:
            try:
                self._batch = subprocess.Popen(("git", "-C", str(self.root), "cat-file", "--batch"),
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
            except FileNotFoundError:
                raise GitError("git is not installed") from None
        batch = self._batch
        batch.stdin.write(oid.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
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

