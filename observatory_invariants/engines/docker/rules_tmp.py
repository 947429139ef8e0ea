"""B1, B2, B3 as pure functions over parsed inputs.

Inputs are the project's file list (and which files git tracks), parsed
Dockerfiles, ignore-file texts, the discovered builds and image references,
VERSION texts and parsed k8s manifests. The only outside question, "does this
path exist on disk although git does not list it?", is a callable the adapter
passes in.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ...findings import Finding, finding
from .discovery import Build, Discovery, ImageRef, norm
from ...parsers.dockerfile import ContextSource, DockerfileModel, context_sources
from ...parsers.dockerignore import DockerIgnore, glob_to_regex, ignore_file_candidates, parse_dockerignore

REPO_ROOT_WORDS = re.compile(r"\b(repo(sitory)?[ -]?root|root|monorepo root|top[- ]level)\b|^\.$", re.I)
LOCAL_WORDS = re.compile(r"\b(service|local|its own folder|dockerfile'?s? (dir|folder|directory))\b", re.I)
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
VERSION_LABEL = "app.kubernetes.io/version"


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
    if ignore is not None and ignore.rules:
        # a folder excluded by a pattern is not sent even if a file below it was re-included by "!"
        view.included_dirs = {d for d in view.included_dirs if not ignore.excludes(d)
                              or any(f.startswith(d + "/") for f in included)}
    return view


# -- source resolution ---------------------------------------------------------------


@dataclass(frozen=True)
class SourceCheck:
    source: ContextSource
    status: str                  # "ok", "missing", "empty-glob", "escapes", "ignored", "untracked", "on-disk-only"
    detail: str = ""


def _clean_source(path: str) -> str:
    stripped = path.lstrip("/")
    return norm(stripped) if stripped else "."


def check_source(source: ContextSource, view: ContextView, tree: FileTree,
                 on_disk: Callable[[str], bool] | None = None) -> SourceCheck:
    rel = _clean_source(source.path)
    if rel == ".." or rel.startswith("../"):
        return SourceCheck(source, "escapes")
    if rel == ".":
        return SourceCheck(source, "ok")
    repo_path = rel if view.folder == "." else f"{view.folder}/{rel}"
    if source.is_glob:
        regex = re.compile(glob_to_regex(rel, double_star=False), re.DOTALL)
        hits = [p for p in _glob_candidates(view.sorted_included(), rel) if regex.match(p)]
        if hits:
            return _tracked_status(source, tree, [f"{view.folder}/{h}" if view.folder != "." else h for h in hits])
        ignored = [p for p in _glob_candidates(view.sorted_all(), rel) if regex.match(p)]
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
        rel = _clean_source(s.path)
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
    regex = re.compile(glob_to_regex(rel, double_star=False), re.DOTALL)
    full = rel if folder in (".", "") else f"{folder}/{rel}"
    top = tree.top_level if folder in (".", "") else None
    return any(regex.match(p[len(full) - len(rel):]) for p in _glob_candidates(tree.sorted_paths, full, top))


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


# -- B1 / B2 -----------------------------------------------------------------------------


@dataclass
class BuildReport:
    """One build, checked: what ``observatory-invariants builds`` lists."""

    build: Build
    style: str = "?"
    verdict: str = "ok"
    findings: list[Finding] = field(default_factory=list)


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


def check_builds(inputs: DockerInputs) -> tuple[list[BuildReport], list[Finding]]:
    """B1 and B2 for every discovered build; findings not tied to one build come second."""
    tree = inputs.tree
    findings: list[Finding] = []
    views: dict[tuple[str, str | None], ContextView] = {}
    ignores: dict[str, DockerIgnore | None] = {}
    reported_ignore_errors: set[str] = set()

    def ignore_for(path: str) -> DockerIgnore | None:
        if path not in ignores:
            text = inputs.ignore_texts.get(path)
            if text is None:
                ignores[path] = None
            else:
                rules, errors = parse_dockerignore(text)
                if errors and path not in reported_ignore_errors:
                    reported_ignore_errors.add(path)
                    for err in errors:
                        findings.append(finding("B2.bad-dockerignore", path,
                                                f"pattern {err.pattern!r} {err.reason}; Docker refuses this file "
                                                "(\"docker build\" fails before sending the context): fix or remove "
                                                "the line", err.line))
                ignores[path] = DockerIgnore(rules)
        return ignores[path]

    for problem in inputs.discovery.problems:
        findings.append(finding("B1.bad-declaration", problem.path, problem.message, problem.line))

    service_set = set(inputs.service_dirs)
    reports: list[BuildReport] = []
    mixed_reported: set[str] = set()
    for build in inputs.discovery.builds:
        report = BuildReport(build)
        reports.append(report)
        where = build.where
        if build.unresolved or build.dockerfile is None or build.context is None:
            report.verdict = "unresolved"
            report.findings.append(finding(
                "B1.unresolved", build.declared_in,
                f"this {build.origin} build cannot be checked: {build.unresolved or 'unresolved'}; use literal paths "
                "(or a matrix of literal values) so the context can be verified", build.line, severity="note"))
            continue
        model = inputs.dockerfiles.get(build.dockerfile)
        if model is None:
            kind = "is a folder, not a file" if tree.is_dir(build.dockerfile) else "does not exist"
            report.verdict = "missing Dockerfile"
            report.findings.append(finding(
                "B2.missing-dockerfile", build.declared_in,
                f"the Dockerfile {build.dockerfile} {kind}; fix the Dockerfile path of this {build.origin} build",
                build.line))
            continue
        if isinstance(model, str):
            report.verdict = "unreadable Dockerfile"
            continue      # reported once per Dockerfile below
        if not tree.is_dir(build.context):
            on_disk = inputs.on_disk(build.context) if inputs.on_disk else False
            report.verdict = "missing context" if not on_disk else "unresolved"
            if on_disk:
                report.findings.append(finding(
                    "B1.unresolved", build.declared_in,
                    f"the build context {build.context} holds no files the project lists (a symlinked folder or "
                    "only untracked files); its COPY sources were not checked", build.line, severity="note"))
            else:
                report.findings.append(finding(
                    "B2.missing-context", build.declared_in,
                    f"the build context {build.context} does not exist; fix the context of this {build.origin} "
                    f"build (Dockerfile {build.dockerfile})", build.line))
            continue
        sources, problems = context_sources(model, dict(build.args), build.target)
        for p in problems:
            report.findings.append(finding("B2.bad-target", build.declared_in,
                                           f"{p.message}; fix --target/target of this build", build.line))
        local = local_folder(build.dockerfile, service_set)
        style, kinds = classify_sources(sources, local, tree)
        report.style = style
        if style == "mixed" and build.dockerfile not in mixed_reported:
            mixed_reported.add(build.dockerfile)
            findings.append(_mixed_finding(build.dockerfile, kinds, local))
        # the declared intent in the Dockerfile's header
        if model.declared_context:
            text, line = model.declared_context
            wanted = declared_context_folder(text, local)
            if wanted is not None and wanted != build.context:
                report.findings.append(finding(
                    "B1.declared-context", build.dockerfile,
                    f"the header says BUILD CONTEXT: {text}, but {where} builds it with context "
                    f"{build.context}; build it with context {wanted} or correct the header", line))
        ignore_path = next((p for p in ignore_file_candidates(build.context, build.dockerfile)
                            if p in inputs.ignore_texts), None)
        key = (build.context, ignore_path)
        if key not in views:
            views[key] = make_context_view(tree, build.context, ignore_path,
                                           ignore_for(ignore_path) if ignore_path else None)
        view = views[key]
        checks = [check_source(s, view, tree, inputs.on_disk) for s in sources]
        report.findings.extend(_source_findings(build, checks, local, tree, views))
        errors = [f for f in report.findings if f.severity == "error"]
        report.verdict = "ok" if not errors else ", ".join(sorted({f.rule for f in errors}))
    # Dockerfiles: unreadable / unparseable ones, and those nobody builds
    built = {b.dockerfile for b in inputs.discovery.builds if b.dockerfile}
    for path in inputs.all_dockerfiles:
        model = inputs.dockerfiles.get(path)
        if isinstance(model, str):
            findings.append(finding("B2.bad-dockerfile", path, f"{path} {model}; fix the file so Docker can read it"))
            continue
        if model is not None:
            for p in model.problems:
                findings.append(finding("B2.bad-dockerfile", path, f"{p.message}", p.line))
        if path not in built:
            findings.append(finding(
                "B1.unbuilt", path, "no workflow, compose file or script builds this Dockerfile (that we could "
                "resolve), so its build context is unchecked; delete it if it is dead, or declare its build",
                severity="note"))
            if model is not None and path not in mixed_reported:
                sources, _ = context_sources(model)
                style, kinds = classify_sources(sources, local_folder(path, inputs.service_dirs), tree)
                if style == "mixed":
                    mixed_reported.add(path)
                    findings.append(_mixed_finding(path, kinds, local_folder(path, inputs.service_dirs)))
    for report in reports:
        findings.extend(report.findings)
    return reports, findings


def _mixed_finding(dockerfile: str, kinds, local: str) -> Finding:
    repo_src, local_src = kinds["repo"][0], kinds["local"][0]
    first = min(repo_src, local_src, key=lambda s: s.line)
    return finding(
        "B1.mixed-sources", dockerfile,
        f"COPY sources mix repo-relative paths ({repo_src.instruction} {repo_src.written}, line {repo_src.line}) "
        f"and service-local paths ({local_src.instruction} {local_src.written}, line {local_src.line}): no single "
        f"context serves both; write every source relative to the repository root (e.g. {local}/{local_src.written}) "
        "and build with the root as context", first.line)


def _source_findings(build: Build, checks: list[SourceCheck], local: str, tree: FileTree,
                     views: dict) -> list[Finding]:
    out: list[Finding] = []
    where = build.where
    ctx = build.context
    missing = [c for c in checks if c.status in ("missing", "empty-glob")]
    if missing:
        alternative = "." if ctx != "." else local
        if alternative != ctx and alternative not in ("", None):
            # without ignore files: the question is only which folder the paths are written for
            alt_key = (alternative, "<no ignore file>")
            if alt_key not in views:
                views[alt_key] = make_context_view(tree, alternative, None, None)
            alt_view = views[alt_key]
            if all(check_source(c.source, alt_view, tree).status in ("ok", "untracked") for c in checks
                   if c.status != "escapes"):
                first = missing[0].source
                rule = "B1.wrong-context" if alternative == "." else "B2.wrong-context"
                kind = "repo-relative" if alternative == "." else "service-local"
                alt_name = "the repository root (.)" if alternative == "." else alternative
                out.append(finding(
                    rule, build.dockerfile,
                    f"{first.instruction} {first.written} (and {len(missing) - 1} more) cannot be found: "
                    f"{where} builds with context {ctx}, but this Dockerfile's sources are {kind}; build it with "
                    f"context {alt_name}, e.g. docker build -f {build.dockerfile} {alternative}",
                    first.line))
                missing_handled = True
            else:
                missing_handled = False
        else:
            missing_handled = False
    else:
        missing_handled = True
    for c in checks:
        s = c.source
        said = f"{s.instruction} {s.written}" + (f" (= {s.path})" if s.written != s.path else "")
        empty = f"; ${{{', '.join(s.empty_vars)}}} was empty (no default, no build arg)" if s.empty_vars else ""
        if c.status == "escapes":
            out.append(finding("B2.escapes-context", build.dockerfile,
                               f"{said} reaches outside the build context {ctx} (declared at {where}) with '..': "
                               "Docker cannot read it (BuildKit silently clamps it to the context root); move the "
                               "file into the context or widen the context", s.line))
        elif c.status in ("missing", "empty-glob") and not missing_handled:
            what = "matches no file" if c.status == "empty-glob" else "does not exist"
            rule = "B2.empty-glob" if c.status == "empty-glob" else "B2.missing-source"
            out.append(finding(rule, build.dockerfile,
                               f"{said} {what} in the build context {ctx} (declared at {where}){empty}; fix the "
                               "path or the context", s.line))
        elif c.status == "ignored":
            out.append(finding("B2.dockerignored", build.dockerfile,
                               f"{said} is excluded from the build context {ctx} (declared at {where}) by "
                               f"{c.detail}; add an exception (!{_clean_source(s.path)}) or stop copying it", s.line))
        elif c.status in ("untracked", "on-disk-only"):
            out.append(finding("B2.untracked", build.dockerfile,
                               f"{said} exists here but git does not track it (generated or gitignored), so a clean "
                               f"checkout cannot build context {ctx} (declared at {where}); commit it or generate it "
                               "in the build", s.line, severity="warning"))
    return out


# -- B3 ----------------------------------------------------------------------------------


def parse_image(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:], digest
    return ref, None, digest


def image_name(repository: str) -> str:
    return repository.rsplit("/", 1)[-1].lower()


def check_versions(service_dirs: list[str], versions: dict[str, str | None],
                   service_dockerfiles: dict[str, str]) -> tuple[list[Finding], dict[str, str]]:
    """B3.missing-version / B3.invalid-version; returns the valid versions by service folder."""
    import semver

    findings: list[Finding] = []
    valid: dict[str, str] = {}
    for folder in service_dirs:
        if folder not in service_dockerfiles:
            continue
        text = versions.get(folder)
        path = f"{folder}/VERSION"
        if text is None:
            findings.append(finding(
                "B3.missing-version", service_dockerfiles[folder],
                f"{folder} has a Dockerfile but no VERSION file; add {path} holding the service's SemVer "
                "(e.g. 0.1.0) — without it builds fall back to :latest"))
            continue
        lines = [ln for ln in text.splitlines() if ln.strip()]
        value = lines[0].strip() if lines else ""
        if len(lines) != 1 or not semver.Version.is_valid(value):
            shown = value if len(lines) == 1 else f"{len(lines)} non-empty lines"
            findings.append(finding(
                "B3.invalid-version", path,
                f"VERSION holds {shown!r}, not one valid SemVer version; write MAJOR.MINOR.PATCH such as "
                f"{_suggest_semver(value)}", 1))
            continue
        valid[folder] = value
    return findings, valid


def _suggest_semver(value: str) -> str:
    digits = re.findall(r"\d+", value)
    parts = (digits + ["0", "0", "0"])[:3]
    return ".".join(str(int(p)) for p in parts) if digits else "0.1.0"


def own_images(inputs: DockerInputs) -> dict[str, str | None]:
    """Image names the repository builds, mapped to their service folder when known."""
    own: dict[str, str | None] = {}
    for folder in inputs.service_dirs:
        own.setdefault(posixpath.basename(folder).lower(), folder)
    for name, folder in inputs.images.items():
        own[name.lower()] = norm(folder) if folder else None
    by_decl: dict[tuple[str, int | None], Build] = {(b.declared_in, b.line): b for b in inputs.discovery.builds}
    for ref in inputs.discovery.images:
        if ref.how in ("docker build -t", "build-push-action tags"):
            repo, _tag, _digest = parse_image(ref.ref)
            if "$" in repo:
                continue
            build = by_decl.get((ref.path, ref.line))
            folder = local_folder(build.dockerfile, inputs.service_dirs) if build and build.dockerfile else None
            own.setdefault(image_name(repo), folder if folder in inputs.service_dirs else None)
    return own


def check_images(refs: list[ImageRef], own: dict[str, str | None], versions: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for ref in refs:
        if "$" in ref.ref or "{{" in ref.ref or not ref.ref.strip():
            continue
        repo, tag, digest = parse_image(ref.ref.strip())
        if digest:
            continue
        name = image_name(repo)
        if name in own:
            if tag is None:
                findings.append(finding("B3.untagged", ref.path,
                                        f"the repository's own image {ref.ref} ({ref.how}) has no tag, which means "
                                        f":latest; tag it with the service's VERSION", ref.line))
            elif tag == "latest":
                findings.append(finding("B3.latest-tag", ref.path,
                                        f"the repository's own image {ref.ref} ({ref.how}) is tagged :latest; tag it "
                                        "with the service's VERSION instead", ref.line))
            elif ref.how == "k8s container":
                folder = own.get(name)
                want = versions.get(folder) if folder else None
                if want and tag != want:
                    findings.append(finding("B3.version-mismatch", ref.path,
                                            f"image {ref.ref} is tagged {tag} but {folder}/VERSION says {want}; "
                                            f"use {repo}:{want} (or bump VERSION)", ref.line))
        elif tag in (None, "latest"):
            findings.append(finding("B3.third-party-latest", ref.path,
                                    f"third-party image {ref.ref} ({ref.how}) floats on :latest; pin a version tag "
                                    "or digest", ref.line, severity="warning"))
    return findings


def k8s_images_and_labels(path: str, docs: list) -> tuple[list[ImageRef], list[tuple[int | None, str, list[ImageRef]]]]:
    """Container images of the workloads, and each workload's version labels with its images."""
    from ...parsers.yaml_loader import line_of

    refs: list[ImageRef] = []
    labels: list[tuple[int | None, str, list[ImageRef]]] = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        templates = []
        if doc["kind"] == "Pod":
            templates.append((doc, spec))
        elif doc["kind"] == "CronJob":
            job = (spec.get("jobTemplate") or {}).get("spec") if isinstance(spec.get("jobTemplate"), dict) else None
            tpl = job.get("template") if isinstance(job, dict) else None
            if isinstance(tpl, dict):
                templates.append((tpl, tpl.get("spec") or {}))
        else:
            tpl = spec.get("template")
            if isinstance(tpl, dict):
                templates.append((tpl, tpl.get("spec") or {}))
        workload_refs: list[ImageRef] = []
        label_places = []
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("labels"), dict):
            label_places.append(meta["labels"])
        for tpl, pod_spec in templates:
            tmeta = tpl.get("metadata") if tpl is not doc else None
            if isinstance(tmeta, dict) and isinstance(tmeta.get("labels"), dict):
                label_places.append(tmeta["labels"])
            if not isinstance(pod_spec, dict):
                continue
            for key in ("initContainers", "containers"):
                containers = pod_spec.get(key)
                if not isinstance(containers, list):
                    continue
                for c in containers:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        workload_refs.append(ImageRef(c["image"], path, line_of(c, "image"), "k8s container"))
        refs.extend(workload_refs)
        for place in label_places:
            if VERSION_LABEL in place:
                labels.append((line_of(place, VERSION_LABEL), str(place[VERSION_LABEL]), workload_refs))
    return refs, labels


def check_k8s(inputs: DockerInputs, own: dict[str, str | None], versions: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for path, docs in inputs.k8s:
        refs, labels = k8s_images_and_labels(path, docs)
        findings.extend(check_images(refs, own, versions))
        for line, value, workload_refs in labels:
            wanted = {versions.get(own.get(image_name(parse_image(r.ref)[0])) or "")
                      for r in workload_refs if image_name(parse_image(r.ref)[0]) in own} - {None}
            if len(wanted) == 1:
                want = wanted.pop()
                if value != want:
                    findings.append(finding("B3.version-mismatch", path,
                                            f"label {VERSION_LABEL}: {value} disagrees with the service's VERSION "
                                            f"{want}; set it to {want}", line))
    return findings


def check_b3(inputs: DockerInputs) -> list[Finding]:
    service_dockerfiles: dict[str, str] = {}
    for path in inputs.all_dockerfiles:
        folder = local_folder(path, inputs.service_dirs)
        if folder in inputs.service_dirs:
            service_dockerfiles.setdefault(folder, path)
    findings, versions = check_versions(inputs.service_dirs, inputs.versions, service_dockerfiles)
    own = own_images(inputs)
    findings.extend(check_images(inputs.discovery.images, own, versions))
    findings.extend(check_k8s(inputs, own, versions))
    for fb in inputs.discovery.fallbacks:
        findings.append(finding("B3.latest-fallback", fb.path,
                                f"falls back to the tag 'latest' when VERSION is missing ({fb.text.strip()[:80]}); "
                                "fail instead: a missing VERSION must stop the build", fb.line))
    return findings
