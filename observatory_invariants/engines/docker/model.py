"""The one data model of Docker discovery: builds, image references, ``latest`` fallbacks and declaration
problems, whoever found them (workflows, compose files, scripts, skaffold, bake files, Makefiles).

Every item keeps the file and line that declared it. Script scans produce these objects directly (with the
script's path and the line offset of a workflow ``run:`` block), so there is no second model to bridge.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

# How an image reference is used, from weakest to strongest evidence that a tag matters:
BUILT = "built"          # named by a build (docker build -t, compose image: beside build:, bake/skaffold tags)
RUN = "run"              # run or pulled to run (docker run/pull, compose image: without build:)
PUBLISHED = "published"  # pushed to a registry (docker push, build-push-action push: true, docker manifest push)
DEPLOYED = "deployed"    # loaded into a cluster or named by a manifest (kind load, k8s image:, skaffold deploy)


@dataclass(frozen=True)
class Build:
    dockerfile: str | None          # repo-relative path; None when unresolved
    context: str | None             # repo-relative folder ("." is the root); None when unresolved
    declared_in: str
    line: int | None
    origin: str                     # "workflow", "build-push-action", "compose", "script", "skaffold", "bake", "make"
    target: str | None = None
    args: tuple[tuple[str, str], ...] = ()
    unresolved: str | None = None   # why it could not be resolved exactly
    tags: tuple[str, ...] = ()      # the image references the build names (-t, tags:, image:)
    label: str = ""                 # compose service / skaffold artifact / bake target name, for messages
    assumed: str | None = None      # the resolution rests on an assumption (a script's start folder), not evidence

    @property
    def where(self) -> str:
        return f"{self.declared_in}:{self.line}" if self.line else self.declared_in


@dataclass(frozen=True)
class ImageRef:
    ref: str                        # as resolved (may still hold ``$VAR`` parts when the name is dynamic)
    path: str
    line: int | None
    how: str                        # "compose image", "k8s container", "docker build -t", "build-push-action tags" …
    role: str = BUILT               # BUILT, RUN, PUBLISHED or DEPLOYED
    group: str | None = None        # refs named together (one build's -t list, one step's tags:): siblings
    scope: str | None = None        # the CI job or script it lives in (an image built and used in one scope)
    dynamic_name: bool = False      # the repository part is not a literal (``${img}:latest``), the tag is
    via: str | None = None          # a ``latest`` fallback text the tag came from (``${TAG:-latest}``)


@dataclass(frozen=True)
class Fallback:
    """A place that turns a missing version into ``latest``."""

    path: str
    line: int
    text: str
    variable: str | None = None     # the variable that receives the fallback (``TAG`` of ``${TAG:-latest}``)
    version_read: bool = False      # the fallback of a VERSION-file read (always B3's business)
    flows_into: str | None = None   # how the value reaches an image reference ("docker build -t" …), if it does


@dataclass(frozen=True)
class DeclarationProblem:
    path: str
    line: int | None
    message: str


@dataclass
class Discovery:
    builds: list[Build] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    problems: list[DeclarationProblem] = field(default_factory=list)
    compose_sets: list["ComposeSet"] = field(default_factory=list)
    invocations: list["Invocation"] = field(default_factory=list)

    def extend(self, other: Discovery) -> None:
        self.builds.extend(other.builds)
        self.images.extend(other.images)
        self.fallbacks.extend(other.fallbacks)
        self.problems.extend(other.problems)
        self.compose_sets.extend(other.compose_sets)
        self.invocations.extend(other.invocations)

    def dedupe(self) -> Discovery:
        """Each distinct item once (a matrix expands one declaration many times)."""
        self.builds = list(dict.fromkeys(self.builds))
        self.images = list(dict.fromkeys(self.images))
        self.fallbacks = list(dict.fromkeys(self.fallbacks))
        self.problems = list(dict.fromkeys(self.problems))
        self.compose_sets = list(dict.fromkeys(self.compose_sets))
        self.invocations = list(dict.fromkeys(self.invocations))
        return self


def norm(path: str) -> str:
    path = path.replace("\\", "/")
    return posixpath.normpath(path) if path else "."


def join(base: str, rel: str) -> str:
    return norm(posixpath.join(base, rel.replace("\\", "/")))


def outside(path: str) -> bool:
    return path == ".." or path.startswith("../") or path.startswith("/")


@dataclass(frozen=True)
class ComposeSet:
    """Compose files used together (``docker compose -f a.yml -f b.yml``), repo-relative, in order."""

    files: tuple[str, ...]
    path: str
    line: int | None


@dataclass(frozen=True)
class Invocation:
    """A script run by a workflow step, a Makefile recipe or another script, and the folder it starts in."""

    script: str                     # repo-relative
    cwd: str                        # repo-relative start folder
    path: str
    line: int | None
