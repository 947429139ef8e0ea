"""What B1, B2 and B3 read, gathered once per run: declared builds, Dockerfiles, ignore files, VERSION files,
k8s manifests (:func:`gather_docker_inputs`).

The rules are cross-file (a Dockerfile is judged by the context a workflow gives it), so ``targets`` only
decides whether anything relevant changed (:func:`touches_docker`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Mapping

from ...declare import Options, option
from ...errors import UnreadableFile
from ...workspace import Workspace


@dataclass(frozen=True)
class DockerOptions(Options):
    section = "docker"
    description = "Options of the Docker rules B1-B3."

    images: Mapping[str, str] = option(
        "images", {}, "Own image names mapped to their service folder (B3), beyond the service folder names and the "
                      "tags the discovered builds use.")
    script_working_directory: str = option(
        "script-working-directory", "root",
        "Where relative paths in scripts start: root (scripts run from the repository root) or script.",
        schema={"enum": ["root", "script"]})
    max_matrix_combinations: int = option(
        "max-matrix-combinations", 256, "Cap on the builds one workflow matrix expands to.",
        schema={"type": "integer", "minimum": 1, "maximum": 10000})
    allow_extra_latest: bool = option(
        "allow-extra-latest", True,
        "B3: allow an extra :latest beside a version tag of the same image in the same push or build (the "
        "version tag is what gets deployed); :latest alone, or in what is run or deployed, stays an error.")


# What an unreadable input was read for; each rule reports the problems of its own inputs.
DECLARATION, DOCKERIGNORE, MANIFEST = "declaration", "dockerignore", "manifest"


@dataclass(frozen=True)
class InputProblem:
    """A file B1-B3 needed but could not read (the rule that reads it for ``purpose`` reports it)."""

    purpose: str                  # DECLARATION (workflow/compose/script), DOCKERIGNORE or MANIFEST
    path: str
    message: str
    line: int | None = None
    severity: str = "error"

RELEVANT_KEYS = ("dockerfiles", "dockerignores", "workflows", "compose-files", "powershell-scripts", "shell-scripts",
                 "k8s-manifests", "version-files", "services", "makefiles", "skaffold-files", "bake-files")
_WORKLOAD = re.compile(r"^kind:\s*[\"']?(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Pod)\b", re.M)


def service_folders(ws: Workspace, files: list[str]) -> list[str]:
    """Folders matching the ``services`` layout globs (the shortest matching ancestor of each file)."""
    from ...patterns import compile_patterns

    spec = compile_patterns(ws.patterns("services"))
    found: set[str] = set()
    checked: dict[str, bool] = {}
    for f in files:
        parts = f.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            hit = checked.get(d)
            if hit is None:
                hit = checked[d] = bool(spec.match_file(d))
            if hit:
                found.add(d)
                break
    return sorted(found)


VENDORED = frozenset(("vendor", "node_modules"))


def vendored(path: str) -> bool:
    """A file inside vendored third-party code (Go ``vendor/``, ``node_modules/``): its builds are not this
    repository's (Go vendoring does not even copy the Dockerfiles they name)."""
    return any(part in VENDORED for part in path.split("/")[:-1])


class LazyDockerfiles(Mapping):
    """Dockerfile path -> parsed model (or why it could not be read), parsed on first access: B3 alone never
    parses a Dockerfile."""

    def __init__(self, paths, parse):
        self._paths = list(paths)
        self._known = set(self._paths)
        self._parse = parse
        self._cache: dict[str, object] = {}

    def __getitem__(self, path: str):
        if path not in self._known:
            raise KeyError(path)
        if path not in self._cache:
            try:
                self._cache[path] = self._parse(path)
            except UnreadableFile as exc:
                self._cache[path] = exc.reason
        return self._cache[path]

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, path) -> bool:
        return path in self._known


def gather_docker_inputs(ws: Workspace):
    """Everything B1–B3 need, read once per run: (DockerInputs, the inputs that could not be read)."""
    return ws.memo("docker-inputs", lambda: _gather(ws))


def _gather(ws: Workspace):
    from ...engines.docker import discovery as disc
    from ...parsers.dockerfile import parse_dockerfile
    from ...engines.docker.context import DockerInputs, FileTree
    from ...parsers.yaml_loader import YamlError, load

    options = ws.options(DockerOptions)
    limit = options.max_matrix_combinations
    script_cwd = options.script_working_directory
    problems: list[InputProblem] = []
    files = ws.repo.files
    tracked = ws.repo.tracked if ws.repo.is_git else None
    discovery = disc.Discovery()

    def read(path: str, purpose: str) -> str | None:
        try:
            return ws.read_text(path)
        except UnreadableFile as exc:
            problems.append(InputProblem(purpose, path, f"{path} {exc.reason}; it was not checked", severity="warning"))
            return None

    def yaml_docs(path: str, purpose: str) -> list | None:
        if read(path, purpose) is None:
            return None
        try:
            return load(ws, path).data()  # one parse per file and run, shared with X3/X4
        except YamlError as exc:
            problems.append(InputProblem(purpose, path, f"{path} {exc.message}; fix the YAML so its builds can be "
                                                        "checked", exc.line))
            return None

    from ...engines.docker import buildfiles
    from ...engines.docker.compose import discover_compose_files

    for path in ws.glob("workflows"):
        docs = yaml_docs(path, DECLARATION)
        if docs:
            discovery.extend(disc.discover_workflow(path, docs[0], limit=limit))
    for path in [p for p in ws.glob("makefiles") if not vendored(p)]:
        text = read(path, DECLARATION)
        if text is not None and "docker" in text:
            discovery.extend(buildfiles.discover_makefile(path, text))
    substituted: set[str] = set()
    for path in [p for p in ws.glob("skaffold-files") if not vendored(p)]:
        docs = yaml_docs(path, DECLARATION)
        if docs:
            found, names = buildfiles.discover_skaffold(path, docs)
            discovery.extend(found)
            substituted |= names
    for path in [p for p in ws.glob("bake-files") if not vendored(p)]:
        text = read(path, DECLARATION)
        if text is not None:
            discovery.extend(buildfiles.discover_bake(path, text))
    # scripts start where the workflow steps and recipes that run them start (else the option's assumption)
    starts: dict[str, set[str]] = {}
    for inv in discovery.invocations:
        starts.setdefault(inv.script, set()).add(inv.cwd)
    for key in ("powershell-scripts", "shell-scripts"):
        for path in [p for p in ws.glob(key) if not vendored(p)]:
            text = read(path, DECLARATION)
            if text is not None and ("docker" in text or "latest" in text or "kind" in text):
                for start in sorted(starts.get(path) or [None]):
                    discovery.extend(ws.pure(disc.discover_script, path, text, working_directory=script_cwd,
                                                      start=start))
    compose_paths = {p for p in ws.glob("compose-files") if not vendored(p)}
    file_set = set(files)
    compose_sets = [s.files for s in discovery.compose_sets]
    compose_paths |= {f for files_ in compose_sets for f in files_ if f in file_set}
    compose_docs: dict[str, object] = {}
    env_files: dict[str, str] = {}
    for path in sorted(compose_paths):
        docs = yaml_docs(path, DECLARATION)
        if docs is not None:
            compose_docs[path] = docs[0] if docs else None
        folder = posixpath.dirname(path)
        env_path = f"{folder}/.env" if folder else ".env"
        if env_path in file_set and env_path not in env_files:
            text = read(env_path, DECLARATION)
            if text is not None:
                env_files[env_path] = text
    discovery.extend(discover_compose_files(compose_docs, compose_sets, env_files))
    discovery.dedupe()

    # "Dockerfile.dockerignore" matches the Dockerfile.* glob but is an ignore file
    dockerfile_paths = [p for p in ws.glob("dockerfiles") if not p.endswith(".dockerignore") and not vendored(p)]
    wanted = set(dockerfile_paths) | {b.dockerfile for b in discovery.builds if b.dockerfile}
    present = [p for p in sorted(wanted) if (p in file_set or ws.repo.exists(p)) and not ws.repo.is_dir(p)]
    dockerfiles = LazyDockerfiles(present, lambda path: parse_dockerfile(path, ws.read_text(path)))
    # files a build needs although the project list leaves them out (gitignored Dockerfiles)
    all_dockerfiles = sorted(set(dockerfile_paths) | {p for p in dockerfiles if p in file_set})

    ignore_texts: dict[str, str | None] = {}
    for path in ws.glob("dockerignores"):
        text = read(path, DOCKERIGNORE)
        if text is not None:
            ignore_texts[path] = text

    services = service_folders(ws, files)
    versions: dict[str, str | None] = {}
    for folder in services:
        path = f"{folder}/VERSION"
        if path in file_set:
            try:
                versions[folder] = ws.read_text(path)
            except UnreadableFile as exc:
                versions[folder] = f"<{exc.reason}>"
        else:
            versions[folder] = None

    def on_disk(path: str) -> bool:
        return ws.repo.exists(path) and not posixpath.isabs(path)

    inputs = DockerInputs(
        tree=FileTree(files, tracked), dockerfiles=dockerfiles, ignore_texts=ignore_texts, discovery=discovery,
        service_dirs=services, versions=versions, k8s=[],
        images={str(k): str(v) for k, v in options.images.items()},
        on_disk=on_disk, all_dockerfiles=all_dockerfiles, substituted_images=frozenset(substituted),
        allow_extra_latest=options.allow_extra_latest)
    return inputs, problems


def gather_k8s(ws: Workspace, compose_paths=frozenset()):
    """The k8s manifests B3 reads, once per run (only B3 asks, so B1/B2 never read every YAML file):
    ``infra/k8s/**`` and any other YAML that declares a workload; (manifests, problems)."""
    return ws.memo("docker-k8s", lambda: _gather_k8s(ws, compose_paths))


def _gather_k8s(ws: Workspace, compose_paths):
    from ...parsers.yaml_loader import YamlError, load

    problems: list[InputProblem] = []
    k8s = []
    manifest_paths = list(ws.glob("k8s-manifests"))
    known = set(manifest_paths) | set(compose_paths)
    for path in ws.glob("workload-manifests"):
        if path in known or ws.matches("workflows", path) or ws.matches("compose-files", path) or vendored(path):
            continue
        try:
            text = ws.read_text(path)
        except UnreadableFile:
            continue
        # any YAML declaring a workload; Helm/Go templates are not YAML until rendered
        if _WORKLOAD.search(text) and "{{" not in text:
            manifest_paths.append(path)
    for path in manifest_paths:
        try:
            ws.read_text(path)
            docs = load(ws, path).data()
        except UnreadableFile as exc:
            problems.append(InputProblem(MANIFEST, path, f"{path} {exc.reason}; it was not checked", severity="warning"))
            continue
        except YamlError as exc:
            problems.append(InputProblem(MANIFEST, path, f"{path} {exc.message}; fix the YAML so its builds can be "
                                                         "checked", exc.line))
            continue
        if docs:
            k8s.append((path, docs))
    return k8s, problems


def touches_docker(ws: Workspace, targets: list[str] | None) -> bool:
    """Whether a run over ``targets`` (None: the whole repository) has anything B1-B3 read."""
    return targets is None or any(ws.matches(key, t) or t.endswith(("VERSION", ".dockerignore"))
                                  for t in targets for key in RELEVANT_KEYS)
