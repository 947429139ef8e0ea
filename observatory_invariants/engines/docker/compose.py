"""Compose files merged the way ``docker compose`` merges them, and the builds and images of each configuration.

Configurations (each a list of files, merged in order):

* every compose file that is not an override, alone;
* a base (``compose.yaml``, ``docker-compose.yml`` …) with the ``compose.override.yaml`` /
  ``docker-compose.override.yml`` beside it (docker compose merges it automatically);
* the files of every ``docker compose -f a.yml -f b.yml`` found in scripts, workflow steps and Makefiles;
* a *partial* file — one whose services have neither ``image:`` nor ``build:`` context of their own but are defined
  by a base file in the same folder (``docker-compose.windows.yml`` adding build args) — with that base.

A file that is only ever an override (named ``*override*``, used after another file in a ``-f`` list, or partial)
is never checked alone. Merging follows the compose specification: services by name, mappings key by key (later
files win), build args by name. Relative paths resolve against the project folder (the first file's folder),
``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` and ``$$`` are interpolated from the project folder's ``.env``
and the defaults; a variable with neither makes the build unresolved.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .model import BUILT, RUN, Build, DeclarationProblem, Discovery, Fallback, ImageRef, join, norm, outside
from ...parsers.yaml_loader import line_of

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
_VAR = re.compile(r"\$(?:\$|\{([A-Za-z_]\w*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_]\w*))")
_BUILD_KEYS = ("context", "dockerfile", "target")


class _Unresolved(Exception):
    pass


@dataclass
class _Field:
    value: object
    path: str
    line: int | None


@dataclass
class _Service:
    name: str
    image: _Field | None = None
    build: dict[str, _Field] = field(default_factory=dict)      # context / dockerfile / target / inline
    args: dict[str, _Field] = field(default_factory=dict)
    has_build: bool = False
    build_path: str = ""
    build_line: int | None = None


def parse_env_file(text: str) -> dict[str, str]:
    """A compose ``.env`` file: ``KEY=value`` lines, ``#`` comments, optional quotes."""
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        env[key.strip()] = value
    return env


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose interpolation; raises _Unresolved when a variable has no value and no default."""
    def repl(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        value = env.get(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return interpolate(word, env)
            return value
        if op in (":+", "+"):
            return interpolate(word, env) if value not in (None, "") or (op == "+" and value is not None) else ""
        if value is None:
            raise _Unresolved(name)
        return value
    return _VAR.sub(repl, text)


def _is_partial(doc, base) -> bool:
    """Whether ``doc`` only completes services a base file defines: some service of it, also in the base, has
    no build context of its own (``build: {args: …}``) or neither a context nor an image."""
    services = doc.get("services") if isinstance(doc, dict) else None
    base_services = base.get("services") if isinstance(base, dict) else None
    if not isinstance(services, dict) or not isinstance(base_services, dict):
        return False
    for name, service in services.items():
        if not isinstance(service, dict) or name not in base_services:
            continue
        build = service.get("build")
        has_context = isinstance(build, str) or (isinstance(build, dict) and "context" in build)
        if (build is not None and not has_context) or (not has_context and "image" not in service):
            return True
    return False


def configurations(docs: dict[str, object], sets: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The file lists docker compose would merge (see the module docstring)."""
    configs: list[tuple[str, ...]] = []
    overrides: set[str] = set()
    for files in sets:
        files = tuple(f for f in files if f in docs)
        if files:
            configs.append(files)
            overrides.update(files[1:])
    by_dir: dict[str, list[str]] = {}
    for path in docs:
        by_dir.setdefault(posixpath.dirname(path), []).append(path)
    for folder, paths in by_dir.items():
        names = {posixpath.basename(p): p for p in paths}
        base = next((names[n] for n in BASE_NAMES if n in names), None)
        for path in paths:
            name = posixpath.basename(path)
            if name in OVERRIDE_NAMES or ".override." in name or "-override." in name:
                overrides.add(path)
                if base is not None and name in OVERRIDE_NAMES:
                    configs.append((base, path))
                elif base is not None:
                    configs.append((base, path))
            elif base is not None and path != base and _is_partial(docs[path], docs[base]):
                overrides.add(path)
                if base is not None:
                    configs.append((base, path))
    for path in docs:
        if path not in overrides:
            configs.append((path,))
    return list(dict.fromkeys(configs))


def _field(container, key, path) -> _Field:
    return _Field(container[key], path, line_of(container, key, getattr(container, "line", None)))


def _merge(config: tuple[str, ...], docs: dict[str, object], problems: list[DeclarationProblem]) -> dict[str, _Service]:
    services: dict[str, _Service] = {}
    for path in config:
        doc = docs[path]
        raw_services = doc.get("services") if isinstance(doc, dict) else None
        if not isinstance(raw_services, dict):
            continue
        for name, raw in raw_services.items():
            if not isinstance(raw, dict):
                continue
            svc = services.setdefault(str(name), _Service(str(name)))
            if "image" in raw:
                if isinstance(raw["image"], str):
                    svc.image = _field(raw, "image", path)
                else:
                    problems.append(DeclarationProblem(path, line_of(raw, "image"), f"service {name!r}: image: must "
                                                       "be a string"))
            if "build" not in raw:
                continue
            build = raw["build"]
            line = line_of(raw, "build")
            svc.has_build = True
            if isinstance(build, str):
                svc.build["context"] = _Field(build, path, line)
            elif isinstance(build, dict):
                for key in _BUILD_KEYS:
                    if key in build:
                        if not isinstance(build[key], (str, int, float)) or isinstance(build[key], bool):
                            problems.append(DeclarationProblem(
                                path, line_of(build, key, line), f"service {name!r}: build.{key} must be a string, "
                                f"not {type(build[key]).__name__}; docker compose refuses this file"))
                            svc.build["invalid"] = _Field(True, path, line)
                            continue
                        svc.build[key] = _field(build, key, path)
                if "dockerfile_inline" in build:
                    svc.build["inline"] = _Field(True, path, line)
                raw_args = build.get("args")
                if isinstance(raw_args, dict):
                    for k, v in raw_args.items():
                        svc.args[str(k)] = _Field("" if v is None else str(v), path, line_of(raw_args, k, line))
                elif isinstance(raw_args, list):
                    for item in raw_args:
                        k, _, v = str(item).partition("=")
                        svc.args[k] = _Field(v, path, line)
                elif raw_args is not None:
                    problems.append(DeclarationProblem(path, line_of(build, "args", line), f"service {name!r}: "
                                                       "build.args must be a mapping or a list"))
            else:
                problems.append(DeclarationProblem(path, line, f"service {name!r}: build: must be a path or a "
                                                               "mapping with context/dockerfile"))
                svc.build["invalid"] = _Field(True, path, line)
                continue
            svc.build_path, svc.build_line = path, line
    return services


def discover_compose_files(docs: dict[str, object], sets: list[tuple[str, ...]],
                           env_files: dict[str, str] | None = None) -> Discovery:
    """Builds and ``image:`` references of every configuration of the parsed compose files (``{path: doc}``)."""
    found = Discovery()
    env_files = env_files or {}
    for path, doc in docs.items():
        if doc is not None and not isinstance(doc, dict):
            found.problems.append(DeclarationProblem(path, getattr(doc, "line", 1),
                                                     f"is a {type(doc).__name__}, not a compose mapping with a "
                                                     "'services:' key; its builds were not read"))
    usable = {p: d for p, d in docs.items() if isinstance(d, dict)}
    problems: list[DeclarationProblem] = []
    for config in configurations(usable, sets):
        project = posixpath.dirname(config[0]) or "."
        env = parse_env_file(env_files.get(posixpath.join(project, ".env") if project != "." else ".env", ""))
        for svc in _merge(config, usable, problems).values():
            _service(found, svc, project, env, config)
    found.problems.extend(problems)
    return found.dedupe()


def _service(found: Discovery, svc: _Service, project: str, env: dict[str, str], config) -> None:
    if svc.image is not None:
        raw = str(svc.image.value)
        via = next((m.group(0) for m in re.finditer(r"\$\{[A-Za-z_]\w*:?-latest\}", raw)), None)
        try:
            ref = interpolate(raw, env)
        except _Unresolved:
            ref = raw
        found.images.append(ImageRef(ref, svc.image.path, svc.image.line, "compose image",
                                     BUILT if svc.has_build else RUN, None, f"compose:{svc.image.path}", False, via))
        if via:
            found.fallbacks.append(Fallback(svc.image.path, svc.image.line, raw, None, False,
                                            "compose image" + (" (built here)" if svc.has_build else "")))
    if not svc.has_build or "inline" in svc.build or "invalid" in svc.build:
        return
    fields = {k: svc.build.get(k) for k in _BUILD_KEYS}
    context_f = fields["context"] or _Field(".", svc.build_path, svc.build_line)
    decl = max((f for f in (fields["context"], fields["dockerfile"]) if f is not None),
               key=lambda f: config.index(f.path), default=context_f)
    where_path, where_line = decl.path, decl.line
    try:
        context = interpolate(str(context_f.value), env)
        dockerfile = interpolate(str(fields["dockerfile"].value), env) if fields["dockerfile"] else "Dockerfile"
        target = interpolate(str(fields["target"].value), env) if fields["target"] else None
        args = {k: interpolate(str(f.value), env) for k, f in svc.args.items()}
    except _Unresolved as exc:
        found.builds.append(Build(None, None, where_path, where_line, "compose", None, (),
                                  f"service {svc.name!r} uses ${{{exc}}} in its build settings, set neither in "
                                  ".env nor by a default", label=svc.name))
        return
    if "://" in context or context.startswith("git@"):
        return
    ctx = join(project, context)
    dockerfile_path = norm(dockerfile) if dockerfile.startswith("/") else join(ctx, dockerfile)
    unresolved = "its context lies outside the repository" if outside(ctx) or outside(dockerfile_path) else None
    tags = (str(svc.image.value),) if svc.image is not None else ()
    found.builds.append(Build(None if unresolved else dockerfile_path, None if unresolved else ctx, where_path,
                              where_line, "compose", target, tuple(sorted(args.items())), unresolved, tags,
                              label=svc.name))
