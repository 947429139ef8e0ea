"""Literal evaluation of script values, and the walk over a script's statements that keeps variables and the
working directory current.

Not a shell: a small, deliberately literal evaluator. It remembers variables that are assigned literally
(strings, arrays, PowerShell hashtables, ``Join-Path``/``Split-Path``, the script's own folder via
``$PSScriptRoot`` / ``dirname "$0"`` / ``${BASH_SOURCE%/*}``, ``$(cd … && pwd)``, the repository root via
``git rev-parse --show-toplevel``), unrolls ``for``/``foreach`` loops over literal arrays and follows the working
directory exactly: ``cd``/``pushd``/``popd``, subshells ``( … )``, ``Set-Location``/``Push-Location``/
``Pop-Location``. Anything it cannot resolve exactly (a command's output, an environment variable, a
``${X:-default}``) is :data:`UNKNOWN` — never a guess.

Paths are *anchored*: the repository root is :data:`ROOT` (``/@repo``), so a folder derived from the script's
own location stays right whatever the directory the script started in, and ``..`` past the root leaves it.
:func:`repo_path` turns an anchored path back into a repo-relative one.
"""

from __future__ import annotations

import posixpath
import re

from ...parsers.powershell import tokenizer as ps
from ...parsers.powershell.structure import walk
from ...parsers.shell import lexer as sh
from .statements import (PS_OPEN, Arg, Stmt, array_start, ps_close, ps_groups, ps_split, sh_command_args,
                         unbacktick, wrapped)

ROOT = "/@repo"


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

_MAX_NESTING = 40
MAX_LOOP_DEPTH = 4
# inside an expandable string: `x escapes, "" is a quote, $() a subexpression (tokenized by the lexer), ${x}, $x
PS_INTERPOLATION = re.compile(r'`([\s\S])|("")|(\$\(\))|\$\{([^}]+)\}|\$([A-Za-z_]\w*(?::[A-Za-z_]\w*)?)|\$')
_PROPS = re.compile(r"((?:\.[A-Za-z_]\w*)+)")
_FULLNAME = re.compile(r"((?:\.parent)*)\.fullname", re.I)
SH_ASSIGN_WORD = re.compile(r"([A-Za-z_]\w*)=")
_SH_SCRIPT_DIR_PARAM = re.compile(r"\$\{(?:0|BASH_SOURCE(?:\[0\])?)%/\*\}")
_SH_SCRIPT_PARAM = re.compile(r"\$(?:0|\{0\}|BASH_SOURCE|\{BASH_SOURCE(?:\[0\])?\})")
_SH_ARRAY_ALL = re.compile(r"\"?\$\{([A-Za-z_]\w*)\[[@*]\]\}\"?")
_PS_SCOPES = frozenset(("script", "global", "local", "private"))
# `if ($PSScriptRoot)` / `if (-not $PSScriptRoot)`: a script read as a file has $PSScriptRoot set
_PS_SCRIPT_ROOT_TEST = re.compile(r"^(?:else)?if\s*\(\s*(-not\s+|!\s*)?\$PSScriptRoot\s*\)$", re.I)
_PS_MAX_REPLACE_INPUT = 512
CD_COMMANDS = frozenset(("cd", "set-location", "sl", "chdir"))
PUSH_COMMANDS = frozenset(("pushd", "push-location"))
POP_COMMANDS = frozenset(("popd", "pop-location"))


def anchor(repo_relative: str) -> str:
    return _norm(posixpath.join(ROOT, repo_relative))


def repo_path(path: str) -> str | None:
    """The repo-relative form of an anchored path ("." for the root); None when it is outside the repository."""
    path = _norm(path)
    if path == ROOT:
        return "."
    if path.startswith(ROOT + "/"):
        return path[len(ROOT) + 1:]
    return None


def _closing_paren(text: str, open_at: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``open_at`` (quotes and nesting respected), or -1."""
    depth = 0
    quote = ""
    i = open_at
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "\\":
            i += 2
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    if not path:
        return "."
    return posixpath.normpath(path)


class Evaluator:
    """Literal evaluation of script tokens with a variable scope."""

    def __init__(self, pwsh: bool, script_dir: str, variables: dict, script_path: str | None = None):
        self.pwsh = pwsh
        self.script_dir = script_dir          # anchored (ROOT/...)
        self.script_path = script_path or posixpath.join(script_dir, "script")
        self.vars = variables
        self.cwd = ROOT                       # the walk keeps it current ($(pwd), $(cd x && pwd))
        self.conditional = 0     # inside if/else/try blocks: assignments there may not happen
        self._nesting = 0        # brackets inside brackets: beyond _MAX_NESTING, not a literal

    def _key(self, name: str) -> str:
        if not self.pwsh:
            return name
        key = name.lower()
        scope, colon, rest = key.partition(":")
        return rest if colon and scope in _PS_SCOPES else key

    def lookup(self, name: str):
        key = self._key(name)
        if self.pwsh and key == "psscriptroot":
            return self.script_dir
        if self.pwsh and key in ("pscommandpath",):
            return self.script_path
        if self.pwsh and key == "pwd":
            return self.cwd
        return self.vars.get(key, UNKNOWN)

    def assign(self, name: str, value) -> None:
        self.vars[self._key(name)] = UNKNOWN if self.conditional else value

    def arg(self, arg: Arg):
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
        if wrapped(toks):
            inner = toks[1:-1]
            if first.text == "@(":
                return self._ps_list(inner)
            if first.text == "@{":
                return self._ps_hashtable(inner)
            if first.text in ("(", "$("):
                return self.ps_value(inner)
        replaced = self._ps_replace(toks)
        if replaced is not None:
            return replaced
        if len(ps_split(toks, (",",))) > 1:
            return self._ps_list(toks)
        if first.kind == ps.WORD and first.text.lower() in ("join-path", "split-path", "resolve-path"):
            return self._ps_path_command(first.text.lower(), toks[1:])
        groups = ps_groups(toks)
        if len(groups) == 1 and first.kind not in (ps.WORD, ps.KEYWORD):
            return self.ps_arg(groups[0])
        return UNKNOWN        # a command's output (a bare word runs a command) or an expression: not a literal

    def _ps_replace(self, toks: list):
        """``VALUE -replace 'pattern', 'text'`` on a literal value: .NET and Python agree on the simple patterns
        scripts use on paths; a pattern with a quantified group (possible catastrophic backtracking) or a long
        input is not evaluated."""
        k = next((i for i, t in enumerate(toks) if t.kind == ps.OPERATOR and t.text.lower() in ("-replace",
                                                                                              "-ireplace")), None)
        if k is None or k == 0:
            return None
        rest = ps_split(toks[k + 1:], (",",))
        if len(rest) not in (1, 2) or any(len(part) != 1 or part[0].kind != ps.STRING for part in rest):
            return UNKNOWN
        value = self.ps_value(toks[:k])
        pattern = rest[0][0].value
        replacement = rest[1][0].value if len(rest) == 2 else ""
        if not isinstance(value, str) or len(value) > _PS_MAX_REPLACE_INPUT or re.search(r"\)[*+?{]", pattern) \
                or "$" in replacement:
            return UNKNOWN
        try:
            return re.sub(pattern, replacement, value, flags=re.I)
        except (re.error, IndexError):
            return UNKNOWN

    def _ps_special(self, toks: list):
        texts = [t.text.lower() for t, _ in walk(toks)]
        for k in range(len(texts) - 2):
            if texts[k:k + 3] == ["git", "rev-parse", "--show-toplevel"]:
                return ROOT
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
        for part in ps_split(toks, (",", ";", "\n")):
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
        for part in ps_split(toks, (";", "\n")):
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
        groups = ps_groups(toks)
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
        if first.text in ("(", "$(", "@(") and wrapped(toks):
            return self.ps_value(toks)
        if first.kind == ps.VARIABLE and (len(toks) == 1 or (
                len(toks) == 2 and toks[1].kind == ps.WORD and _PROPS.fullmatch(toks[1].text))):
            return self._property(first.value, toks[1].text if len(toks) == 2 else "")
        out: list[str] = []
        i = 0
        while i < len(toks):
            tok = toks[i]
            kind = tok.kind
            if kind == ps.OPERATOR and tok.text in PS_OPEN:
                j = ps_close(toks, i)
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
                        out.append(value + unbacktick(rest))
                        i += 2
                        continue
                value = self._variable(tok.value)
                i += 1
            elif kind == ps.STRING:
                value = self._ps_string(tok)
                i += 1
            else:
                value = unbacktick(tok.text)
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
        for m in PS_INTERPOLATION.finditer(value):
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
            return ROOT
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
                if exp is None and text.startswith("$(", i) and not text.startswith("$((", i):
                    end = _closing_paren(text, i + 1)
                    exp = text[i:end + 1] if end > 0 else None
                elif exp is None and i + 1 < n and text[i + 1] == "0":
                    exp = "$0"
                value = self._sh_expansion(exp) if exp else UNKNOWN   # $(( )), $'…': not literal
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
        if exp.startswith("$(") and not exp.startswith("$((") and exp.endswith(")"):
            return self._sh_command_substitution(exp[2:-1])
        m = _SH_SCRIPT_DIR_PARAM.fullmatch(exp)
        if m:
            return self.script_dir                              # ${BASH_SOURCE%/*}, ${0%/*}
        if _SH_SCRIPT_PARAM.fullmatch(exp):
            return self.script_path                             # $0, ${BASH_SOURCE[0]}
        m = re.fullmatch(r"\$\{([A-Za-z_]\w*)(:?[-=?+][^}]*)?\}", exp)
        if m:
            # ${X:-default} and friends depend on the environment: never a literal
            return UNKNOWN if m.group(2) else self.lookup(m.group(1))
        m = re.fullmatch(r"\$([A-Za-z_]\w*)", exp)
        return self.lookup(m.group(1)) if m else UNKNOWN

    def _sh_command_substitution(self, inner: str):
        """``$(dirname X)``, ``$(cd X && pwd)``, ``$(pwd)``, ``$(realpath X)``, ``$(git rev-parse --show-toplevel)``:
        the commands that only compute a folder; anything else is not a literal."""
        if self._nesting >= _MAX_NESTING:
            return UNKNOWN
        self._nesting += 1
        try:
            words = [t for t in sh.lex(inner) if t.kind != sh.COMMENT]
            if any(t.kind == sh.NEWLINE for t in words):
                return UNKNOWN
            parts: list[list] = [[]]
            for t in words:
                if t.kind == sh.OP and t.text in ("&&", ";"):
                    parts.append([])
                elif t.kind == sh.OP and t.text not in (">", "2>", ">&") :
                    return UNKNOWN
                else:
                    parts[-1].append(t)
            cwd = self.cwd
            value = UNKNOWN
            for part in parts:
                texts = [t.text for t in part if t.kind == sh.WORD]
                if not texts:
                    continue
                args = [t for t in part if t.kind == sh.WORD][1:]
                args = [a for a in args if a.text != "--" and not (a.text.startswith("-") and a.text != "-")]
                head = texts[0]
                if head == "pwd":
                    value = cwd
                elif texts[:3] == ["git", "rev-parse", "--show-toplevel"]:
                    value = ROOT
                elif head in ("dirname", "realpath", "readlink", "cd") and len(args) == 1:
                    saved, self.cwd = self.cwd, cwd
                    try:
                        arg = self.sh_word(args[0])
                    finally:
                        self.cwd = saved
                    if not isinstance(arg, str):
                        return UNKNOWN
                    path = _norm(posixpath.join(cwd, arg))
                    if head == "dirname":
                        value = _norm(posixpath.dirname(arg.rstrip("/")) or ".")
                        value = _norm(posixpath.join(cwd, value)) if not value.startswith("/") else value
                    elif head == "cd":
                        cwd = path
                        value = UNKNOWN
                    else:
                        value = path
                else:
                    return UNKNOWN
            return value
        finally:
            self._nesting -= 1




# -- the walk --------------------------------------------------------------------------------------------------


class Walk:
    """Runs a script's statements: variables, loops, the working directory; hands every other command to
    ``on_command(stmt, args, walk)`` (``walk.cwd`` is the anchored working directory, :data:`UNKNOWN` once a
    ``cd`` could not be resolved; ``walk.cwd_exact`` says whether it rests on evidence rather than on the
    assumed start folder)."""

    def __init__(self, ev: Evaluator, pwsh: bool, cwd: str, on_command, *, cwd_exact: bool = False,
                 on_assign=None):
        self.ev = ev
        self.pwsh = pwsh
        self.cwd = cwd
        self.cwd_exact = cwd_exact
        self.on_command = on_command
        self.on_assign = on_assign          # (stmt, name, raw text) for each assignment
        self._stack: list[tuple] = []       # pushd / Push-Location
        self._kinds: list[str] = []         # PowerShell blocks: "conditional", "function" or "taken"
        self._last_closed = ""
        self._script_root_if = ""           # "taken" / "skipped": the last if ($PSScriptRoot) branch
        self._subshells: list[tuple] = []   # ( … ) in sh

    def set_cwd(self, value, exact: bool) -> None:
        self.cwd = value
        self.cwd_exact = exact
        self.ev.cwd = value if isinstance(value, str) else ROOT

    def change_dir(self, target) -> None:
        if isinstance(target, str) and isinstance(self.cwd, str):
            anchored = target.startswith("/")
            self.set_cwd(_norm(posixpath.join(self.cwd, target)), anchored or self.cwd_exact)
        else:
            self.set_cwd(UNKNOWN, False)

    def run(self, stmts: list[Stmt]) -> None:
        self._block(stmts, 0, len(stmts), 0)

    def _block(self, stmts, start, end, depth: int) -> None:
        ev = self.ev
        pwsh = self.pwsh
        i = start
        while i < end:
            stmt = stmts[i]
            loop = _loop_header(stmt, pwsh, ev)
            if loop is not None and depth < MAX_LOOP_DEPTH:
                var, values = loop
                body_start = i + 1
                if body_start < end and stmts[body_start].only("{" if pwsh else "do"):
                    body_end = min(_block_end(stmts, body_start, pwsh), end)
                    for value in (values if isinstance(values, list) else [UNKNOWN]):
                        ev.assign(var, value)
                        self._block(stmts, body_start + 1, body_end - 1, depth + 1)
                    i = body_end
                    continue
            head = stmt.head
            if pwsh and stmt.only("{") and stmt.toks[0].kind == ps.OPERATOR:
                kind = self._ps_block_kind(stmts, i)
                if kind == "skip":
                    i = min(_block_end(stmts, i, pwsh), end)
                    continue
                self._kinds.append(kind)
                if kind == "conditional":
                    ev.conditional += 1
            elif pwsh and stmt.only("}") and stmt.toks[0].kind == ps.OPERATOR:
                kind = self._kinds.pop() if self._kinds else "conditional"
                if kind == "conditional" and ev.conditional:
                    ev.conditional -= 1
                self._last_closed = kind
            elif not pwsh and head in ("then", "case"):
                ev.conditional += 1
            elif not pwsh and head in ("fi", "esac") and ev.conditional:
                ev.conditional -= 1
            elif not pwsh and stmt.only("(") and stmt.toks[0].kind == sh.OP:
                self._subshells.append((self.cwd, self.cwd_exact, len(self._stack)))
            elif not pwsh and stmt.only(")") and stmt.toks[0].kind == sh.OP:
                if self._subshells:
                    cwd, exact, depth_ = self._subshells.pop()
                    self.set_cwd(cwd, exact)
                    del self._stack[depth_:]
            elif pwsh:
                self._ps_statement(stmt)
            else:
                self._sh_statement(stmt)
            i += 1

    def _ps_block_kind(self, stmts, i: int) -> str:
        """What the ``{`` at ``stmts[i]`` opens: a function body runs as written; the branch of
        ``if ($PSScriptRoot)`` a script run from its file takes is certain and the other is skipped; anything
        else (if/else, loops, try, script blocks) is conditional."""
        prev = stmts[i - 1] if i > 0 else None
        if prev is None or not prev.toks:
            return "conditional"
        first = prev.toks[0]
        if first.kind == ps.KEYWORD and first.value in ("function", "filter"):
            return "function"
        text = " ".join(t.text for t in prev.toks)
        m = _PS_SCRIPT_ROOT_TEST.match(text.replace("( ", "(").replace(" )", ")"))
        if m and first.kind == ps.KEYWORD and first.value == "if":
            taken = not m.group(1)
            self._script_root_if = "taken" if taken else "skipped"
            return "taken" if taken else "skip"
        if first.kind == ps.KEYWORD and first.value == "else" and len(prev.toks) == 1 and self._script_root_if:
            branch = self._script_root_if
            self._script_root_if = ""
            return "skip" if branch == "taken" else "taken"
        self._script_root_if = ""
        return "conditional"

    def _directory_command(self, name: str, target_of) -> bool:
        """cd / pushd / popd and their PowerShell forms; ``target_of()`` evaluates the one argument."""
        if name in POP_COMMANDS:
            if self._stack:
                self.set_cwd(*self._stack.pop())
            else:
                self.set_cwd(UNKNOWN, False)
            return True
        if name in PUSH_COMMANDS:
            self._stack.append((self.cwd, self.cwd_exact))
        elif name not in CD_COMMANDS:
            return False
        target = target_of()
        if target == "-":
            target = UNKNOWN
        self.change_dir(target)
        return True

    def _ps_statement(self, stmt: Stmt) -> None:
        ev = self.ev
        toks = stmt.toks
        if toks[0].kind == ps.VARIABLE and len(toks) > 2 and toks[1].is_op("="):
            if self.on_assign is not None:
                self.on_assign(stmt, toks[0].value, toks[2:])
            value = ev.ps_value(toks[2:])
            ev.assign(toks[0].value, value)
            self.on_command(stmt, None, self)       # the right-hand side may run docker
            return
        if toks[0].kind == ps.WORD:
            name = toks[0].text.lower()

            def target():
                rest = toks[1:]
                if rest and rest[0].kind == ps.PARAMETER and rest[0].value in ("-path", "-literalpath"):
                    rest = rest[1:]
                rest = [t for t in rest if not (t.kind == ps.PARAMETER and t.value == "-passthru")]
                groups = ps_groups(rest)
                return ev.ps_arg(groups[0]) if len(groups) == 1 else UNKNOWN

            if (len(toks) > 1 or name in POP_COMMANDS) and self._directory_command(name, target):
                return
        self.on_command(stmt, None, self)

    def _sh_statement(self, stmt: Stmt) -> None:
        ev = self.ev
        toks = stmt.toks
        i = 0
        if toks[0].kind == sh.WORD and toks[0].text in ("export", "readonly", "local", "declare", "typeset"):
            i = 1
            while i < len(toks) and toks[i].kind == sh.WORD and toks[i].text.startswith("-"):
                i += 1
        assignments: list = []
        while i < len(toks) and toks[i].kind == sh.WORD and SH_ASSIGN_WORD.match(toks[i].text):
            tok = toks[i]
            name = tok.text.split("=", 1)[0]
            if i + 1 < len(toks) and toks[i + 1].kind == sh.OP and toks[i + 1].text == "(" \
                    and array_start(tok, toks[i + 1]):
                close = next((j for j in range(i + 2, len(toks)) if toks[j].kind == sh.OP and toks[j].text == ")"),
                             len(toks))
                value = [ev.sh_word(t) for t in toks[i + 2:close] if t.kind == sh.WORD]
                i = close + 1
            else:
                rhs = tok.text[len(name) + 1:]
                value = ev.sh_special(rhs)
                if value is None:
                    value = ev.sh_word(tok, len(name) + 1)
                if self.on_assign is not None:
                    self.on_assign(stmt, name, rhs)
                i += 1
            assignments.append((name, value))
        if assignments and i >= len(toks):
            for name, value in assignments:
                ev.assign(name, value)
            return
        rest = toks[i:]           # NAME=value before a command only sets that command's environment
        if not rest:
            return
        if rest[0].kind == sh.WORD and not rest[0].quoted:
            name = rest[0].text.lower()
            words = sh_command_args(rest[1:])
            words = [w for w in words if w.text not in ("--", "-P", "-L", "-q")]

            def target():
                if words and words[0].text in ("-Path", "-LiteralPath"):
                    del words[0]
                return ev.arg(words[0]) if len(words) == 1 else UNKNOWN

            if (len(rest) > 1 or name in POP_COMMANDS) and self._directory_command(name, target):
                return
        self.on_command(Stmt(stmt.line, rest), None, self)


def _block_end(stmts: list[Stmt], start: int, pwsh: bool) -> int:
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


def _loop_header(stmt: Stmt, pwsh: bool, ev: Evaluator):
    toks = stmt.toks
    if pwsh:
        # foreach ($x in <expr>)
        if len(toks) >= 6 and toks[0].kind == ps.KEYWORD and toks[0].value == "foreach" and toks[1].is_op("(") \
                and ps_close(toks, 1) == len(toks) - 1 and toks[-1].is_op(")") and toks[2].kind == ps.VARIABLE \
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


