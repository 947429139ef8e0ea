"""Docker build contexts as data: the project's file tree, what one context sends after its ignore file,
how each COPY/ADD source resolves in it, and which style (repo-relative or service-local) a Dockerfile's
sources follow. Pure: the one outside question ("does this path exist on disk although git does not list
it?") is a callable the caller passes in. B1 and B2 turn the answers into findings.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .model import Discovery, norm
from ...parsers.dockerfile import ContextSource, DockerfileModel
from ...parsers.dockerignore import DockerIgnore, Glob

REPO_ROOT_WORDS = re.compile(r"\b(repo(sitory)?[ -]?root|root|monorepo root|top[- ]level)\b|^\.$", re.I)
LOCAL_WORDS = re.compile(r"\b(service|local|its own folder|dockerfile'?s? (dir|folder|directory))\b", re.I)


# -- the file tree -------------------------------------------------------------------


class FileTree:
    """The project's files (sorted), their folders, and prefix lookups without walking."""

    def __init__(self, files: Iterable[str], tracked: frozenset[str] | None):
        self.files = sorted(files)
        self.file_set = set(self.files)
        self.tracked = tracked
        dirs = set()
        for f in self.files:
            d = posixpath.dirname(f)
            while d and d not in dirs:
                dirs.add(d)
                d = posixpath.dirname(d)
        self.dirs = dirs

    @property
    def sorted_paths(self) -> list[str]:
        """Files and folders, sorted (for glob lookups by literal prefix)."""
        cached = getattr(self, "_sorted_paths", None)
        if cached is None:
            cached = self._sorted_paths = sorted([*self.files, *self.dirs])
        return cached

    @property
    def top_level(self) -> list[str]:
        cached = getattr(self, "_top_level", None)
        if cached is None:
            cached = self._top_level = _top_level(self.sorted_paths)
        return cached

    def under(self, folder: str) -> list[str]:
        """Files under ``folder`` ("." is the root), relative to it."""
        if folder in (".", ""):
            return self.files
        prefix = folder.rstrip("/") + "/"
        lo = bisect.bisect_left(self.files, prefix)
        hi = bisect.bisect_left(self.files, prefix[:-1] + "0")   # "0" sorts right after "/"
        return [f[len(prefix):] for f in self.files[lo:hi]]

    def is_dir(self, path: str) -> bool:
        return path in (".", "") or path in self.dirs

    def exists(self, path: str) -> bool:
        return path in self.file_set or self.is_dir(path)


@dataclass
class ContextView:
    """One build context after its ignore file: what Docker would send."""

    folder: str
    ignore_path: str | None
    ignore: DockerIgnore | None
    all_files: list[str]
    included: set[str]
    included_dirs: set[str] = field(default_factory=set)
    all_dirs: set[str] = field(default_factory=set)

    @property
    def all_file_set(self) -> set[str]:
        if not hasattr(self, "_all_file_set"):
            self._all_file_set = set(self.all_files)
        return self._all_file_set

    def sorted_included(self) -> list[str]:
        if not hasattr(self, "_sorted_included"):
            self._sorted_included = sorted(self.included | self.included_dirs)
        return self._sorted_included

    def sorted_all(self) -> list[str]:
        if not hasattr(self, "_sorted_all"):
            self._sorted_all = sorted({*self.all_files, *self.all_dirs})
        return self._sorted_all


def make_context_view(tree: FileTree, folder: str, ignore_path: str | None, ignore: DockerIgnore | None) -> ContextView:
    files = tree.under(folder)
    if ignore is None or not ignore.rules:
        included = set(files)
    else:
        included = {f for f in files if not ignore.excludes(f)}
    view = ContextView(folder, ignore_path, ignore, files, included)
    for group, target in ((included, view.included_dirs), (files, view.all_dirs)):
        for f in group:
            d = posixpath.dirname(f)
            while d and d not in target:
                target.add(d)
                d = posixpath.dirname(d)
    # (included_dirs are the folders of included files: a folder excluded by a pattern is still sent when "!"
    # re-includes a file below it, so no folder needs a check of its own)
    return view


# -- source resolution ---------------------------------------------------------------


@dataclass(frozen=True)
class SourceCheck:
    source: ContextSource
    status: str                  # "ok", "missing", "empty-glob", "escapes", "ignored", "untracked", "on-disk-only"
    detail: str = ""


def clean_source(path: str) -> str:
    stripped = path.lstrip("/")
    return norm(stripped) if stripped else "."


def check_source(source: ContextSource, view: ContextView, tree: FileTree,
                 on_disk: Callable[[str], bool] | None = None) -> SourceCheck:
    rel = clean_source(source.path)
    if rel == ".." or rel.startswith("../"):
        return SourceCheck(source, "escapes")
    if rel == ".":
        return SourceCheck(source, "ok")
    repo_path = rel if view.folder == "." else f"{view.folder}/{rel}"
    if source.is_glob:
        glob = Glob(rel, double_star=False)
        hits = [p for p in _glob_candidates(view.sorted_included(), rel) if glob.match(p)]
        if hits:
            return _tracked_status(source, tree, [f"{view.folder}/{h}" if view.folder != "." else h for h in hits])
        ignored = [p for p in _glob_candidates(view.sorted_all(), rel) if glob.match(p)]
        if ignored:
            return SourceCheck(source, "ignored", _ignored_by(view, ignored[0]))
        return SourceCheck(source, "empty-glob")
    if rel in view.included or rel in view.included_dirs:
        return _tracked_status(source, tree, [repo_path])
    if rel in view.all_dirs or rel in view.all_file_set:
        return SourceCheck(source, "ignored", _ignored_by(view, rel))
    if on_disk is not None and on_disk(repo_path):
        return SourceCheck(source, "on-disk-only")
    return SourceCheck(source, "missing")


def _ignored_by(view: ContextView, rel: str) -> str:
    rule = view.ignore.rule_for(rel) if view.ignore else None
    if rule is None:
        return f"{view.ignore_path}"
    return f"{view.ignore_path}:{rule.line} ({'!' if rule.exception else ''}{rule.pattern})"


def _tracked_status(source: ContextSource, tree: FileTree, repo_paths: list[str]) -> SourceCheck:
    if tree.tracked is None:
        return SourceCheck(source, "ok")
    for p in repo_paths:
        if p in tree.tracked:
            return SourceCheck(source, "ok")
        if p in tree.dirs or p in (".", ""):
            prefix = p + "/"
            if any(f.startswith(prefix) for f in _tracked_sorted(tree, prefix)):
                return SourceCheck(source, "ok")
    return SourceCheck(source, "untracked")


def _tracked_sorted(tree: FileTree, prefix: str) -> list[str]:
    cached = getattr(tree, "_tracked_list", None)
    if cached is None:
        cached = sorted(tree.tracked or ())
        tree._tracked_list = cached
    lo = bisect.bisect_left(cached, prefix)
    hi = bisect.bisect_left(cached, prefix[:-1] + "0")
    return cached[lo:hi]


# -- styles ----------------------------------------------------------------------------


def local_folder(dockerfile: str, service_dirs: Iterable[str]) -> str:
    """The service folder holding a Dockerfile (its own folder when it is in no service)."""
    dirs = service_dirs if isinstance(service_dirs, (set, frozenset, dict)) else set(service_dirs)
    parts = dockerfile.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        candidate = "/".join(parts[:i])
        if candidate in dirs:
            return candidate
    return posixpath.dirname(dockerfile) or "."


def classify_sources(sources: list[ContextSource], local: str, tree: FileTree) -> tuple[str, dict[str, list[ContextSource]]]:
    """("repo-relative" | "service-local" | "mixed" | "neutral", the sources of each kind)."""
    kinds: dict[str, list[ContextSource]] = {"repo": [], "local": []}
    for s in sources:
        rel = clean_source(s.path)
        if rel == "." or rel.startswith(".."):
            continue
        at_root = _exists_rel(tree, ".", rel, s.is_glob)
        at_local = local not in (".", "") and _exists_rel(tree, local, rel, s.is_glob)
        if at_root and not at_local:
            kinds["repo"].append(s)
        elif at_local and not at_root:
            kinds["local"].append(s)
    if kinds["repo"] and kinds["local"]:
        return "mixed", kinds
    if kinds["repo"]:
        return "repo-relative", kinds
    if kinds["local"]:
        return "service-local", kinds
    return "neutral", kinds


def _literal_dir(rel: str) -> str:
    """The leading segments of a glob that hold no wildcard ("a/b" for "a/b/*.go")."""
    parts = rel.split("/")
    literal = []
    for part in parts[:-1]:
        if any(ch in part for ch in "*?[\\"):
            break
        literal.append(part)
    return "/".join(literal)


def _glob_candidates(paths_sorted: list[str], rel: str, top: list[str] | None = None) -> list[str]:
    """Paths that can match glob ``rel``: same literal folder, same depth ('*' never crosses '/')."""
    lit = _literal_dir(rel)
    depth = rel.count("/")
    if not lit:
        if depth == 0:     # the common case: "*.go", "requirements*.txt" — top-level entries only
            return top if top is not None else _top_level(paths_sorted)
        return [p for p in paths_sorted if p.count("/") == depth]
    lo = bisect.bisect_left(paths_sorted, lit + "/")
    hi = bisect.bisect_left(paths_sorted, lit + "0")
    return [p for p in paths_sorted[lo:hi] if p.count("/") == depth]


def _top_level(paths_sorted: list[str]) -> list[str]:
    return [p for p in paths_sorted if "/" not in p]


def _exists_rel(tree: FileTree, folder: str, rel: str, is_glob: bool) -> bool:
    if not is_glob:
        return tree.exists(rel if folder in (".", "") else f"{folder}/{rel}")
    glob = Glob(rel, double_star=False)
    full = rel if folder in (".", "") else f"{folder}/{rel}"
    top = tree.top_level if folder in (".", "") else None
    return any(glob.match(p[len(full) - len(rel):]) for p in _glob_candidates(tree.sorted_paths, full, top))


def declared_context_folder(text: str, local: str) -> str | None:
    """The folder a "BUILD CONTEXT: …" comment names, or None when it names none we understand."""
    text = text.strip().strip("`'\"")
    first = text.split()[0] if text.split() else ""
    if first in (".", "./") or REPO_ROOT_WORDS.search(text):
        return "."
    if LOCAL_WORDS.search(text):
        return local
    if re.fullmatch(r"[\w./-]+", first):
        return norm(first)
    return None


@dataclass
class DockerInputs:
    tree: FileTree
    dockerfiles: dict[str, DockerfileModel | str]       # path -> model, or why it could not be read
    ignore_texts: dict[str, str | None]                 # ignore-file path -> text (None: unreadable)
    discovery: Discovery
    service_dirs: list[str]
    versions: dict[str, str | None]                     # service dir -> VERSION text (None: missing/unreadable)
    k8s: list[tuple[str, list]]                         # (path, documents)
    images: dict[str, str] = field(default_factory=dict)  # option: image name -> service folder
    on_disk: Callable[[str], bool] | None = None
    all_dockerfiles: list[str] = field(default_factory=list)
    substituted_images: frozenset[str] = frozenset()     # names a deploy tool retags (skaffold artifacts)
    allow_extra_latest: bool = True

