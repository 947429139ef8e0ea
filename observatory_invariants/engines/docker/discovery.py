"""Which Docker builds the repository runs, and where each one is declared.

Pure functions over parsed YAML / script text: workflows (matrices with
``include``/``exclude`` and ``${{ matrix.* }}`` substitution, ``docker/build-push-action``
steps, ``run:`` steps), compose files (``build:`` string or mapping, relative to
the compose file's folder) and scripts. Every :class:`Build` keeps the file and
line that declared it.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import dataclass, field

from .scripts import scan_script
from ...parsers.yaml_loader import LineDict, line_of

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass(frozen=True)
class Build:
    dockerfile: str | None          # repo-relative path; None when unresolved
    context: str | None             # repo-relative folder ("." is the root); None when unresolved
    declared_in: str
    line: int | None
    origin: str                     # "workflow", "build-push-action", "compose", "script"
    target: str | None = None
    args: tuple[tuple[str, str], ...] = ()
    unresolved: str | None = None   # why it could not be resolved exactly

    @property
    def where(self) -> str:
        return f"{self.declared_in}:{self.line}" if self.line else self.declared_in


@dataclass(frozen=True)
class ImageRef:
    ref: str
    path: str
    line: int | None
    how: str                        # "compose image", "k8s container", "docker build -t", "build-push-action tags" …


@dataclass(frozen=True)
class Fallback:
    path: str
    line: int
    text: str


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

    def extend(self, other: Discovery) -> None:
        self.builds.extend(other.builds)
        self.images.extend(other.images)
        self.fallbacks.extend(other.fallbacks)
        self.problems.extend(other.problems)


def norm(path: str) -> str:
    path = path.replace("\\", "/")
    return posixpath.normpath(path) if path else "."


def join(base: str, rel: str) -> str:
    return norm(posixpath.join(base, rel.replace("\\", "/")))


def _outside(path: str) -> bool:
    return path == ".." or path.startswith("../") or path.startswith("/")


# -- scripts -------------------------------------------------------------------


def discover_script(path: str, text: str, *, working_directory: str = "root") -> Discovery:
    """Builds, image references and ``latest`` fallbacks of one shell or PowerShell script."""
    pwsh = path.lower().endswith((".ps1", ".psm1"))
    script_dir = posixpath.dirname(path) or "."
    cwd = script_dir if working_directory == "script" else "."
    scan = scan_script(text, pwsh=pwsh, script_dir=script_dir, cwd=cwd)
    return _from_scan(path, scan, "script", 0)


def _from_scan(path: str, scan, origin: str, line_offset: int) -> Discovery:
    found = Discovery()
    for b in scan.builds:
        line = b.line + line_offset
        unresolved = b.unresolved
        if unresolved is None and (_outside(b.context or "") or _outside(b.dockerfile or "")):
            unresolved = "its context or Dockerfile lies outside the repository"
        found.builds.append(Build(b.dockerfile if not unresolved else None, b.context if not unresolved else None,
                                  path, line, origin, b.target, tuple(sorted(b.args.items())), unresolved))
    for ref in scan.images:
        found.images.append(ImageRef(ref.ref, path, ref.line + line_offset, ref.how))
    for fb in scan.fallbacks:
        found.fallbacks.append(Fallback(path, fb.line + line_offset, fb.text))
    return found


# -- compose -------------------------------------------------------------------


def discover_compose(path: str, doc) -> Discovery:
    """Builds and ``image:`` references of a parsed compose file."""
    found = Discovery()
    if doc is None:
        return found
    if not isinstance(doc, dict):
        found.problems.append(DeclarationProblem(path, getattr(doc, "line", 1),
                                                 f"is a {type(doc).__name__}, not a compose mapping with a "
                                                 "'services:' key; its builds were not read"))
        return found
    services = doc.get("services")
    if not isinstance(services, dict):
        return found
    base = posixpath.dirname(path) or "."
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        image = service.get("image")
        if isinstance(image, str):
            found.images.append(ImageRef(image, path, line_of(service, "image"), "compose image"))
            for m in re.finditer(r"\$\{[A-Za-z_]\w*:?-latest\}", image):
                found.fallbacks.append(Fallback(path, line_of(service, "image"), image))
        build = service.get("build")
        if build is None:
            continue
        line = line_of(service, "build")
        context, dockerfile, target, args = None, "Dockerfile", None, {}
        if isinstance(build, str):
            context = build
        elif isinstance(build, dict):
            context = build.get("context", ".")
            if "dockerfile_inline" in build:
                continue
            dockerfile = build.get("dockerfile", "Dockerfile")
            target = build.get("target")
            raw_args = build.get("args") or {}
            if isinstance(raw_args, dict):
                args = {str(k): "" if v is None else str(v) for k, v in raw_args.items()}
            elif isinstance(raw_args, list):
                args = dict(str(a).partition("=")[::2] for a in raw_args)
            line = line_of(build, "context", line)
        else:
            found.problems.append(DeclarationProblem(path, line, f"service {name!r}: build: must be a path or a "
                                                                 "mapping with context/dockerfile"))
            continue
        values = [str(context), str(dockerfile), str(target or "")] + list(args.values())
        if any("$" in v.replace("$$", "") for v in values):
            found.builds.append(Build(None, None, path, line, "compose", None, (),
                                      f"service {name!r} uses a ${{VARIABLE}} in its build settings"))
            continue
        if "://" in str(context) or str(context).startswith("git@"):
            continue
        ctx = join(base, str(context))
        df = str(dockerfile)
        dockerfile_path = norm(df) if df.startswith("/") else join(ctx, df)
        unresolved = "its context lies outside the repository" if _outside(ctx) or _outside(dockerfile_path) else None
        found.builds.append(Build(None if unresolved else dockerfile_path, None if unresolved else ctx, path, line,
                                  "compose", target, tuple(sorted(args.items())), unresolved))
    return found


# -- workflows -------------------------------------------------------------------


def matrix_combinations(matrix, limit: int) -> list[dict] | None:
    """GitHub's expansion of ``strategy.matrix`` (None when it is an expression we cannot expand)."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        return None
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    if any(not isinstance(v, list) for v in axes.values()):
        return None
    combos: list[dict] = []
    if axes:
        for values in itertools.product(*axes.values()):
            combos.append(dict(zip(axes.keys(), values)))
            if len(combos) >= limit:
                break
    excludes = matrix.get("exclude") or []
    if isinstance(excludes, list):
        combos = [c for c in combos if not any(isinstance(e, dict) and all(c.get(k) == v for k, v in e.items())
                                              for e in excludes)]
    includes = matrix.get("include") or []
    if isinstance(includes, str):
        return None
    # an include entry extends every original combination it does not contradict; otherwise it is a new one
    originals = [dict(c) for c in combos]
    extended = combos[: len(originals)]
    for entry in includes if isinstance(includes, list) else []:
        if not isinstance(entry, dict):
            continue
        matched = False
        for original, combo in zip(originals, extended):
            if all(original[k] == v for k, v in entry.items() if k in original):
                combo.update({k: v for k, v in entry.items() if k not in original})
                matched = True
        if not matched:
            combos.append(dict(entry))
    return combos[:limit] if combos else [{}]


def _substitute(value, matrix: dict | None, env: dict) -> str | None:
    """``${{ matrix.x }}`` / ``${{ env.X }}`` replaced; None when any expression is not literal."""
    if value is None:
        return None
    text = str(value)
    unresolved = False

    def repl(m: re.Match) -> str:
        nonlocal unresolved
        expr = m.group(1)
        mm = re.fullmatch(r"(matrix|env)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)", expr)
        if mm:
            source = matrix if mm.group(1) == "matrix" else env
            if source is not None and mm.group(2) in source:
                v = source[mm.group(2)]
                for prop in filter(None, mm.group(3).split(".")):
                    v = v.get(prop) if isinstance(v, dict) else None
                if v is not None and not isinstance(v, (dict, list)):
                    return str(v).lower() if isinstance(v, bool) else str(v)
        unresolved = True
        return m.group(0)

    out = _EXPR.sub(repl, text)
    return None if unresolved else out


def _env_of(*mappings) -> dict:
    env: dict = {}
    for m in mappings:
        if isinstance(m, dict):
            env.update({k: v for k, v in m.items() if not isinstance(v, (dict, list))})
    return env


def _list_setting(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]


def discover_workflow(path: str, doc, *, limit: int = 256) -> Discovery:
    """Builds, image tags and ``run:`` step builds of one parsed workflow."""
    found = Discovery()
    if not isinstance(doc, dict):
        if doc is not None:
            found.problems.append(DeclarationProblem(path, getattr(doc, "line", 1),
                                                     "is not a workflow mapping; its builds were not read"))
        return found
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return found
    wf_defaults = (doc.get("defaults") or {}).get("run") if isinstance(doc.get("defaults"), dict) else None
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        strategy = job.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
        combos = matrix_combinations(matrix, limit)
        steps = job.get("steps")
        if not isinstance(steps, list):
            continue
        job_defaults = (job.get("defaults") or {}).get("run") if isinstance(job.get("defaults"), dict) else None
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            step_line = line_of(steps, index, getattr(step, "line", None))
            for combo in (combos if combos is not None else [None]):
                env = _env_of(doc.get("env"), job.get("env"), step.get("env"))
                _workflow_step(found, path, step, step_line, combo, env, wf_defaults, job_defaults)
    # a matrix expands one declaration many times; keep each distinct build once
    found.builds = list(dict.fromkeys(found.builds))
    found.images = list(dict.fromkeys(found.images))
    found.fallbacks = list(dict.fromkeys(found.fallbacks))
    return found


def _workflow_step(found: Discovery, path: str, step: dict, step_line, combo, env, wf_defaults, job_defaults):
    uses = step.get("uses")
    if isinstance(uses, str) and uses.split("@", 1)[0].lower() == "docker/build-push-action":
        with_ = step.get("with") if isinstance(step.get("with"), dict) else LineDict()
        line = line_of(with_, "context", line_of(step, "uses", step_line)) if isinstance(with_, LineDict) else step_line
        raw_context = with_.get("context", ".")
        context = _substitute(raw_context, combo, env)
        file_ = _substitute(with_.get("file"), combo, env) if with_.get("file") is not None else None
        target = _substitute(with_.get("target"), combo, env) if with_.get("target") is not None else None
        args_text = _substitute(with_.get("build-args", ""), combo, env)
        tags_text = _substitute(with_.get("tags", ""), combo, env)
        if tags_text:
            tag_line = line_of(with_, "tags", line) if isinstance(with_, LineDict) else line
            for tag in _list_setting(tags_text):
                found.images.append(ImageRef(tag, path, tag_line, "build-push-action tags"))
        if context is None or (with_.get("file") is not None and file_ is None) or \
                (with_.get("target") is not None and target is None) or args_text is None:
            found.builds.append(Build(None, None, path, line, "build-push-action", None, (),
                                      "context/file/target/build-args use an expression other than a literal "
                                      "matrix or env value"))
            return
        if "://" in context:
            return
        ctx = norm(context)
        dockerfile = norm(file_) if file_ else join(ctx, "Dockerfile")
        args = tuple(sorted(tuple(a.partition("=")[::2]) for a in _list_setting(args_text or "")))
        unresolved = "its context lies outside the repository" if _outside(ctx) or _outside(dockerfile) else None
        found.builds.append(Build(None if unresolved else dockerfile, None if unresolved else ctx, path, line,
                                  "build-push-action", target, args, unresolved))
        return
    run = step.get("run")
    if not isinstance(run, str) or "docker" not in run:
        return
    shell = step.get("shell") or (job_defaults or {}).get("shell") or (wf_defaults or {}).get("shell") or "bash"
    pwsh = "pwsh" in str(shell).lower() or "powershell" in str(shell).lower()
    workdir = step.get("working-directory") or (job_defaults or {}).get("working-directory") \
        or (wf_defaults or {}).get("working-directory") or "."
    # ${{ matrix.x }} is substituted by the runner before the shell sees the script
    text = _EXPR.sub(lambda m: _substitute(m.group(0), combo, env) or "$__UNRESOLVED_EXPRESSION", run)
    workdir_value = _substitute(workdir, combo, env)
    run_line = line_of(step, "run", step_line) or 1
    offset = run_line if "\n" in run.rstrip("\n") or run.endswith("\n") else run_line - 1
    scan = scan_script(text, pwsh=pwsh, script_dir=".", cwd=norm(workdir_value) if workdir_value else ".")
    sub = _from_scan(path, scan, "workflow", offset)
    if workdir_value is None:
        sub.builds = [Build(None, None, b.declared_in, b.line, b.origin, None, (),
                            "working-directory is an expression") for b in sub.builds]
    found.extend(sub)
