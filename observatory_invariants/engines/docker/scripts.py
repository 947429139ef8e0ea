"""``docker build`` invocations in shell and PowerShell scripts (and workflow ``run:`` steps).

Not a shell: a small, deliberately literal evaluator. The script is read by the
project's own lexers — PowerShell through :mod:`observatory_invariants.powershell`
(comments, ``<# #>``, strings, here-strings, backtick continuations), sh/bash
through :mod:`observatory_invariants.shell.lexer` (quoting, ``$`` expansions,
here-documents, ``\\`` continuations) — so code, comments and data are told
apart exactly as the X-rules tell them apart. On those tokens it remembers
variables that are assigned literally (strings, arrays, PowerShell hashtables,
``Join-Path``, the script's own folder via ``$PSScriptRoot`` / ``dirname "$0"``,
the repo root via ``git rev-parse --show-toplevel``), unrolls ``for``/``foreach``
loops over literal arrays, follows ``cd``/``Set-Location`` with literal
arguments, and reads ``docker build``/``docker buildx build`` options. Anything
it cannot resolve exactly (a command's output, an environment variable, a
``${X:-default}``) makes the build *unresolved* — never a guess.

Paths come out repo-relative; a relative path in a script is taken relative
to the working directory the script starts in (the repository root unless the
``docker.script-working-directory`` option says "script").
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ...parsers.powershell import tokenizer as ps
from ...parsers.powershell.structure import match_brackets, walk
from ...parsers.shell import lexer as sh


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


# -- statements, from the PowerShell tokenizer and the shell lexer -------------------


@dataclass
class _Stmt:
    """One statement: its first line and its tokens (no comments; PowerShell newlines only inside brackets)."""

    line: int
    toks: list

    @property
    def head(self) -> str:
        return self.toks[0].text

    def only(self, text: str) -> bool:
        return len(self.toks) == 1 and self.toks[0].text == text


@dataclass
class _Arg:
    """One command argument: adjacent PowerShell tokens (brackets whole), or one shell word from ``skip`` on."""

    toks: list
    text: str
    pwsh: bool
    skip: int = 0


_PS_OPEN = {"(": ")", "$(": ")", "@(": ")", "@{": "}", "{": "}", "[": "]"}
_PS_CLOSE = frozenset(")}]")
_PS_REDIRECT = re.compile(r"[1-6*]?>>?(?:&[12])?|<")
_SH_REDIRECT = frozenset((">", ">>", "<", ">&", "<&", "&>", "&>>", ">|", "<>", "<<<", "<<", "<<-"))
_SH_SPLIT = frozenset((";", "&&", "||", "&", ";;", ";&", ";;&"))


def _ps_statements(tokens: list) -> list[_Stmt]:
    """PowerShell statements: split at line ends, ``;``, ``&&``/``||`` and block braces outside brackets.

    ``{`` and ``}`` of script blocks are statements of their own; an array, hashtable or
    parenthesised expression that spans lines stays one statement (an unclosed bracket does not).
    """
    pairs = match_brackets(tokens)
    n = len(tokens)
    out: list[_Stmt] = []
    cur: list = []
    closers: list[int] = []       # closing-bracket indices of the brackets we are inside

    def flush() -> None:
        if cur:
            out.append(_Stmt(cur[0].line, cur[:]))
            cur.clear()

    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind == ps.COMMENT:
            continue
        if kind == ps.NEWLINE:
            if closers:
                cur.append(tok)
            else:
                flush()
            continue
        if kind == ps.OPERATOR:
            op = tok.text
            if not closers:
                if op == "{" or op == "}":
                    flush()
                    out.append(_Stmt(tok.line, [tok]))
                    continue
                if op in (";", "&&", "||"):
                    flush()
                    continue
            if op in _PS_OPEN and pairs.get(i, n) < n:
                closers.append(pairs[i])
            elif closers and closers[-1] == i:
                while closers and closers[-1] == i:
                    closers.pop()
        cur.append(tok)
    flush()
    return out


def _sh_statements(tokens: list) -> list[_Stmt]:
    """Shell statements: split at newlines and ``;`` ``&&`` ``||`` ``&`` ``;;``; comments and here-document
    bodies dropped; ``then``/``do``/``else`` at a statement's start become statements of their own; an array
    assignment ``a=( … )`` stays one statement across lines."""
    out: list[_Stmt] = []
    cur: list = []
    depth = 0
    last_close = max((i for i, t in enumerate(tokens) if t.kind == sh.OP and t.text == ")"), default=-1)

    def flush() -> None:
        if cur:
            out.append(_Stmt(cur[0].line, cur[:]))
            cur.clear()

    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind == sh.COMMENT or kind == sh.HEREDOC:
            continue
        if depth:
            cur.append(tok)
            if kind == sh.OP and tok.text == "(":
                depth += 1
            elif kind == sh.OP and tok.text == ")":
                depth -= 1
            continue
        if kind == sh.NEWLINE or (kind == sh.OP and tok.text in _SH_SPLIT):
            flush()
            continue
        if kind == sh.OP and tok.text == "(" and i < last_close and cur and _array_start(cur[-1], tok):
            depth = 1
        elif kind == sh.WORD and not cur and tok.text in ("then", "do", "else"):
            out.append(_Stmt(tok.line, [tok]))
            continue
        cur.append(tok)
    flush()
    return out


def _array_start(word, paren) -> bool:
    return word.kind == sh.WORD and word.text.endswith("=") and word.start + len(word.text) == paren.start


def _ps_close(toks: list, i: int) -> int:
    """Index of the bracket closing ``toks[i]`` (the last index when it is never closed)."""
    depth = 0
    for j in range(i, len(toks)):
        tok = toks[j]
        if tok.kind != ps.OPERATOR:
            continue
        if tok.text in _PS_OPEN:
            depth += 1
        elif tok.text in _PS_CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _wrapped(toks: list) -> bool:
    """Whether the tokens are one bracketed group: ``( … )``, ``@( … )``, ``@{ … }``…"""
    first, last = toks[0], toks[-1]
    return len(toks) > 1 and first.kind == ps.OPERATOR and first.text in _PS_OPEN and last.kind == ps.OPERATOR \
        and last.text in _PS_CLOSE and _ps_close(toks, 0) == len(toks) - 1


def _ps_split(toks: list, seps: tuple[str, ...]) -> list[list]:
    """Split at top-level separator operators (``"\\n"`` in ``seps`` splits at newlines too)."""
    parts: list[list] = [[]]
    i = 0
    while i < len(toks):
        tok = toks[i]
        if (tok.kind == ps.OPERATOR and tok.text in seps) or (tok.kind == ps.NEWLINE and "\n" in seps):
            parts.append([])
            i += 1
            continue
        if tok.kind == ps.OPERATOR and tok.text in _PS_OPEN:
            j = _ps_close(toks, i)
            parts[-1].extend(toks[i:j + 1])
            i = j + 1
            continue
        parts[-1].append(tok)
        i += 1
    return parts


def _ps_groups(toks: list) -> list[list]:
    """Arguments: runs of adjacent tokens (nothing between them), a bracketed group counting as one token."""
    groups: list[list] = []
    prev_end = -1
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == ps.NEWLINE:
            prev_end = -1
            i += 1
            continue
        j = _ps_close(toks, i) + 1 if tok.kind == ps.OPERATOR and tok.text in _PS_OPEN else i + 1
        if groups and tok.start == prev_end:
            groups[-1].extend(toks[i:j])
        else:
            groups.append(toks[i:j])
        prev_end = toks[j - 1].end
        i = j
    return groups


def _ps_text(toks: list) -> str:
    """An argument's text for messages: its tokens as written, one blank where blanks or line breaks were."""
    out: list[str] = []
    prev = None
    for tok in toks:
        if tok.kind == ps.NEWLINE:
            continue
        if prev is not None and tok.start != prev.end:
            out.append(" ")
        out.append(tok.text)
        prev = tok
    return "".join(out)


def _unbacktick(text: str) -> str:
    return re.sub(r"`(.)", r"\1", text, flags=re.S) if "`" in text else text


# -- values ----------------------------------------------------------------------

_MAX_NESTING = 40
# inside an expandable string: `x escapes, "" is a quote, $() a subexpression (tokenized by the lexer), ${x}, $x
_PS_INTERPOLATION = re.compile(r'`([\s\S])|("")|(\$\(\))|\$\{([^}]+)\}|\$([A-Za-z_]\w*(?::[A-Za-z_]\w*)?)|\$')
_PROPS = re.compile(r"((?:\.[A-Za-z_]\w*)+)")
_FULLNAME = re.compile(r"((?:\.parent)*)\.fullname", re.I)
_SH_ASSIGN_WORD = re.compile(r"([A-Za-z_]\w*)=")
_SH_DIRNAME = re.compile(r"\"?\$\(\s*dirname\s+\"?\$(?:0|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)\"?\s*\)\"?")
_SH_CD_PWD = re.compile(r"\$\(\s*cd\s+\"?\$\(\s*dirname\s+\"?\$(?:0|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)\"?\s*\)"
                        r"\"?([^\"&;)]*)\"?\s*&&\s*pwd")


class Evaluator:
    """Literal evaluation of script tokens with a variable scope."""

    def __init__(self, pwsh: bool, script_dir: str, variables: dict):
        self.pwsh = pwsh
        self.script_dir = script_dir
        self.vars = variables
        self.conditional = 0     # inside if/else/try blocks: assignments there may not happen
        self._nesting = 0        # brackets inside brackets: beyond _MAX_NESTING, not a literal

    def lookup(self, name: str):
        key = name.lower() if self.pwsh else name
        if self.pwsh and key == "psscriptroot":
            return self.script_dir
        return self.vars.get(key, UNKNOWN)

    def assign(self, name: str, value) -> None:
        self.vars[name.lower() if self.pwsh else name] = UNKNOWN if self.conditional else value

    def arg(self, arg: _Arg):
        return self.ps_arg(arg.toks) if arg.pwsh else self.sh_word(arg.toks[0], arg.skip)

    def _join(self, a, b):
        if not isinstance(a, str) or not isinstance(b, str):
            return UNKNOWN
        return _norm(posixpath.join(a, b.replace("\\", "/")))

    # -- PowerShell: an expression (token list) -> str | list | dict | UNKNOWN
    def ps_value(self, toks: list):
        if self._nesting >= _MAX_NESTING:
            return UNKNOWN
        self._nesting += 1
        try:
            return self._ps_value(toks)
        finally:
            self._nesting -= 1

    def _ps_value(self, toks: list):
        toks = [t for t in toks if t.kind != ps.COMMENT]
        while toks and toks[0].kind == ps.NEWLINE:
            toks = toks[1:]
        while toks and toks[-1].kind == ps.NEWLINE:
            toks = toks[:-1]
        if not toks:
            return ""
        special = self._ps_special(toks)
        if special is not None:
            return special
        first = toks[0]
        if _wrapped(toks):
            inner = toks[1:-1]
            if first.text == "@(":
                return self._ps_list(inner)
            if first.text == "@{":
                return self._ps_hashtable(inner)
            if first.text in ("(", "$("):
                return self.ps_value(inner)
        if len(_ps_split(toks, (",",))) > 1:
            return self._ps_list(toks)
        if first.kind == ps.WORD and first.text.lower() in ("join-path", "split-path", "resolve-path"):
            return self._ps_path_command(first.text.lower(), toks[1:])
        groups = _ps_groups(toks)
        if len(groups) == 1 and first.kind not in (ps.WORD, ps.KEYWORD):
            return self.ps_arg(groups[0])
        return UNKNOWN        # a command's output (a bare word runs a command) or an expression: not a literal

    def _ps_special(self, toks: list):
        texts = [t.text.lower() for t, _ in walk(toks)]
        for k in range(len(texts) - 2):
            if texts[k:k + 3] == ["git", "rev-parse", "--show-toplevel"]:
                return "."
        inner = toks
        if len(toks) == 5 and toks[0].is_op("(") and toks[3].is_op(")"):
            inner = [toks[1], toks[2], toks[4]]
        if len(inner) == 3 and inner[0].kind == ps.WORD and inner[0].text.lower() == "get-item" \
                and inner[1].kind == ps.VARIABLE and inner[1].value.lower() == "psscriptroot" \
                and inner[2].kind == ps.WORD:
            m = _FULLNAME.fullmatch(inner[2].text)
            if m:
                path = self.script_dir
                for _ in range(m.group(1).lower().count(".parent")):
                    path = _norm(posixpath.dirname(path))
                return path
        return None

    def _ps_list(self, toks: list):
        items = []
        for part in _ps_split(toks, (",", ";", "\n")):
            if not any(t.kind not in (ps.NEWLINE, ps.COMMENT) for t in part):
                continue
            value = self.ps_value(part)
            if isinstance(value, list):
                items.extend(value)
            else:
                items.append(value)
        return items

    def _ps_hashtable(self, toks: list):
        table: dict = {}
        for part in _ps_split(toks, (";", "\n")):
            part = [t for t in part if t.kind != ps.COMMENT]
            eq = next((k for k, t in enumerate(part) if t.is_op("=")), None)
            if eq is None or eq != 1:
                continue
            key = part[0]
            table[str(key.value).lower()] = self.ps_value(part[2:])
        return table

    def _ps_path_command(self, command: str, toks: list):
        positional: list = []
        named: dict = {}
        groups = _ps_groups(toks)
        k = 0
        while k < len(groups):
            group = groups[k]
            head = group[0]
            if len(group) == 1 and head.kind == ps.PARAMETER:
                name = head.value
                if command == "split-path" and name == "-parent":
                    k += 1
                    continue
                if name in ("-path", "-childpath", "-literalpath") and k + 1 < len(groups):
                    named[name] = groups[k + 1]
                    k += 2
                    continue
                return UNKNOWN
            positional.append(group)
            k += 1
        path = named.pop("-path", None) or named.pop("-literalpath", None)
        if path is not None:
            positional.insert(0, path)
        if "-childpath" in named:
            positional.append(named.pop("-childpath"))
        if command == "join-path":
            if len(positional) != 2:
                return UNKNOWN
            return self._join(self.ps_arg(positional[0]), self.ps_arg(positional[1]))
        if len(positional) != 1:
            return UNKNOWN
        inner = self.ps_arg(positional[0])
        if command == "split-path":
            return _norm(posixpath.dirname(inner)) if isinstance(inner, str) else UNKNOWN
        return inner

    def ps_arg(self, toks: list):
        """A command argument (adjacent tokens): strings expanded, variables looked up; UNKNOWN when any part is."""
        if not toks:
            return ""
        first = toks[0]
        if first.text in ("(", "$(", "@(") and _wrapped(toks):
            return self.ps_value(toks)
        if first.kind == ps.VARIABLE and (len(toks) == 1 or (
                len(toks) == 2 and toks[1].kind == ps.WORD and _PROPS.fullmatch(toks[1].text))):
            return self._property(first.value, toks[1].text if len(toks) == 2 else "")
        out: list[str] = []
        i = 0
        while i < len(toks):
            tok = toks[i]
            kind = tok.kind
            if kind == ps.OPERATOR and tok.text in _PS_OPEN:
                j = _ps_close(toks, i)
                value = self.ps_value(toks[i + 1:j]) if tok.text in ("(", "$(") else UNKNOWN
                i = j + 1
            elif kind == ps.VARIABLE:
                props = ""
                if i + 1 < len(toks) and toks[i + 1].kind == ps.WORD and toks[i + 1].start == tok.end:
                    m = _PROPS.match(toks[i + 1].text)
                    if m:
                        props = m.group(1)
                        rest = toks[i + 1].text[m.end():]
                        value = self._property(tok.value, props)
                        if not isinstance(value, str):
                            return UNKNOWN
                        out.append(value + _unbacktick(rest))
                        i += 2
                        continue
                value = self._variable(tok.value)
                i += 1
            elif kind == ps.STRING:
                value = self._ps_string(tok)
                i += 1
            else:
                value = _unbacktick(tok.text)
                i += 1
            if not isinstance(value, str):
                return UNKNOWN
            out.append(value)
        return "".join(out)

    def _variable(self, name: str):
        if name.lower().startswith("env:"):
            return UNKNOWN
        return self.lookup(name)

    def _ps_string(self, tok):
        text = tok.text
        opener = text[1] if text.startswith("@") and len(text) > 1 else text[:1]
        if opener not in "\"\u201c\u201d\u201e":
            return tok.value          # single-quoted: literal
        value = tok.value
        if "$" not in value and "`" not in value and '""' not in value:
            return value
        nested = list(tok.nested)
        here = text.startswith("@")
        out: list[str] = []
        pos = 0
        for m in _PS_INTERPOLATION.finditer(value):
            out.append(value[pos:m.start()])
            pos = m.end()
            escaped, doubled, subexpr, braced, name = m.group(1, 2, 3, 4, 5)
            if escaped is not None:
                out.append(escaped)
                continue
            if doubled:
                out.append(doubled if here else '"')
                continue
            if subexpr and nested:
                result = self.ps_value(nested.pop(0))
            elif braced or name:
                result = self._variable(braced or name)
            else:
                return UNKNOWN                  # a lone '$' or a subexpression we cannot see
            if not isinstance(result, str):
                return UNKNOWN
            out.append(result)
        out.append(value[pos:])
        return "".join(out)

    def _property(self, name: str, props: str):
        value = self.lookup(name)
        for prop in props.split(".")[1:]:
            if isinstance(value, dict):
                value = value.get(prop.lower(), UNKNOWN)
            else:
                return UNKNOWN
        return value

    # -- sh: one lexer word -> str | list | UNKNOWN
    def sh_special(self, text: str):
        if "git rev-parse --show-toplevel" in text:
            return "."
        m = _SH_CD_PWD.search(text)
        if m:
            return _norm(posixpath.join(self.script_dir, m.group(1).strip().lstrip("/") or "."))
        if _SH_DIRNAME.fullmatch(text):
            return self.script_dir
        return None

    def sh_word(self, tok, skip: int = 0):
        """Quote removal and parameter expansion of a word (from offset ``skip``), at the lexer's expansions."""
        text = tok.text[skip:]
        m = re.fullmatch(r"\"?\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))\"?", text)
        if m:
            return self.lookup(m.group(1) or m.group(2))
        expansions = {offset - skip: exp for offset, exp in tok.expansions if offset >= skip}
        out: list[str] = []
        in_double = False
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch == "'" and not in_double:
                end = text.find("'", i + 1)
                end = n if end < 0 else end
                out.append(text[i + 1:end])
                i = end + 1
            elif ch == '"':
                in_double = not in_double
                i += 1
            elif ch == "\\" and i + 1 < n:
                if text[i + 1] != "\n":
                    out.append(text[i + 1])
                i += 2
            elif ch == "$":
                exp = expansions.get(i)
                value = self._sh_expansion(exp) if exp else UNKNOWN   # $( ), $(( )), $'…': not literal
                if not isinstance(value, str):
                    return UNKNOWN
                out.append(value)
                i += len(exp)
            elif ch == "`":
                return UNKNOWN
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    def _sh_expansion(self, exp: str):
        m = re.fullmatch(r"\$\{([A-Za-z_]\w*)(:?[-=?+][^}]*)?\}", exp)
        if m:
            # ${X:-default} and friends depend on the environment: never a literal
            return UNKNOWN if m.group(2) else self.lookup(m.group(1))
        m = re.fullmatch(r"\$([A-Za-z_]\w*)", exp)
        return self.lookup(m.group(1)) if m else UNKNOWN


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    if not path:
        return "."
    return posixpath.normpath(path)


# -- the scan --------------------------------------------------------------------

_CD_COMMANDS = frozenset(("cd", "set-location", "push-location", "pushd", "sl"))
_DOCKER_WORD = re.compile(r"(?:[\w./\\-]*/)?docker(?:\.exe)?", re.I)
_SH_ARRAY_ALL = re.compile(r"\"?\$\{([A-Za-z_]\w*)\[[@*]\]\}\"?")
_FALLBACK_SH = re.compile(r"\$\{[A-Za-z_]\w*:?[-=]latest\}")
_LATEST_LITERAL = re.compile(r"([\"'])latest\1")
_VERSION_HINT = re.compile(r"VERSION", re.I)


def scan_script(text: str, *, pwsh: bool, script_dir: str, cwd: str = ".", env: dict | None = None) -> ScriptScan:
    """Every docker build, image reference and ``latest`` fallback of a script."""
    scan = ScriptScan()
    tokens = _tokens(text, pwsh)
    stmts = _ps_statements(tokens) if pwsh else _sh_statements(tokens)
    variables: dict = {}
    for name, value in (env or {}).items():
        variables[name.lower() if pwsh else name] = value
    evaluator = Evaluator(pwsh, script_dir, variables)
    _run_block(stmts, 0, len(stmts), evaluator, [cwd], scan, pwsh, depth=0)
    scan.fallbacks = _fallbacks(_code_lines(text, tokens, pwsh))
    return scan


def _tokens(text: str, pwsh: bool) -> list:
    return ps.tokenize(text) if pwsh else sh.lex(text)


def _block_end(stmts: list[_Stmt], start: int, pwsh: bool) -> int:
    """Index just past the block that begins at ``start`` ("{" for pwsh, "do" for sh)."""
    depth = 0
    for i in range(start, len(stmts)):
        stmt = stmts[i]
        if pwsh:
            if stmt.only("{") and stmt.toks[0].kind == ps.OPERATOR:
                depth += 1
            elif stmt.only("}") and stmt.toks[0].kind == ps.OPERATOR:
                depth -= 1
        elif stmt.head == "do":
            depth += 1
        elif stmt.head == "done":
            depth -= 1
        if depth == 0:
            return i + 1
    return len(stmts)


def _run_block(stmts, start, end, ev: Evaluator, cwd: list, scan: ScriptScan, pwsh: bool, depth: int) -> None:
    i = start
    while i < end:
        stmt = stmts[i]
        loop = _loop_header(stmt, pwsh, ev)
        if loop is not None and depth < 4:
            var, values = loop
            body_start = i + 1
            if body_start < end and stmts[body_start].only("{" if pwsh else "do"):
                body_end = min(_block_end(stmts, body_start, pwsh), end)
                for value in (values if isinstance(values, list) else [UNKNOWN]):
                    ev.assign(var, value)
                    _run_block(stmts, body_start + 1, body_end - 1, ev, cwd, scan, pwsh, depth + 1)
                i = body_end
                continue
        head = stmt.head
        if stmt.only("{") or (not pwsh and head in ("then", "case")):
            ev.conditional += 1
        elif (stmt.only("}") or (not pwsh and head in ("fi", "esac"))) and ev.conditional:
            ev.conditional -= 1
        elif pwsh:
            _ps_statement(stmt, ev, cwd, scan)
        else:
            _sh_statement(stmt, ev, cwd, scan)
        i += 1


def _loop_header(stmt: _Stmt, pwsh: bool, ev: Evaluator):
    toks = stmt.toks
    if pwsh:
        # foreach ($x in <expr>)
        if len(toks) >= 6 and toks[0].kind == ps.KEYWORD and toks[0].value == "foreach" and toks[1].is_op("(") \
                and _ps_close(toks, 1) == len(toks) - 1 and toks[-1].is_op(")") and toks[2].kind == ps.VARIABLE \
                and toks[3].kind == ps.KEYWORD and toks[3].value == "in":
            return toks[2].value, ev.ps_value(toks[4:-1])
        # <expr> | ForEach-Object
        last = toks[-1]
        if len(toks) >= 3 and toks[-2].is_op("|") and (
                (last.kind == ps.WORD and last.text.lower() == "foreach-object")
                or (last.kind == ps.KEYWORD and last.value == "foreach") or last.is_op("%")):
            return "_", ev.ps_value(toks[:-2])
        return None
    # for x in word...
    if len(toks) >= 3 and toks[0].kind == sh.WORD and toks[0].text == "for" and toks[2].text == "in" \
            and re.fullmatch(r"[A-Za-z_]\w*", toks[1].text):
        values: list = []
        for tok in toks[3:]:
            if tok.kind != sh.WORD:
                return None
            m = _SH_ARRAY_ALL.fullmatch(tok.text)
            if m:
                arr = ev.lookup(m.group(1))
                values.extend(arr if isinstance(arr, list) else [UNKNOWN])
            else:
                values.append(ev.sh_word(tok))
        return toks[1].text, values
    return None


def _ps_statement(stmt: _Stmt, ev: Evaluator, cwd: list, scan: ScriptScan) -> None:
    toks = stmt.toks
    if toks[0].kind == ps.VARIABLE and len(toks) > 2 and toks[1].is_op("="):
        docker = _find_docker(toks[2:], True)
        if docker is None:
            ev.assign(toks[0].value, ev.ps_value(toks[2:]))
            return
        ev.assign(toks[0].value, UNKNOWN)       # the output of a docker command
    elif toks[0].kind == ps.WORD and toks[0].text.lower() in _CD_COMMANDS and len(toks) > 1:
        rest = toks[1:]
        if rest[0].kind == ps.PARAMETER and rest[0].value in ("-path", "-literalpath"):
            rest = rest[1:]
        groups = _ps_groups(rest)
        target = ev.ps_arg(groups[0]) if len(groups) == 1 else UNKNOWN
        cwd[0] = _norm(posixpath.join(cwd[0], target)) if isinstance(target, str) and cwd[0] is not UNKNOWN \
            else UNKNOWN
        return
    k = _find_docker(toks, True)
    if k is not None:
        _docker_command(stmt.line, _ps_docker_args(toks[k + 1:]), ev, cwd[0], scan)


def _sh_statement(stmt: _Stmt, ev: Evaluator, cwd: list, scan: ScriptScan) -> None:
    toks = stmt.toks
    i = 0
    if toks[0].kind == sh.WORD and toks[0].text in ("export", "readonly", "local", "declare", "typeset"):
        i = 1
        while i < len(toks) and toks[i].kind == sh.WORD and toks[i].text.startswith("-"):
            i += 1
    assignments: list = []
    while i < len(toks) and toks[i].kind == sh.WORD and _SH_ASSIGN_WORD.match(toks[i].text):
        tok = toks[i]
        name = tok.text.split("=", 1)[0]
        if i + 1 < len(toks) and toks[i + 1].kind == sh.OP and toks[i + 1].text == "(" \
                and _array_start(tok, toks[i + 1]):
            close = next((j for j in range(i + 2, len(toks)) if toks[j].kind == sh.OP and toks[j].text == ")"),
                         len(toks))
            value = [ev.sh_word(t) for t in toks[i + 2:close] if t.kind == sh.WORD]
            i = close + 1
        else:
            rhs = tok.text[len(name) + 1:]
            value = ev.sh_special(rhs)
            if value is None:
                value = ev.sh_word(tok, len(name) + 1)
            i += 1
        assignments.append((name, value))
    if assignments and i >= len(toks):
        for name, value in assignments:
            ev.assign(name, value)
        return
    toks = toks[i:]           # NAME=value before a command only sets that command's environment
    if not toks:
        return
    if toks[0].kind == sh.WORD and toks[0].text.lower() in _CD_COMMANDS and len(toks) > 1:
        words = _sh_docker_args(toks[1:])
        if words and words[0].text in ("-Path", "-LiteralPath"):
            words = words[1:]
        target = ev.arg(words[0]) if len(words) == 1 else UNKNOWN
        cwd[0] = _norm(posixpath.join(cwd[0], target)) if isinstance(target, str) and cwd[0] is not UNKNOWN \
            else UNKNOWN
        return
    k = _find_docker(toks, False)
    if k is not None:
        _docker_command(stmt.line, _sh_docker_args(toks[k + 1:]), ev, cwd[0], scan)


def _find_docker(toks: list, pwsh: bool) -> int | None:
    """Index of a bare ``docker`` word with something after it."""
    for k, tok in enumerate(toks[:-1]):
        if pwsh:
            if tok.kind == ps.WORD and _DOCKER_WORD.fullmatch(tok.text):
                return k
        elif tok.kind == sh.WORD and not tok.quoted and _DOCKER_WORD.fullmatch(tok.text):
            return k
    return None


def _ps_docker_args(toks: list) -> list[_Arg]:
    """The arguments of a native command, up to the end of its pipeline element; redirections dropped."""
    cut: list = []
    depth = 0
    for tok in toks:
        if tok.kind == ps.NEWLINE:
            break
        if tok.kind == ps.OPERATOR:
            if tok.text in _PS_OPEN:
                depth += 1
            elif tok.text in _PS_CLOSE:
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and tok.text in ("|", ";", "&&", "||", "&"):
                break
        cut.append(tok)
    args: list[_Arg] = []
    groups = _ps_groups(cut)
    k = 0
    while k < len(groups):
        group = groups[k]
        head = group[0]
        if head.kind == ps.OPERATOR and _PS_REDIRECT.fullmatch(head.text):
            k += 1 if len(group) > 1 or head.text.endswith(("&1", "&2")) else 2
            continue
        args.append(_Arg(group, _ps_text(group), True))
        k += 1
    return args


def _sh_docker_args(toks: list) -> list[_Arg]:
    """The words of a simple command, up to a pipe or another operator; redirections dropped."""
    args: list[_Arg] = []
    k = 0
    while k < len(toks):
        tok = toks[k]
        if tok.kind == sh.OP:
            if tok.text not in _SH_REDIRECT:
                break
            if args and args[-1].text.isdigit() and args[-1].toks[0].start + len(args[-1].text) == tok.start:
                args.pop()                      # the file descriptor of 2>file
            k += 2
            continue
        if tok.kind == sh.WORD:
            args.append(_Arg([tok], tok.text, False))
        k += 1
    return args


def _option(arg: _Arg):
    """(option name, inline value or None) when the argument is an option, else None."""
    head = arg.toks[0]
    if arg.pwsh:
        if head.kind not in (ps.PARAMETER, ps.OPERATOR) or not head.text.startswith("-") or head.text == "-":
            return None
        if len(arg.toks) == 1:
            return head.text, None
        if arg.toks[1].is_op("="):
            rest = arg.toks[2:]
            return head.text, _Arg(rest, _ps_text(rest) if rest else "", True)
        return arg.text, None
    if not arg.text.startswith("-") or arg.text == "-":
        return None
    name, eq, inline = arg.text.partition("=")
    return name, (_Arg(arg.toks, inline, False, skip=arg.skip + len(name) + 1) if eq else None)


def _docker_command(number: int, words: list[_Arg], ev: Evaluator, cwd, scan: ScriptScan) -> None:
    if not words:
        return
    first = words[0].text
    second = words[1].text if len(words) > 1 else None
    if first in ("buildx", "image", "builder") and second == "build":
        words = words[2:]
    elif first == "build":
        words = words[1:]
    elif first in ("tag", "push", "pull", "run") or (first == "image" and second == "tag"):
        _image_command(number, words, ev, scan)
        return
    else:
        return
    dockerfile_word: _Arg | None = None
    target = None
    args: dict[str, str] = {}
    tags: list[tuple[str, int]] = []
    positional: list[_Arg] = []
    problems: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        option = _option(word)
        if option is None:
            positional.append(word)
            i += 1
            continue
        name, inline = option
        if name not in _VALUE_OPTIONS:
            i += 1
            continue
        if inline is not None:
            raw = inline
            i += 1
        else:
            raw = words[i + 1] if i + 1 < len(words) else None
            i += 2
        if raw is None:
            value = ""
            raw_text = ""
        else:
            value = ev.arg(raw) if raw.text or raw.toks else ""
            raw_text = raw.text
        if name in ("-f", "--file"):
            dockerfile_word = raw if raw is not None else _Arg([], "", ev.pwsh)
        elif name == "--target":
            target = value if isinstance(value, str) else None
            if value is UNKNOWN:
                problems.append(f"--target {raw_text}")
        elif name == "--build-arg":
            if isinstance(value, str):
                key, has_eq, val = value.partition("=")
                if has_eq:
                    args[key] = val
            else:
                problems.append(f"--build-arg {raw_text}")
        elif name in ("-t", "--tag"):
            if isinstance(value, str):
                tags.append((value, number))
    if cwd is UNKNOWN:
        problems.append("the working directory (a cd/Set-Location that is not a literal path)")
    context = None
    if not positional:
        problems.append("no build context argument")
    else:
        ctx_value = ev.arg(positional[-1])
        if ctx_value is UNKNOWN or not isinstance(ctx_value, str):
            problems.append(f"context {positional[-1].text}")
        elif ctx_value == "-" or "://" in ctx_value or ctx_value.startswith("git@"):
            problems.append(f"context {ctx_value} (stdin or a URL, not a folder)")
        elif cwd is not UNKNOWN:
            context = _norm(posixpath.join(cwd, ctx_value))
    dockerfile = None
    if dockerfile_word is not None:
        value = ev.arg(dockerfile_word) if dockerfile_word.toks else ""
        if value is UNKNOWN or not isinstance(value, str):
            problems.append(f"-f {dockerfile_word.text}")
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


def _image_command(number: int, words: list[_Arg], ev: Evaluator, scan: ScriptScan) -> None:
    if words[0].text == "image":
        words = words[1:]
    verb = words[0].text
    positional = [w for w in words[1:] if not w.text.startswith("-")]
    refs = positional[:2] if verb == "tag" else positional[:1]
    for raw in refs:
        value = ev.arg(raw)
        if isinstance(value, str) and value:
            scan.images.append(ScriptImageRef(value, number, f"docker {verb}"))


def _code_lines(text: str, tokens: list, pwsh: bool) -> list[str]:
    """The script's lines with comments (and here-string / here-document bodies) blanked, from its tokens."""
    if pwsh:
        src = ps.normalise(text)
        spans = [(t.start, t.end) if t.kind == ps.COMMENT else (src.find("\n", t.start) + 1,
                                                                 src.rfind("\n", t.start, t.end))
                 for t in tokens if t.kind == ps.COMMENT or (t.kind == ps.STRING and t.text.startswith("@")
                                                              and "\n" in t.text)]
        keep_live = False
    else:
        src = sh.normalise(text)
        spans = []
        for t in tokens:
            if t.kind == sh.COMMENT:
                spans.append((t.start, t.start + len(t.text)))
            elif t.kind == sh.HEREDOC:
                spans.append((t.start, t.start + len(t.text), not t.quoted))
        keep_live = True
    if not spans:
        return src.split("\n")
    chars = list(src)
    for span in spans:
        start, end = span[0], span[1]
        live = keep_live and len(span) > 2 and span[2]
        body = src[start:end]
        if live:
            # an unquoted here-document still expands ${VERSION:-latest}; its other text is data
            body = "\n".join(line if _FALLBACK_SH.search(line) else "" for line in body.split("\n"))
            chars[start:end] = list(body.ljust(end - start))
            # keep the newlines at their places
            for k in range(start, end):
                if src[k] == "\n":
                    chars[k] = "\n"
                elif chars[k] == "\n":
                    chars[k] = " "
            continue
        for k in range(start, end):
            if src[k] != "\n":
                chars[k] = " "
    return "".join(chars).split("\n")


def find_latest_fallbacks(text: str, pwsh: bool) -> list[LatestFallback]:
    """Places that turn a missing VERSION into the tag ``latest``.

    ``${VERSION:-latest}`` in any shell; in PowerShell, a ``"latest"`` literal in a
    statement that tests for VERSION or in the few lines after such a test
    (the seed's ``if (-not (Test-Path …VERSION)) { $tag = "latest" }``).
    Comments and here-string / here-document bodies are not code.
    """
    return _fallbacks(_code_lines(text, _tokens(text, pwsh), pwsh))


def _fallbacks(code_lines: list[str]) -> list[LatestFallback]:
    found: list[LatestFallback] = []
    recent_version_test = -100
    version_vars: set[str] = set()     # variables holding a VERSION path or value
    for number, code in enumerate(code_lines, 1):
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
