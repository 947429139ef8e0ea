"""A Dockerfile read through dockerfile-parse, down to the context sources each build needs.

dockerfile-parse gives instructions with line numbers, handles continuation
lines and the ``# escape=`` directive. It does not know heredocs: 2.0.1 reads
the body of ``RUN <<EOF`` / ``COPY <<EOF`` as instructions, so a body line
``COPY secret /`` would look like a COPY. We blank heredoc bodies (keeping line
numbers) before handing the text over, and drop ``<<EOF`` sources.

What a build copies depends on the build (``--build-arg``, ``--target``), so
parsing (:func:`parse_dockerfile`, once per file) is separate from
:func:`context_sources` (once per build).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

KNOWN_INSTRUCTIONS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})
_HEREDOC = re.compile(r"(?<!\S)<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\2")
_DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$")
_DECLARED_CONTEXT = re.compile(r"BUILD[ _-]?CONTEXT\s*[:=]\s*(.+)", re.I)
_URL_SOURCE = re.compile(r"^(https?://|git@|git://|ssh://)", re.I)
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


@dataclass(frozen=True)
class CopyInstruction:
    line: int                        # 1-based line where the instruction starts
    instruction: str                 # COPY or ADD
    sources: tuple[str, ...]         # as written (variables not yet substituted); heredocs removed
    from_: str | None                # --from= value as written
    heredocs: int                    # how many sources were heredocs


@dataclass(frozen=True)
class Event:
    """One instruction of a stage that matters for sources: ARG, ENV or a copy."""

    kind: str                        # "ARG", "ENV", "COPY"
    line: int
    pairs: tuple[tuple[str, str | None], ...] = ()
    copy: CopyInstruction | None = None


@dataclass
class Stage:
    index: int
    name: str | None
    base: str                        # FROM's image or stage, as written
    line: int
    events: list[Event] = field(default_factory=list)


@dataclass
class DockerfileModel:
    path: str
    stages: list[Stage]
    global_args: list[tuple[str, str | None, int]]   # (name, raw default, line)
    problems: list[Problem]
    declared_context: tuple[str, int] | None   # (text after "BUILD CONTEXT:", line)
    escape: str = "\\"

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages if s.name]


@dataclass(frozen=True)
class ContextSource:
    """One COPY/ADD source that must come from the build context."""

    path: str                        # after substitution, as Docker sees it (may be a glob; may contain '..')
    written: str                     # as written in the Dockerfile
    line: int
    instruction: str
    stage: int
    empty_vars: tuple[str, ...] = () # variables that substituted to nothing (no default, no build arg)

    @property
    def is_glob(self) -> bool:
        return any(ch in self.path for ch in "*?[")


# -- parsing -------------------------------------------------------------------


def _escape_char(lines: list[str]) -> str:
    for line in lines:
        m = _DIRECTIVE.match(line)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            return m.group(2)
    return "\\"


def blank_heredoc_bodies(text: str) -> tuple[str, list[Problem]]:
    """The text with every heredoc body line blanked (line count unchanged), and unterminated heredocs."""
    lines = text.splitlines(keepends=True)
    escape = _escape_char([ln.rstrip("\r\n") for ln in lines])
    problems: list[Problem] = []
    out = list(lines)
    i = 0
    in_continuation = False
    pending: list[tuple[str, bool, int]] = []   # (terminator, strip tabs, line)
    instruction = ""
    while i < len(lines):
        stripped = lines[i].rstrip("\r\n")
        if not in_continuation:
            if stripped.lstrip().startswith("#"):
                i += 1
                continue
            instruction = stripped.split(None, 1)[0].upper() if stripped.strip() else ""
        elif stripped.lstrip().startswith("#"):
            i += 1
            continue
        if instruction in ("RUN", "COPY", "ADD"):
            for m in _HEREDOC.finditer(stripped):
                pending.append((m.group(3), m.group(1) == "-", i + 1))
        in_continuation = stripped.rstrip().endswith(escape) and bool(stripped.strip())
        i += 1
        if in_continuation or not pending:
            continue
        # the instruction ended: its heredoc bodies follow, one after another
        for terminator, strip_tabs, start in pending:
            closed = False
            while i < len(lines):
                body = lines[i].rstrip("\r\n")
                candidate = body.lstrip("\t") if strip_tabs else body
                ending = lines[i][len(body):]
                out[i] = ending or ""
                i += 1
                if candidate == terminator:
                    closed = True
                    break
            if not closed:
                problems.append(Problem(start, f"heredoc <<{terminator} is never closed: add a line "
                                               f"'{terminator}' after its body"))
        pending = []
    return "".join(out), problems


def _split_flags(value: str) -> tuple[dict[str, str], str]:
    """Leading ``--flag[=value]`` words of a COPY/ADD, and the rest."""
    flags: dict[str, str] = {}
    rest = value.lstrip()
    while rest.startswith("--"):
        word, _, remainder = rest.partition(" ")
        name, _, flag_value = word[2:].partition("=")
        flags[name.lower()] = flag_value
        rest = remainder.lstrip()
    return flags, rest


def _split_args(rest: str) -> list[str]:
    """Docker's parseMaybeJSONToList: a JSON array of strings, or whitespace-separated words.

    A JSON array holding something other than strings is refused (ValueError), as Docker refuses it.
    """
    stripped = rest.strip()
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list):
            if all(isinstance(x, str) for x in parsed):
                return parsed
            raise ValueError("its JSON form must be an array of strings")
    return stripped.split()


def _split_words(value: str, escape: str) -> list[str]:
    """Whitespace-separated words, quotes and escapes kept (BuildKit's ProcessWords splits so)."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch == escape and quote != "'" and i + 1 < n:
            cur.append(value[i:i + 2])
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch.isspace():
            if cur:
                words.append("".join(cur))
                cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def _parse_pairs(value: str, kind: str, escape: str = "\\") -> list[tuple[str, str | None]]:
    """``ARG a=1 b`` / ``ENV a=1 b=2`` / legacy ``ENV a 1``; values raw (processed per build, quotes and all)."""
    value = value.strip()
    if not value:
        return []
    if kind == "ENV" and "=" not in value.split(None, 1)[0]:
        name, _, rest = value.partition(" ")
        return [(name, rest.strip())]
    pairs: list[tuple[str, str | None]] = []
    for word in _split_words(value, escape):
        name, eq, default = word.partition("=")
        pairs.append((name, default if eq else None))
    return pairs


def _interpret_declared_context(text: str) -> str:
    return text.strip().rstrip(".").strip()


def parse_dockerfile(path: str, text: str) -> DockerfileModel:
    """Parse ``text`` (the Dockerfile at repo-relative ``path``); never raises for bad input."""
    import io

    from dockerfile_parse import DockerfileParser

    blanked, problems = blank_heredoc_bodies(text)
    escape = _escape_char(text.splitlines())
    try:
        parser = DockerfileParser(fileobj=io.BytesIO(blanked.encode("utf-8")), env_replace=False)
        structure = parser.structure
    except Exception as exc:  # dockerfile-parse has no error type of its own
        return DockerfileModel(path, [], [], [Problem(None, f"cannot be parsed: {exc}")], None, escape)

    stages: list[Stage] = []
    global_args: list[tuple[str, str | None, int]] = []
    declared: tuple[str, int] | None = None
    seen_instruction = False
    for item in structure:
        line = item["startline"] + 1
        instruction = item["instruction"]
        value = item["value"] or ""
        if instruction == "COMMENT":
            m = _DECLARED_CONTEXT.search(value)
            if m and declared is None:
                declared = (_interpret_declared_context(m.group(1)), line)
            continue
        if instruction not in KNOWN_INSTRUCTIONS:
            problems.append(Problem(line, f"unknown instruction {instruction!r}: Docker refuses to build this "
                                          "Dockerfile; fix the spelling or the line continuation above it"))
            continue
        if instruction == "FROM":
            words = value.split()
            words = [w for w in words if not w.startswith("--")]
            if not words:
                problems.append(Problem(line, "FROM without an image: name the base image"))
                continue
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), name, words[0], line))
            seen_instruction = True
            continue
        if not stages:
            if instruction == "ARG":
                global_args.extend((name, default, line) for name, default in _parse_pairs(value, "ARG", escape))
                continue
            if not seen_instruction:
                problems.append(Problem(line, f"{instruction} before the first FROM: a Dockerfile must start with "
                                              "FROM (only ARG may come before it)"))
                seen_instruction = True
            continue
        stage = stages[-1]
        if instruction in ("ARG", "ENV"):
            stage.events.append(Event(instruction, line, tuple(_parse_pairs(value, instruction, escape))))
        elif instruction in ("COPY", "ADD"):
            flags, rest = _split_flags(value)
            try:
                args = _split_args(rest)
            except ValueError as exc:
                problems.append(Problem(line, f"{instruction} {rest.strip()[:60]}: {exc}; Docker refuses this "
                                              "Dockerfile"))
                continue
            heredocs = [a for a in args[:-1] if a.startswith("<<")]
            sources = tuple(a for a in args[:-1] if not a.startswith("<<"))
            if len(args) < 2:
                problems.append(Problem(line, f"{instruction} needs at least one source and a destination "
                                              f"(got {' '.join(args) or 'nothing'})"))
                continue
            copy = CopyInstruction(line, instruction, sources, flags.get("from"), len(heredocs))
            stage.events.append(Event("COPY", line, copy=copy))
    if not stages and not any(p.line for p in problems):
        problems.append(Problem(None, "has no FROM instruction: it cannot be built; start it with FROM IMAGE"))
    return DockerfileModel(path, stages, global_args, problems, declared, escape)


# -- per build -----------------------------------------------------------------


MAX_EXPANSION = 65_536   # characters one word may expand to (a doubling ARG chain reaches 2^60 otherwise)


class WordError(ValueError):
    """A word Docker's shell-word processing refuses, or one that expands past :data:`MAX_EXPANSION`."""


def process_word(text: str, scope: dict[str, str | None], escape: str = "\\") -> tuple[str, list[str]]:
    """BuildKit's shell-word processing of one COPY/ADD/ARG/ENV/FROM word: quotes removed, escapes applied,
    ``$VAR`` / ``${VAR}`` / ``${VAR:-w}`` / ``${VAR-w}`` / ``${VAR:+w}`` / ``${VAR+w}`` / ``${VAR:?w}``
    expanded from ``scope``. Returns the value and the variables that were empty; raises :class:`WordError`
    for an unterminated quote or a value longer than :data:`MAX_EXPANSION` (checked as it grows, so the
    cost is bounded whatever the scope holds).
    """
    empty: list[str] = []
    value, end = _process(text, 0, scope, escape, empty, stop="")
    return value, empty


def _process(text: str, i: int, scope, escape: str, empty: list[str], stop: str) -> tuple[str, int]:
    out: list[str] = []
    size = 0
    n = len(text)

    def add(piece: str) -> None:
        nonlocal size
        size += len(piece)
        if size > MAX_EXPANSION:
            raise WordError(f"expands to more than {MAX_EXPANSION} characters (a self-doubling ARG/ENV chain?)")
        out.append(piece)

    while i < n:
        ch = text[i]
        if stop and ch in stop:
            break
        if ch == escape:
            if i + 1 < n:
                add(text[i + 1])
            i += 2
            continue
        if ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise WordError("has an unterminated single quote")
            add(text[i + 1:end])
            i = end + 1
            continue
        if ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise WordError("has an unterminated double quote")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == escape and i + 1 < n and text[i + 1] in ('"', "$", escape):
                    add(text[i + 1])
                    i += 2
                    continue
                if c == "$":
                    piece, i = _dollar(text, i, scope, escape, empty)
                    add(piece)
                    continue
                add(c)
                i += 1
            continue
        if ch == "$":
            piece, i = _dollar(text, i, scope, escape, empty)
            add(piece)
            continue
        add(ch)
        i += 1
    return "".join(out), i


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _dollar(text: str, i: int, scope, escape: str, empty: list[str]) -> tuple[str, int]:
    """One ``$`` expansion starting at ``text[i] == '$'``: (its value, the index after it)."""
    n = len(text)
    if i + 1 < n and text[i + 1] == "{":
        m = _NAME.match(text, i + 2)
        if not m:
            raise WordError("has a bad ${...} substitution")
        name = m.group(0)
        j = m.end()
        value = scope.get(name)
        is_set = name in scope and value is not None
        if j < n and text[j] == "}":
            if not value:
                empty.append(name)
            return value or "", j + 1
        op = text[j:j + 2] if text[j:j + 2] in (":-", ":+", ":?") else text[j:j + 1]
        if op not in (":-", ":+", ":?", "-", "+", "?"):
            raise WordError(f"uses ${{{name}{text[j:j + 1]}...}}, a modifier this check does not evaluate")
        word, k = _process(text, j + len(op), scope, escape, [], stop="}")
        if k >= n:
            raise WordError("has an unterminated ${...} substitution")
        colon = op.startswith(":")
        present = bool(value) if colon else is_set
        if op.endswith("-"):
            return (value or "") if present else word, k + 1
        if op.endswith("+"):
            return word if present else "", k + 1
        if not present:
            raise WordError(f"requires ${{{name}}} (${{{name}{op}...}}) and it is not set")
        return value or "", k + 1
    m = _NAME.match(text, i + 1)
    if not m:
        return "$", i + 1
    name = m.group(0)
    value = scope.get(name)
    if not value:
        empty.append(name)
    return value or "", m.end()


def substitute(text: str, scope: dict[str, str | None], escape: str = "\\") -> tuple[str, list[str]]:
    """:func:`process_word`, with a word Docker would refuse kept as written (for stage names and --from)."""
    try:
        return process_word(text, scope, escape)
    except WordError:
        return text, []


def find_stage(model: DockerfileModel, ref: str) -> Stage | None:
    """The stage named ``ref`` (case-insensitive) or with index ``ref``."""
    for stage in model.stages:
        if stage.name and stage.name.lower() == ref.lower():
            return stage
    if ref.isdigit() and int(ref) < len(model.stages):
        return model.stages[int(ref)]
    return None


def _global_scope(model: DockerfileModel, build_args: dict[str, str],
                  problems: list[Problem] | None = None) -> dict[str, str | None]:
    scope: dict[str, str | None] = {}
    for name, default, line in model.global_args:
        if name in build_args:
            scope[name] = build_args[name]
        elif default is None:
            scope[name] = None
        else:
            scope[name] = _value(f"ARG {name}", default, scope, model.escape, line, problems)
    return scope


def _value(what: str, raw: str, scope, escape: str, line: int, problems: list[Problem] | None) -> str | None:
    """An ARG/ENV value, processed; None (unknown) with a problem when Docker refuses it or it is too long."""
    try:
        return process_word(raw, scope, escape)[0]
    except WordError as exc:
        if problems is not None:
            problems.append(Problem(line, f"{what} {exc}; it was not expanded"))
        return None


def needed_stages(model: DockerfileModel, build_args: dict[str, str], target: str | None) -> tuple[list[Stage], str | None]:
    """The stages a build of ``target`` runs (BuildKit prunes the rest), and an error when the target is unknown."""
    if not model.stages:
        return [], None
    if target:
        final = find_stage(model, target)
        if final is None:
            names = ", ".join(model.stage_names) or "none"
            return [], f"target stage {target!r} is not in the Dockerfile (stages: {names})"
    else:
        final = model.stages[-1]
    global_scope = _global_scope(model, build_args)
    needed: dict[int, Stage] = {}
    todo = [final]
    while todo:
        stage = todo.pop()
        if stage.index in needed:
            continue
        needed[stage.index] = stage
        base = find_stage(model, substitute(stage.base, global_scope, model.escape)[0])
        if base is not None and base.index < stage.index:
            todo.append(base)
        for name, _scope_value, copy in _copies_with_scope(model, stage, build_args, global_scope):
            if copy.from_:
                dep = find_stage(model, name)
                if dep is not None and dep.index < stage.index:
                    todo.append(dep)
    return [needed[i] for i in sorted(needed)], None


def _copies_with_scope(model, stage, build_args, global_scope, problems: list[Problem] | None = None):
    """Each copy of ``stage`` with its substituted --from value and the scope in force there."""
    scope: dict[str, str | None] = {}
    for event in stage.events:
        if event.kind == "ARG":
            for name, default in event.pairs:
                if name in build_args:
                    scope[name] = build_args[name]
                elif default is not None:
                    scope[name] = _value(f"ARG {name}", default, scope, model.escape, event.line, problems)
                else:
                    scope[name] = global_scope.get(name)
        elif event.kind == "ENV":
            for name, value in event.pairs:
                scope[name] = _value(f"ENV {name}", value or "", scope, model.escape, event.line, problems)
        elif event.copy is not None:
            from_value = substitute(event.copy.from_, scope, model.escape)[0] if event.copy.from_ else ""
            yield from_value, dict(scope), event.copy


def context_sources(model: DockerfileModel, build_args: dict[str, str] | None = None,
                    target: str | None = None) -> tuple[list[ContextSource], list[Problem]]:
    """Every COPY/ADD source the build reads from its context (not stages, images, URLs or heredocs).

    Problems: an unknown target (line None), and words Docker refuses (unterminated quotes, bad patterns,
    values past :data:`MAX_EXPANSION`) at their lines.
    """
    build_args = dict(build_args or {})
    stages, error = needed_stages(model, build_args, target)
    problems = [Problem(None, error)] if error else []
    global_scope = _global_scope(model, build_args, problems)
    sources: list[ContextSource] = []
    for stage in stages:
        for _from, scope, copy in _copies_with_scope(model, stage, build_args, global_scope, problems):
            if copy.from_:
                continue    # another stage or an image, never the context
            for written in copy.sources:
                try:
                    path, empty = process_word(written, scope, model.escape)
                except WordError as exc:
                    problems.append(Problem(copy.line, f"{copy.instruction} source {written[:80]} {exc}"))
                    continue
                if copy.instruction == "ADD" and (_URL_SOURCE.match(path) or path.endswith(".git")
                                                  and "://" in path):
                    continue
                if model.escape == "`":
                    path = path.replace("\\", "/")   # Windows-style paths in a backtick-escaped Dockerfile
                source = ContextSource(path, written, copy.line, copy.instruction, stage.index, tuple(empty))
                if source.is_glob:
                    from .dockerignore import compile_glob

                    try:
                        compile_glob(path, double_star=False)
                    except ValueError as exc:
                        problems.append(Problem(copy.line, f"{copy.instruction} source {written[:80]} is not a "
                                                           f"valid pattern: it {exc}"))
                        continue
                sources.append(source)
    # one problem per line and message (a build checks each stage once, but shared scopes repeat)
    return sources, list(dict.fromkeys(problems))
