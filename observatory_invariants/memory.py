"""A repository held in memory: the seam between I/O and rules.

Rules read through a :class:`~observatory_invariants.workspace.Workspace`, whose ``repo`` answers a handful
of questions (which files exist, their text, what git tracks, a file at a ref). :class:`InMemoryRepository`
answers them from dicts, so tests and other tools run any rule without a folder or ``git init``::

    from observatory_invariants.memory import workspace
    ws = workspace({"src/services/api/Dockerfile": "FROM scratch\\nCOPY app /app\\n"})
    from observatory_invariants.rules.docker.b1_b2_build_contexts import run
    run(ws, None)
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath

from .errors import GitError, UnreadableFile
from .patterns import compile_patterns
from .textio import decode_text

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Mapping



class InMemoryRepository:
    """Files (``{path: text or bytes}``) and, optionally, git's view of them.

    ``tracked``: the paths git tracks (default: every file; ``is_git=False`` for a plain folder).
    ``history``: ``{ref: {path: content}}``, what :meth:`show` and :meth:`files_at` answer for a ref.
    ``staged_changes``: the paths ``--staged`` reports as changed (default: none).
    """

    def __init__(self, files: Mapping[str, str | bytes], *, is_git: bool = True, tracked=None,
                 history: Mapping[str, Mapping[str, str | bytes]] | None = None, staged_changes=(),
                 exclude: tuple[str, ...] = (), max_file_size: int = 5_000_000, root: str = "/in-memory"):
        self.root = PurePosixPath(root)
        self._files = {self._norm(p): c for p, c in files.items()}
        self.exclude = tuple(exclude)
        self.max_file_size = max_file_size
        self._is_git = is_git
        self._tracked = frozenset(self._norm(p) for p in tracked) if tracked is not None else frozenset(self._files)
        self._history = {ref: {self._norm(p): c for p, c in snapshot.items()} for ref, snapshot in (history or {}).items()}
        self._staged_changes = sorted(self._norm(p) for p in staged_changes)
        dirs = set()
        for path in self._files:
            d = posixpath.dirname(path)
            while d and d not in dirs:
                dirs.add(d)
                d = posixpath.dirname(d)
        self._dirs = frozenset(dirs)

    @staticmethod
    def _norm(path: str) -> str:
        return posixpath.normpath(path.replace("\\", "/")).lstrip("/")

    # -- the file list ------------------------------------------------------------------------------------
    @property
    def files(self) -> list[str]:
        paths = sorted(self._files)
        if self.exclude:
            spec = compile_patterns(self.exclude)
            paths = [p for p in paths if not spec.match_file(p)]
        return paths

    @property
    def tracked(self) -> frozenset[str]:
        return self._tracked if self._is_git else frozenset()

    @property
    def is_git(self) -> bool:
        return self._is_git

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and compile_patterns(self.exclude).match_file(path)

    def exists(self, path: str) -> bool:
        path = self._norm(path)
        return path in self._files or path in self._dirs

    def is_dir(self, path: str) -> bool:
        return self._norm(path) in self._dirs

    # -- reading ------------------------------------------------------------------------------------------
    def _content(self, path: str) -> bytes:
        key = self._norm(path)
        if key in self._dirs:
            raise UnreadableFile(path, "is a directory, not a file")
        if key not in self._files:
            raise UnreadableFile(path, "does not exist")
        content = self._files[key]
        return content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def read_bytes(self, path: str) -> bytes:
        data = self._content(path)
        if len(data) > self.max_file_size:
            raise UnreadableFile(path, f"is {len(data)} bytes, over the {self.max_file_size}-byte limit "
                                       "(max-file-size in the config); skipped")
        return data

    def read_text(self, path: str) -> str:
        return decode_text(path, self.read_bytes(path))

    # -- build outputs and writes ------------------------------------------------------------------------
    def local_path(self, path: str):
        """No file system here: build outputs are read with :meth:`open_binary`."""
        raise UnreadableFile(path, "is not on disk (an in-memory repository); a coverage.py data file needs the "
                                   "repository on disk")

    def open_binary(self, path: str):
        """A build output (coverage report) as a binary stream, with no size limit."""
        import io

        return io.BytesIO(self._content(path))

    def write_text(self, path: str, text: str) -> None:
        key = self._norm(path)
        self._files[key] = text
        d, dirs = posixpath.dirname(key), set(self._dirs)
        while d and d not in dirs:
            dirs.add(d)
            d = posixpath.dirname(d)
        self._dirs = frozenset(dirs)

    # -- git ----------------------------------------------------------------------------------------------
    def require_git(self, what: str) -> None:
        if not self._is_git:
            raise GitError(f"{self.root} is not a git repository, so {what} cannot be used")

    def resolve_ref(self, ref: str) -> str:
        self.require_git(f"--base {ref}")
        if ref not in self._history:
            raise GitError(f"unknown git ref {ref!r}")
        return ref

    def show(self, ref: str, path: str) -> bytes | None:
        snapshot = self._history[self.resolve_ref(ref)]
        content = snapshot.get(self._norm(path))
        if content is None:
            return None
        return content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def files_at(self, ref: str) -> list[str]:
        return sorted(self._history[self.resolve_ref(ref)])

    def staged(self, path: str) -> bytes | None:
        return self.read_bytes(path) if self.exists(path) else None

    def staged_paths(self) -> list[str]:
        self.require_git("--staged")
        return list(self._staged_changes)

    def changed_paths(self, base: str) -> list[str]:
        old = self._history[self.resolve_ref(base)]
        paths = set(old) | set(self._files)
        return sorted(p for p in paths if old.get(p) != self._files.get(p))


def workspace(files: Mapping[str, str | bytes], *, config=None, base_ref: str | None = None, staged: bool = False,
              **repository_options):
    """A :class:`~observatory_invariants.workspace.Workspace` over an :class:`InMemoryRepository`."""
    from .config import Config
    from .workspace import Workspace

    repo = InMemoryRepository(files, **repository_options)
    return Workspace(repo=repo, config=config or Config(), base_ref=base_ref, staged=staged)
