"""``docker build`` invocations in shell and PowerShell scripts (and workflow ``run:`` steps).

Not a shell: a small, deliberately literal evaluator. It joins continuation
lines (``\\`` for sh, the backtick for PowerShell), remembers variables that
are assigned literally (strings, arrays, PowerShell hashtables, ``Join-Path``,
the script's own folder via ``$PSScriptRoot`` / ``dirname "$0"``, the repo root
via ``git rev-parse --show-toplevel``), unrolls ``for``/``foreach`` loops over
literal arrays, follows ``cd``/``Set-Location`` with literal arguments, and
reads ``docker build``/``docker buildx build`` options. Anything it cannot
resolve exactly makes the build *unresolved* — never a guess.

Paths come out repo-relative; a relative path in a script is taken relative
to the working directory the script starts in (the repository root unless the
``docker.script-working-directory`` option says "script").
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

_VALUE_OPTIONS = {
    "-f", "--file", "-t", "--tag", "--build-arg", "--target", "--platform", "--label", "--cache-from",
    "--cache-to", "--network", "--progress", "--secret", "--ssh", "-o", "--output", "--iidfile",
    "--add-host", "--build-context", "--builder", "--metadata-file", "--shm-size", "--ulimit", "-m",
    "--memory", "--memory-swap", "--cpu-shares", "--cpu-period", "--cpu-quota", "--cpuset-cpus",
    "--cpuset-mems", "--cgroup-parent", "--isolation", "--annotation", "--attest", "--allow",
    "--security-opt", "-c", "--call", "--provenance", "--sbom", "--squash-from",
}


@dataclass
class ScriptBuild:
    line: int
    dockerfile: str | None       # repo-relative; None when unresolved
    context: str | None
    target: str | None
    args: dict[str, str]
    tags: list[tuple[str, int]]  # (image reference, line)
    unresolved: str | None       # why the build could not be resolved exactly


@dataclass
class ScriptImageRef:
    ref: str
    line: int
    how: str                     # "docker build -t", "docker tag", "docker push", ...


@dataclass
class LatestFallback:
    line: int
    text: str


@dataclass
class ScriptScan:
    builds: list[ScriptBuild] = field(default_factory=list)
    images: list[ScriptImageRef] = field(default_factory=list)
    fallbacks: list[LatestFallback] = field(default_factory=list)


# -- lines and statements --------------------------------------------------------


def _strip_comment(line: str, pwsh: bool) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            elif ch == "`" and pwsh and quote == '"':
                continue
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace() or line[i - 1] == ";"):
            if pwsh and i > 0 and line[i - 1] == "<":
                continue
            return line[:i]
    return line


def logical_lines(text: str, pwsh: bool) -> list[tuple[int, str]]:
    """(first line number, text) with continuation lines joined and comments removed."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    in_block_comment = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if pwsh:
            if in_block_comment:
                if "#>" in line:
                    line = line.split("#>", 1)[1]
                    in_block_comment = False
                else:
                    continue
            if "<#" in line:
                before, _, after = line.partition("<#")
                if "#>" in after:
                    line = before + after.split("#>", 1)[1]
                else:
                    line = before
                    in_block_comment = True
        line = _strip_comment(line, pwsh)
        if not pending:
            start = number
        stripped = line.rstrip()
        marker = "`" if pwsh else "\\"
        if stripped.endswith(marker) and not stripped.endswith(marker * 2):
            pending.append(stripped[:-1])
            continue
        pending.append(line)
        out.append((start, " ".join(p.strip() for p in pending)))
        pending = []
    if pending:
        out.append((start, " ".join(p.strip() for p in pending)))
    return out


def _split_outside_quotes(text: str, pwsh: bool) -> list[str]:
    """Split a PowerShell line at ``{``, ``}`` and ``;`` (sh: ``;``), keeping hashtables and ``${}`` whole."""
    parts: list[str] = []
    cur: list[str] = []
    quote = None
    hashtable_depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "\"'":
            quote = ch
            cur.append(ch)
        elif pwsh and ch == "{" and i > 0 and text[i - 1] in "@$":
            hashtable_depth += 1
            cur.append(ch)
        elif pwsh and ch == "}" and hashtable_depth:
            hashtable_depth -= 1
            cur.append(ch)
        elif pwsh and ch in "{}" and not hashtable_depth:
            parts.append("".join(cur))
            parts.append(ch)
            cur = []
        elif ch == ";" and not hashtable_depth and not (not pwsh and text[i:i + 2] == ";;"):
            parts.append("".join(cur))
            cur = []
        elif text[i:i + 2] in ("&&", "||") and not hashtable_depth:
            parts.append("".join(cur))
            cur = []
            i += 1
        elif not pwsh and ch == "$" and text[i:i + 2] == "${":
            end = text.find("}", i)
            end = len(text) - 1 if end < 0 else end
            cur.append(text[i:end + 1])
            i = end
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def statements(text: str, pwsh: bool) -> list[tuple[int, str]]:
    """Logical lines split into statements (and, for PowerShell, brace tokens)."""
    out: list[tuple[int, str]] = []
    buffered: tuple[int, str] | None = None
    for number, line in logical_lines(text, pwsh):
        if buffered is not None:
            # a multi-line array or hashtable assignment: gather until brackets balance
            number, line = buffered[0], buffered[1] + " " + line
            buffered = None
        if _unbalanced(line) and line.count(" ") < 5000:
            buffered = (number, line)
            continue
        for part in _split_outside_quotes(line, pwsh):
            if not pwsh:
                for word in ("then ", "do ", "else "):
                    if part.startswith(word):
                        out.append((number, word.strip()))
                        part = part[len(word):].strip()
                if not part:
                    continue
            out.append((number, part))
    if buffered is not None:
        out.append(buffered)
    return out


def _unbalanced(line: str) -> bool:
    parens = braces = 0
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            parens += 1
        elif ch == ")":
            parens -= 1
        elif ch == "{" and i > 0 and line[i - 1] == "@":
            braces += 1
        elif ch == "}" and braces:
            braces -= 1
    # only PowerShell @( / @{ literals and sh arrays span lines in practice
    return (parens > 0 or braces > 0) and (
        "@(" in line or "@{" in line or re.search(r"=\s*\(", line) is not None)


# -- values ----------------------------------------------------------------------


class Evaluator:
    """Literal evaluation of script words with a variable scope."""

    def __init__(self, pwsh: bool, script_dir: str, variables: dict):
        self.pwsh = pwsh
        self.script_dir = script_dir
        self.vars = variables
        self.conditional = 0     # inside if/else/try blocks: assignments there may not happen

    def lookup(self, name: str):
        key = name.lower() if self.pwsh else name
        if self.pwsh and key == "psscriptroot":
            return self.script_dir
        return self.vars.get(key, UNKNOWN)

    def assign(self, name: str, value) -> None:
        self.vars[name.lower() if self.pwsh else name] = UNKNOWN if self.conditional else value

    # a single word or expression -> str | list | dict | UNKNOWN
    def value(self, expr: str):
        expr = expr.strip()
        if not expr:
            return ""
        special = self._special(expr)
        if special is not None:
            return special
        if self.pwsh:
            if expr.startswith("@(") and expr.endswith(")"):
                return self._list(expr[2:-1])
            if expr.startswith("@{") and expr.endswith("}"):
                return self._hashtable(expr[2:-1])
            if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
                return self.value(expr[1:-1])
            if _top_level_comma(expr):
                return self._list(expr)
            m = re.fullmatch(r"Join-Path\s+(?:-Path\s+)?(\S+)\s+(?:-ChildPath\s+)?(\S+)", expr, re.I)
            if m:
                return self._join(self.word(m.group(1)), self.word(m.group(2)))
            m = re.fullmatch(r"Split-Path\s+(?:-Parent\s+)?(\S+)(?:\s+-Parent)?", expr, re.I)
            if m:
                inner = self.word(m.group(1))
                return _norm(posixpath.dirname(inner)) if isinstance(inner, str) else UNKNOWN
            m = re.fullmatch(r"Resolve-Path\s+(?:-Path\s+)?(.+)", expr, re.I)
            if m:
                return self.value(m.group(1))
        else:
            if expr.startswith("(") and expr.endswith(")"):
                return [w for w in (self.word(x) for x in _sh_words(expr[1:-1]))]
        return self.word(expr)

    def _special(self, expr: str):
        if "git rev-parse --show-toplevel" in expr:
            return "."
        if self.pwsh:
            m = re.fullmatch(r"\(?\s*Get-Item\s+\$PSScriptRoot\s*\)?((?:\.Parent)*)\.FullName", expr, re.I)
            if m:
                path = self.script_dir
                for _ in range(m.group(1).lower().count(".parent")):
                    path = _norm(posixpath.dirname(path))
                return path
            return None
        m = re.search(r"\$\(\s*cd\s+\"?\$\(\s*dirname\s+\"?\$(?:0|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)\"?\s*\)"
                      r"\"?([^\"&;)]*)\"?\s*&&\s*pwd", expr)
        if m:
            return _norm(posixpath.join(self.script_dir, m.group(1).strip().lstrip("/") or "."))
        m = re.fullmatch(r"\"?\$\(\s*dirname\s+\"?\$(?:0|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)\"?\s*\)\"?", expr)
        if m:
            return self.script_dir
        return None

    def _list(self, body: str):
        items = []
        for part in _split_top_level(body, ","):
            part = part.strip()
            if not part:
                continue
            value = self.value(part)
            if isinstance(value, list):
                items.extend(value)
            else:
                items.append(value)
        return items

    def _hashtable(self, body: str):
        table: dict = {}
        for part in _split_top_level(body.replace("\n", ";"), ";"):
            name, eq, value = part.partition("=")
            if not eq:
                continue
            table[name.strip().strip("'\"").lower()] = self.value(value.strip())
        return table

    def _join(self, a, b):
        if not isinstance(a, str) or not isinstance(b, str):
            return UNKNOWN
        return _norm(posixpath.join(a, b.replace("\\", "/")))

    def word(self, word: str):
        """A command argument: quotes removed, variables expanded; UNKNOWN when any part is unknown."""
        word = word.strip()
        if self.pwsh and word.startswith("(") and word.endswith(")"):
            return self.value(word[1:-1])
        if self.pwsh and re.fullmatch(r"\$[A-Za-z_][\w:]*(\.[A-Za-z_]\w*)*", word):
            return self._property(word[1:])
        m = re.fullmatch(r"\"?\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))\"?", word)
        if m and not self.pwsh:
            return self.lookup(m.group(1) or m.group(2))
        out = []
        i = 0
        quote = None
        while i < len(word):
            ch = word[i]
            if quote == "'":
                if ch == "'":
                    quote = None
                else:
                    out.append(ch)
                i += 1
                continue
            if ch in "\"'" and quote is None:
                quote = ch
                i += 1
                continue
            if ch == '"' and quote == '"':
                quote = None
                i += 1
                continue
            if not self.pwsh and ch == "\\" and i + 1 < len(word):
                out.append(word[i + 1])
                i += 2
                continue
            if self.pwsh and ch == "`" and i + 1 < len(word):
                out.append(word[i + 1])
                i += 2
                continue
            if ch == "$":
                value, i = self._expand_at(word, i)
                if value is UNKNOWN or not isinstance(value, str):
                    return UNKNOWN
                out.append(value)
                continue
            if not self.pwsh and ch == "`":
                return UNKNOWN
            out.append(ch)
            i += 1
        return "".join(out)

    def _expand_at(self, word: str, i: int):
        rest = word[i:]
        if self.pwsh:
            m = re.match(r"\$\(\s*\$([A-Za-z_][\w:]*)((?:\.[A-Za-z_]\w*)*)\s*\)", rest)
            if m:
                return self._property(m.group(1) + m.group(2)), i + m.end()
            m = re.match(r"\$\{([^}]+)\}", rest)
            if m:
                return self.lookup(m.group(1)), i + m.end()
            m = re.match(r"\$([A-Za-z_][\w]*(?::[A-Za-z_]\w*)?)", rest)
            if m:
                name = m.group(1)
                if name.lower().startswith("env:"):
                    return UNKNOWN, i + m.end()
                return self.lookup(name), i + m.end()
            return UNKNOWN, len(word)
        m = re.match(r"\$\{([A-Za-z_]\w*)(?:(:?[-=?+])([^}]*))?\}", rest)
        if m:
            value = self.lookup(m.group(1))
            op, default = m.group(2), m.group(3)
            if op in (":-", "-") and value is UNKNOWN:
                return UNKNOWN, i + m.end()   # could be set in the environment: not a literal
            if op:
                return UNKNOWN, i + m.end()
            return value, i + m.end()
        m = re.match(r"\$([A-Za-z_]\w*)", rest)
        if m:
            return self.lookup(m.group(1)), i + m.end()
        return UNKNOWN, len(word)

    def _property(self, dotted: str):
        name, *props = dotted.split(".")
        value = self.lookup(name)
        for prop in props:
            if isinstance(value, dict):
                value = value.get(prop.lower(), UNKNOWN)
            else:
                return UNKNOWN
        return value


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _split_top_level(text: str, sep: str) -> list[str]:
    parts, cur, depth, quote = [], [], 0, None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _top_level_comma(expr: str) -> bool:
    return len(_split_top_level(expr, ",")) > 1


def _sh_words(text: str) -> list[str]:
    return [w for w in _split_words(text) if w]


def _split_words(text: str) -> list[str]:
    """Whitespace-separated words, keeping quotes, ``$(…)`` and ``(…)`` groups whole."""
    words, cur, depth, quote = [], [], 0, None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch.isspace() and depth <= 0:
            if cur:
                words.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    if not path:
        return "."
    return posixpath.normpath(path)


# -- the scan --------------------------------------------------------------------

_SH_ASSIGN = re.compile(r"^(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)=(.*)$", re.S)
_PS_ASSIGN = re.compile(r"^\$([A-Za-z_][\w]*(?::[A-Za-z_]\w*)?)\s*=\s*(.+)$", re.S)
_PS_FOREACH = re.compile(r"^foreach\s*\(\s*\$([A-Za-z_]\w*)\s+in\s+(.+)\)\s*$", re.I | re.S)
_PS_PIPE_FOREACH = re.compile(r"^(.+?)\|\s*(?:ForEach-Object|foreach|%)\s*$", re.I | re.S)
_SH_FOR = re.compile(r"^for\s+([A-Za-z_]\w*)\s+in\s+(.+?)\s*$", re.S)
_CD = re.compile(r"^(?:cd|Set-Location|Push-Location|pushd|sl)\s+(?:-Path\s+|-LiteralPath\s+)?(.+)$", re.I)
_DOCKER = re.compile(r"(?:^|[\s&(|;])(?:&\s*)?(?:[\w./\\-]*/)?docker(?:\.exe)?\s+(.*)$", re.I | re.S)
_FALLBACK_SH = re.compile(r"\$\{[A-Za-z_]\w*:?[-=]latest\}")
_LATEST_LITERAL = re.compile(r"([\"'])latest\1")
_VERSION_HINT = re.compile(r"VERSION", re.I)


def scan_script(text: str, *, pwsh: bool, script_dir: str, cwd: str = ".", env: dict | None = None) -> ScriptScan:
    """Every docker build, image reference and ``latest`` fallback of a script."""
    scan = ScriptScan()
    stmts = statements(text, pwsh)
    variables: dict = {}
    for name, value in (env or {}).items():
        variables[name.lower() if pwsh else name] = value
    evaluator = Evaluator(pwsh, script_dir, variables)
    _run_block(stmts, 0, len(stmts), evaluator, [cwd], scan, pwsh, depth=0)
    scan.fallbacks = find_latest_fallbacks(text, pwsh)
    return scan


def _block_end(stmts, start: int, pwsh: bool) -> int:
    """Index just past the block that begins at ``start`` ("{" for pwsh, "do" for sh)."""
    depth = 0
    for i in range(start, len(stmts)):
        text = stmts[i][1]
        if pwsh:
            if text == "{":
                depth += 1
            elif text == "}":
                depth -= 1
        else:
            first = text.split(None, 1)[0] if text else ""
            if first == "do":
                depth += 1
            elif first == "done":
                depth -= 1
        if depth == 0:
            return i + 1
    return len(stmts)


def _run_block(stmts, start, end, ev: Evaluator, cwd: list, scan: ScriptScan, pwsh: bool, depth: int) -> None:
    i = start
    while i < end:
        number, text = stmts[i]
        loop = _loop_header(text, pwsh, ev)
        if loop is not None and depth < 4:
            var, values = loop
            body_start = i + 1
            if body_start < end and stmts[body_start][1] == ("{" if pwsh else "do"):
                body_end = min(_block_end(stmts, body_start, pwsh), end)
                inner = (body_start + 1, body_end - 1)
                for value in (values if isinstance(values, list) else [UNKNOWN]):
                    ev.assign(var, value)
                    _run_block(stmts, inner[0], inner[1], ev, cwd, scan, pwsh, depth + 1)
                i = body_end
                continue
        first = text.split(None, 1)[0] if text else ""
        if text == "{" or (not pwsh and first in ("then", "case")):
            ev.conditional += 1
        elif (text == "}" or (not pwsh and first in ("fi", "esac"))) and ev.conditional:
            ev.conditional -= 1
        else:
            _statement(number, text, ev, cwd, scan, pwsh)
        i += 1


def _loop_header(text: str, pwsh: bool, ev: Evaluator):
    if pwsh:
        m = _PS_FOREACH.match(text)
        if m:
            return m.group(1), ev.value(m.group(2))
        m = _PS_PIPE_FOREACH.match(text)
        if m:
            return "_", ev.value(m.group(1).strip())
        return None
    m = _SH_FOR.match(text)
    if m:
        values: list = []
        for word in _sh_words(m.group(2)):
            am = re.fullmatch(r"\"?\$\{([A-Za-z_]\w*)\[[@*]\]\}\"?", word)
            if am:
                arr = ev.lookup(am.group(1))
                values.extend(arr if isinstance(arr, list) else [UNKNOWN])
            else:
                values.append(ev.word(word))
        return m.group(1), values
    return None


def _statement(number: int, text: str, ev: Evaluator, cwd: list, scan: ScriptScan, pwsh: bool) -> None:
    if pwsh:
        m = _PS_ASSIGN.match(text)
        if m:
            ev.assign(m.group(1), ev.value(m.group(2)))
            return
    else:
        m = _SH_ASSIGN.match(text)
        if m and " " not in m.group(1):
            rhs = m.group(2).strip()
            value = ev._special(rhs)
            if value is None:
                value = ev.value(rhs) if rhs.startswith("(") else ev.word(rhs) if len(_sh_words(rhs)) <= 1 \
                    else UNKNOWN
            ev.assign(m.group(1), value)
            return
    m = _CD.match(text)
    if m:
        target = ev.word(m.group(1).strip()) if not pwsh or not m.group(1).strip().startswith("(") \
            else ev.value(m.group(1).strip())
        cwd[0] = _norm(posixpath.join(cwd[0], target)) if isinstance(target, str) else UNKNOWN
        return
    m = _DOCKER.search(text)
    if m:
        _docker_command(number, m.group(1), ev, cwd[0], scan)


def _docker_command(number: int, rest: str, ev: Evaluator, cwd, scan: ScriptScan) -> None:
    words = _split_words(rest)
    # cut at a pipe or a chain operator
    for stop in ("|", "&&", "||", ">", "2>&1", ";"):
        if stop in words:
            words = words[: words.index(stop)]
    if not words:
        return
    if words[0] in ("buildx", "image", "builder") and len(words) > 1 and words[1] == "build":
        words = words[2:]
    elif words[0] == "build":
        words = words[1:]
    elif words[0] in ("tag", "push", "pull", "run") or words[:2] == ["image", "tag"]:
        _image_command(number, words, ev, scan)
        return
    else:
        return
    dockerfile_word = None
    target = None
    args: dict[str, str] = {}
    tags: list[tuple[str, int]] = []
    positional: list[str] = []
    problems: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, inline = word.partition("=")
        if word.startswith("-") and word != "-":
            if name in _VALUE_OPTIONS:
                raw = inline if eq else (words[i + 1] if i + 1 < len(words) else "")
                i += 1 if eq else 2
                if name in ("-f", "--file"):
                    dockerfile_word = raw
                elif name == "--target":
                    value = ev.word(raw)
                    target = value if isinstance(value, str) else None
                    if value is UNKNOWN:
                        problems.append(f"--target {raw}")
                elif name == "--build-arg":
                    value = ev.word(raw)
                    if isinstance(value, str):
                        key, has_eq, val = value.partition("=")
                        if has_eq:
                            args[key] = val
                    else:
                        problems.append(f"--build-arg {raw}")
                elif name in ("-t", "--tag"):
                    value = ev.word(raw)
                    if isinstance(value, str):
                        tags.append((value, number))
                continue
            i += 1
            continue
        positional.append(word)
        i += 1
    if cwd is UNKNOWN:
        problems.append("the working directory (a cd/Set-Location that is not a literal path)")
    context = None
    if not positional:
        problems.append("no build context argument")
    else:
        ctx_value = ev.word(positional[-1])
        if ctx_value is UNKNOWN or not isinstance(ctx_value, str):
            problems.append(f"context {positional[-1]}")
        elif ctx_value == "-" or "://" in ctx_value or ctx_value.startswith("git@"):
            problems.append(f"context {ctx_value} (stdin or a URL, not a folder)")
        elif cwd is not UNKNOWN:
            context = _norm(posixpath.join(cwd, ctx_value))
    dockerfile = None
    if dockerfile_word is not None:
        value = ev.word(dockerfile_word)
        if value is UNKNOWN or not isinstance(value, str):
            problems.append(f"-f {dockerfile_word}")
        elif value == "-":
            problems.append("-f - (a Dockerfile from stdin)")
        elif cwd is not UNKNOWN:
            dockerfile = _norm(posixpath.join(cwd, value))
    elif context is not None:
        dockerfile = _norm(posixpath.join(context, "Dockerfile"))
    for ref, line in tags:
        scan.images.append(ScriptImageRef(ref, line, "docker build -t"))
    unresolved = None
    if problems:
        unresolved = "cannot resolve " + "; ".join(problems) + " to a literal value"
        dockerfile = dockerfile if dockerfile and not problems else None
        context = None
    scan.builds.append(ScriptBuild(number, dockerfile, context, target, args, tags, unresolved))


def _image_command(number: int, words: list[str], ev: Evaluator, scan: ScriptScan) -> None:
    if words[0] == "image":
        words = words[1:]
    verb = words[0]
    positional = [w for w in words[1:] if not w.startswith("-")]
    refs = positional[:2] if verb == "tag" else positional[:1]
    for raw in refs:
        value = ev.word(raw)
        if isinstance(value, str) and value:
            scan.images.append(ScriptImageRef(value, number, f"docker {verb}"))


def find_latest_fallbacks(text: str, pwsh: bool) -> list[LatestFallback]:
    """Places that turn a missing VERSION into the tag ``latest``.

    ``${VERSION:-latest}`` in any shell; in PowerShell, a ``"latest"`` literal in a
    statement that tests for VERSION or in the few lines after such a test
    (the seed's ``if (-not (Test-Path …VERSION)) { $tag = "latest" }``).
    """
    found: list[LatestFallback] = []
    lines = text.splitlines()
    recent_version_test = -100
    version_vars: set[str] = set()     # variables holding a VERSION path or value
    for number, line in enumerate(lines, 1):
        code = _strip_comment(line, pwsh)
        if _FALLBACK_SH.search(code):
            found.append(LatestFallback(number, code.strip()))
            continue
        assigned = re.match(r"\s*\$?([A-Za-z_]\w*)\s*=(.*)$", code)
        if assigned and _VERSION_HINT.search(assigned.group(2)):
            version_vars.add(assigned.group(1).lower())
        mentions = _VERSION_HINT.search(code) or any(
            v.lower() in version_vars for v in re.findall(r"\$\{?([A-Za-z_]\w*)", code))
        tests_version = mentions and re.search(
            r"Test-Path|-not|\bif\b|\?\?|\belse\b|catch|-f\s|-e\s|-s\s|\|\|", code, re.I)
        if tests_version:
            recent_version_test = number
        if _LATEST_LITERAL.search(code) and (tests_version or number - recent_version_test <= 4):
            if re.search(r"(=|\breturn\b|\?\?|\belse\b|\{|^\s*[\"'])", code):
                found.append(LatestFallback(number, code.strip()))
    return found
