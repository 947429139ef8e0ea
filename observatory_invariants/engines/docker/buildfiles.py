"""Builds declared by skaffold (``skaffold.yaml`` artifacts), ``docker buildx bake`` (``docker-bake.hcl`` /
``docker-bake.json``) and Makefiles (``docker build`` in recipes).

* skaffold: ``build.artifacts[]`` (and each profile's): ``image``, ``context`` (default the file's folder),
  ``docker.dockerfile`` (relative to the context), ``docker.target``, ``docker.buildArgs``. skaffold tags the
  images it builds and rewrites the manifests it deploys, so its artifact names are reported as substituted.
* bake: ``target "name" { context, dockerfile, target, args, tags, inherits }`` with ``variable`` defaults and
  ``${VAR}`` interpolation. HCL is read by a small tokenizer (strings, lists, objects, blocks, comments); a value
  it cannot evaluate (a function call, an unknown variable) makes that build unresolved, never a guess.
* Makefiles: each recipe line is a shell script run from the Makefile's folder; ``$(VAR)`` / ``${VAR}`` from
  simple assignments, ``$(CURDIR)`` and ``$$`` are expanded first (anything else stays unresolved).
"""

from __future__ import annotations

import json
import posixpath
import re

from .docker_cli import scan_script
from .evaluate import anchor
from .model import BUILT, Build, DeclarationProblem, Discovery, ImageRef, join, norm, outside

# -- skaffold ---------------------------------------------------------------------------------------------------


def discover_skaffold(path: str, docs: list) -> tuple[Discovery, set[str]]:
    """Builds of a parsed skaffold file, and the image names skaffold substitutes in what it deploys."""
    from ...parsers.yaml_loader import line_of

    found = Discovery()
    names: set[str] = set()
    base = posixpath.dirname(path) or "."
    builds = []
    for doc in docs:
        if not isinstance(doc, dict) or not str(doc.get("apiVersion", "")).startswith("skaffold/"):
            continue
        sections = [doc.get("build")]
        for profile in doc.get("profiles") or []:
            if isinstance(profile, dict):
                sections.append(profile.get("build"))
        for section in sections:
            artifacts = section.get("artifacts") if isinstance(section, dict) else None
            if isinstance(artifacts, list):
                builds.extend(a for a in artifacts if isinstance(a, dict))
    for artifact in builds:
        image = artifact.get("image")
        if not isinstance(image, str):
            continue
        names.add(image.rsplit("/", 1)[-1].lower())
        if any(k in artifact for k in ("jib", "bazel", "ko", "buildpacks", "custom")):
            continue
        docker = artifact.get("docker") if isinstance(artifact.get("docker"), dict) else {}
        context = artifact.get("context", ".")
        dockerfile = docker.get("dockerfile", "Dockerfile")
        line = line_of(docker, "dockerfile", None) if "dockerfile" in docker else line_of(artifact, "image")
        if not isinstance(context, str) or not isinstance(dockerfile, str):
            found.problems.append(DeclarationProblem(path, line, f"artifact {image!r}: context and "
                                                                 "docker.dockerfile must be strings"))
            continue
        ctx = join(base, context)
        df = join(ctx, dockerfile)
        raw_args = docker.get("buildArgs") if isinstance(docker.get("buildArgs"), dict) else {}
        args = tuple(sorted((str(k), str(v)) for k, v in raw_args.items() if v is not None and "{{" not in str(v)))
        target = docker.get("target") if isinstance(docker.get("target"), str) else None
        unresolved = "its context lies outside the repository" if outside(ctx) or outside(df) else None
        if "{{" in context or "{{" in dockerfile:
            unresolved = "its context or Dockerfile is a template"
        found.builds.append(Build(None if unresolved else df, None if unresolved else ctx, path, line, "skaffold",
                                  target, args, unresolved, (image,), label=image))
    return found.dedupe(), names


# -- bake (HCL / JSON) -------------------------------------------------------------------------------------------

_HCL_TOKEN = re.compile(r'''
    (?P<ws>[ \t\r\f]+|\\\n)
  | (?P<nl>\n)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z))
  | (?P<heredoc><<-?(?P<tag>[A-Za-z_]\w*)\n[\s\S]*?\n[ \t]*(?P=tag)(?=\n|\Z))
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][\w-]*)
  | (?P<punct>[{}\[\](),=:?.!<>&|+*/%-])
''', re.X)


class _Opaque:
    """A value this reader does not evaluate (a function call, an expression)."""


OPAQUE = _Opaque()


def _hcl_tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    line = 1
    pos = 0
    n = len(text)
    while pos < n:
        m = _HCL_TOKEN.match(text, pos)
        if m is None:
            tokens.append(("punct", text[pos], line))
            pos += 1
            continue
        kind = m.lastgroup if m.lastgroup != "tag" else "heredoc"
        value = m.group(0)
        if kind not in ("ws", "comment"):
            tokens.append(("nl" if kind == "nl" else kind, value, line))
        line += value.count("\n")
        pos = m.end()
    return tokens


class _HclParser:
    def __init__(self, text: str):
        self.toks = _hcl_tokens(text)
        self.i = 0

    def peek(self, skip_nl: bool = True):
        while skip_nl and self.i < len(self.toks) and self.toks[self.i][0] == "nl":
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "", 0)

    def take(self, skip_nl: bool = True):
        tok = self.peek(skip_nl)
        self.i += 1
        return tok

    def body(self, closing: str | None) -> list:
        """Items of a body: ("attr", name, value, line) and ("block", type, labels, body, line)."""
        items: list = []
        while True:
            kind, value, line = self.peek()
            if kind == "eof" or (kind == "punct" and value == closing):
                self.take()
                return items
            if kind != "ident":
                self.take()
                continue
            self.take()
            nxt = self.peek()
            if nxt[0] == "punct" and nxt[1] in ("=", ":"):
                self.take()
                items.append(("attr", value, self.expr(), line))
                continue
            labels = []
            while self.peek()[0] in ("string", "ident"):
                labels.append(_unquote(self.take()[1]))
            if self.peek()[1] == "{":
                self.take()
                items.append(("block", value, labels, self.body("}"), line))

    def expr(self):
        kind, value, _line = self.take()
        result: object
        if kind == "string":
            result = ("str", _unquote(value))
        elif kind == "number":
            result = ("str", value)
        elif kind == "ident" and value in ("true", "false", "null"):
            result = ("str", value) if value != "null" else None
        elif kind == "punct" and value == "[":
            items = []
            while True:
                if self.peek()[1] == "]":
                    self.take()
                    break
                if self.peek()[0] == "eof":
                    break
                items.append(self.expr())
                if self.peek()[1] == ",":
                    self.take()
            result = ("list", items)
        elif kind == "punct" and value == "{":
            entries = {}
            while True:
                k = self.take()
                if k[0] == "eof" or k[1] == "}":
                    break
                if k[0] in ("ident", "string") and self.peek()[1] in ("=", ":"):
                    self.take()
                    entries[_unquote(k[1])] = self.expr()
                    if self.peek()[1] == ",":
                        self.take()
            result = ("map", entries)
        elif kind == "ident":
            result = ("var", value)
            if self.peek(False)[1] == "(":       # a function call: opaque
                self._skip_group()
                result = OPAQUE
        else:
            result = OPAQUE
        # an operator after a value makes an expression we do not evaluate
        nxt = self.peek(False)
        if nxt[0] == "punct" and nxt[1] in "?+-*/%<>&|!." and nxt[1]:
            while self.peek(False)[0] not in ("nl", "eof") and self.peek(False)[1] not in (",", "]", "}"):
                self.take(False)
            return OPAQUE
        return result

    def _skip_group(self) -> None:
        depth = 0
        while True:
            kind, value, _ = self.take()
            if kind == "eof":
                return
            if value in "([{":
                depth += 1
            elif value in ")]}":
                depth -= 1
                if depth == 0:
                    return


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            return json.loads(text)
        except ValueError:
            return text[1:-1]
    return text


def _bake_value(value, variables: dict[str, str]):
    """A bake value as a str / list / dict, or OPAQUE."""
    if value is None:
        return None
    if value is OPAQUE:
        return OPAQUE
    kind, inner = value
    if kind == "str":
        out = _interp(inner, variables)
        return OPAQUE if out is None else out
    if kind == "var":
        return variables.get(inner, OPAQUE)
    if kind == "list":
        items = [_bake_value(v, variables) for v in inner]
        return OPAQUE if any(v is OPAQUE for v in items) else items
    if kind == "map":
        return {k: _bake_value(v, variables) for k, v in inner.items()}
    return OPAQUE


def _interp(text: str, variables: dict[str, str]) -> str | None:
    unresolved = False

    def repl(m: re.Match) -> str:
        nonlocal unresolved
        name = m.group(1).strip()
        if name in variables and isinstance(variables[name], str):
            return variables[name]
        unresolved = True
        return m.group(0)

    out = re.sub(r"\$\{([^}]*)\}", repl, text)
    return None if unresolved else out


def _bake_targets_hcl(text: str, env: dict[str, str]) -> tuple[dict, dict]:
    items = _HclParser(text).body(None)
    variables: dict[str, str] = {}
    for item in items:
        if item[0] == "block" and item[1] == "variable" and item[2]:
            name = item[2][0]
            default = next((a[2] for a in item[3] if a[0] == "attr" and a[1] == "default"), None)
            value = _bake_value(default, {}) if default is not None else ""
            variables[name] = env.get(name, value if isinstance(value, str) else OPAQUE)
    targets: dict[str, dict] = {}
    lines: dict[str, dict] = {}
    for item in items:
        if item[0] == "block" and item[1] == "target" and item[2]:
            attrs = {a[1]: _bake_value(a[2], variables) for a in item[3] if a[0] == "attr"}
            targets[item[2][0]] = attrs
            lines[item[2][0]] = {a[1]: a[3] for a in item[3] if a[0] == "attr"} | {"": item[4]}
    return targets, lines


def discover_bake(path: str, text: str) -> Discovery:
    """Builds of a bake file (HCL, or JSON when the name ends in .json)."""
    found = Discovery()
    base = posixpath.dirname(path) or "."
    lines: dict[str, dict] = {}
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            found.problems.append(DeclarationProblem(path, None, f"is not valid JSON ({exc}); its bake targets "
                                                                 "were not read"))
            return found
        raw = data.get("target") if isinstance(data, dict) else None
        variables = {k: v.get("default") for k, v in (data.get("variable") or {}).items()
                     if isinstance(v, dict) and isinstance(v.get("default"), str)} if isinstance(data, dict) else {}
        targets = {}
        for name, attrs in (raw or {}).items():
            if isinstance(attrs, dict):
                targets[name] = {k: (_interp(v, variables) if isinstance(v, str) else v) for k, v in attrs.items()}
                targets[name] = {k: (OPAQUE if v is None else v) for k, v in targets[name].items()}
    else:
        targets, lines = _bake_targets_hcl(text, {})

    def resolved(name: str, seen: tuple = ()) -> dict:
        attrs = dict(targets.get(name) or {})
        parents = attrs.get("inherits")
        merged: dict = {}
        if isinstance(parents, list):
            for parent in parents:
                if isinstance(parent, str) and parent in targets and parent not in seen:
                    merged.update(resolved(parent, seen + (name,)))
        merged.update({k: v for k, v in attrs.items() if k != "inherits"})
        return merged

    for name in targets:
        attrs = resolved(name)
        line = lines.get(name, {}).get("context") or lines.get(name, {}).get("")
        context = attrs.get("context", ".")
        dockerfile = attrs.get("dockerfile", "Dockerfile")
        if dockerfile is not OPAQUE and isinstance(dockerfile, str) and "dockerfile-inline" in attrs:
            continue
        tags = attrs.get("tags")
        tag_list = tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()
        for tag in tag_list:
            found.images.append(ImageRef(tag, path, lines.get(name, {}).get("tags", line), "bake tags", BUILT,
                                         f"{path}#{name}", f"bake:{path}", False, None))
        if not isinstance(context, str) or not isinstance(dockerfile, str):
            found.builds.append(Build(None, None, path, line, "bake", None, (),
                                      f"target {name!r}: its context or dockerfile is an expression", label=name))
            continue
        if "://" in context or context.startswith(("git@", "target:", "docker-image:")):
            continue
        ctx = join(base, context)
        df = norm(dockerfile) if dockerfile.startswith("/") else join(ctx, dockerfile)
        raw_args = attrs.get("args") if isinstance(attrs.get("args"), dict) else {}
        args = tuple(sorted((k, v) for k, v in raw_args.items() if isinstance(v, str)))
        target = attrs.get("target") if isinstance(attrs.get("target"), str) else None
        unresolved = "its context lies outside the repository" if outside(ctx) or outside(df) else None
        found.builds.append(Build(None if unresolved else df, None if unresolved else ctx, path, line, "bake",
                                  target, args, unresolved, tag_list, label=name))
    return found.dedupe()


# -- Makefiles ----------------------------------------------------------------------------------------------------

_MAKE_ASSIGN = re.compile(r"^(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(\?=|:=|::=|\+=|=|!=)\s*(.*)$")
_MAKE_REF = re.compile(r"\$(?:\(([A-Za-z_][\w.-]*)\)|\{([A-Za-z_][\w.-]*)\}|(\$))")
_MAKE_RULE = re.compile(r"^[^\t#=][^=]*?:(?!=)")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 1
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not buf:
            start = number
        if raw.endswith("\\"):
            buf.append(raw[:-1])
            continue
        buf.append(raw)
        out.append((start, " ".join(part if i == 0 else part.lstrip() for i, part in enumerate(buf))))
        buf = []
    if buf:
        out.append((start, " ".join(buf)))
    return out


def discover_makefile(path: str, text: str) -> Discovery:
    """Builds, images and compose sets in the recipes of one Makefile (each recipe line runs from its folder)."""
    found = Discovery()
    folder = posixpath.dirname(path) or "."
    variables: dict[str, str | None] = {"CURDIR": anchor(folder), "PWD": anchor(folder)}
    recipes: list[tuple[int, str]] = []
    in_rule = False
    for number, line in _logical_lines(text):
        if line.startswith("\t"):
            if in_rule:
                recipes.append((number, line[1:]))
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _MAKE_ASSIGN.match(stripped)
        if m:
            name, op, value = m.groups()
            if op == "!=" or "$(shell" in value:
                variables[name] = None
            elif op == "+=":
                old = variables.get(name)
                variables[name] = None if old is None and name in variables else f"{old or ''} {value}".strip()
            elif op == "?=":
                variables.setdefault(name, value.split("#", 1)[0].strip())
            else:
                variables[name] = value.split("#", 1)[0].strip()
            in_rule = False
            continue
        in_rule = bool(_MAKE_RULE.match(line)) and not stripped.startswith((".PHONY", "include", "-include"))
        if in_rule and ";" in line:
            recipes.append((number, line.split(";", 1)[1]))

    def expand(text: str, depth: int = 0) -> str:
        def repl(m: re.Match) -> str:
            if m.group(3):
                return "$"
            name = m.group(1) or m.group(2)
            value = variables.get(name)
            if value is None or depth > 8:
                return "$__MAKE_UNRESOLVED"
            return expand(value, depth + 1)
        return _MAKE_REF.sub(repl, text)

    for number, recipe in recipes:
        command = recipe.lstrip().lstrip("@-+").lstrip()
        if "docker" not in command and "kind" not in command:
            continue
        sub = scan_script(expand(command), pwsh=False, script_dir=folder, cwd=folder, path=path, origin="make",
                          line_offset=number - 1, cwd_exact=True, scope=f"{path}")
        found.extend(sub)
    return found.dedupe()
