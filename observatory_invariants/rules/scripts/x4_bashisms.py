"""X4: no bash-only constructs where bash is not the shell — bash syntax in PowerShell scripts, bashisms in
``#!/bin/sh`` scripts (and in ``run:`` steps, through workflow_steps), and the optional powershell-only folders.

X4 in POSIX sh scripts (``#!/bin/sh``, ``#!/usr/bin/env sh``, dash): bashisms, on shell/ lexer tokens.

Here-document bodies, comments and single-quoted text are data. Each finding
names the POSIX spelling. Also the optional policy that a folder holds
PowerShell only (``powershell-only-folders``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (COMMENT, KEYWORD, NEWLINE, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token)
from ...parsers.shell.lexer import COMMENT as SH_COMMENT, HEREDOC, NEWLINE as SH_NEWLINE, OP, WORD as SH_WORD, ShToken, \
    command_positions, lex, shebang_shell
from .powershell_script import (BASH_IN_STRING, BASH_OPERATORS, BASH_VARIABLE_START, ParsedScript, adjacent,
                                next_token)

from .files import ScriptFileOptions  # noqa: E402


@dataclass(frozen=True)
class X4Options(Options):
    section = "scripts"

    powershell_only_folders: tuple[str, ...] = option(
        "powershell-only-folders", (), "Folders that hold PowerShell only (X4.powershell-only-folder), e.g. [\"scripts\"].")


PWSH_BASHISM = SubRule("X4.pwsh-bashism", "Bash syntax in a PowerShell script")
WORKFLOW_STEP = SubRule("X4.workflow-step", "Bash syntax in a workflow run: step whose shell is pwsh/powershell/sh")
SH_BASHISM = SubRule("X4.sh-bashism", "Bashism in a #!/bin/sh (POSIX) script")
POWERSHELL_ONLY = SubRule("X4.powershell-only-folder", "A bash/sh script in a folder the config reserves for PowerShell")
X4 = Rule("X4", "No bash-only constructs where bash is not the shell", "scripts",
          ("powershell-scripts", "shell-scripts", "workflows", "composite-actions", "scripts"), ".lint:run",
          subrules=(PWSH_BASHISM, WORKFLOW_STEP, SH_BASHISM, POWERSHELL_ONLY), options=(X4Options, ScriptFileOptions),
          hooks=("observatory-powershell", "observatory-shell", "observatory-workflows"), shebang_scripts=True)

POSIX_SHELLS = frozenset(("sh", "dash", "posh", "ash"))
BASH_LIKE = frozenset(("bash", "zsh", "ksh", "mksh", "sh", "dash", "ash", "fish"))

_BASH_VARIABLES = frozenset(("RANDOM", "BASH_SOURCE", "BASH_VERSION", "BASH_VERSINFO", "PIPESTATUS", "SECONDS",
                             "HOSTNAME", "EUID", "UID", "OSTYPE", "FUNCNAME", "BASH_REMATCH", "LINENO_ARRAY",
                             "SHLVL", "HISTFILE", "DIRSTACK", "GROUPS", "HOSTTYPE", "MACHTYPE", "BASHPID",
                             "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM", "COPROC"))
_EXPANSION_FORMS = (
    (re.compile(r"^\$\{[#!]?[A-Za-z_][A-Za-z0-9_]*\[.*\]"), "array subscripts '${a[i]}' are bash; POSIX sh has no "
                                                             "arrays: use \"$@\" (set -- a b c) or a loop over words"),
    (re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*//?.*\}"), "'${var/x/y}' substitution is bash; in POSIX sh use "
                                                         "$(printf '%s' \"$var\" | sed 's/x/y/g')"),
    (re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:(?:[0-9]|\s+-?[0-9]|\()"), "'${var:offset:length}' substrings are bash; in POSIX sh use "
                                                          "$(printf '%s' \"$var\" | cut -c1-3) or expr substr"),
    (re.compile(r"^\$\{![A-Za-z_]"), "'${!var}' indirection is bash; in POSIX sh use eval \"value=\\${$name}\""),
    (re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(\^\^?|,,?)"), "'${var^^}' case conversion is bash; in POSIX sh use "
                                                            "tr '[:lower:]' '[:upper:]'"),
)
_TEST_COMMANDS = frozenset(("[", "test"))
_ERREXIT = re.compile(r"^#![^\n]*\s-[a-z]*e|^\s*set\s+(?:-[a-z]*e|-o\s+errexit)", re.MULTILINE)
_DETECTION_VARIABLES = frozenset(("BASH_VERSION", "BASH_VERSINFO", "ZSH_VERSION", "BASH"))
_APPEND = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+=")
_READ_FIX = {"s": "for a password: stty -echo; read -r pw; stty echo",
             "n": "read a whole line with read -r, or one character with dd bs=1 count=1",
             "a": "read into a string and split it with set -- $line",
             "t": "dash has no read timeout; use a here-document or timeout(1) around the command",
             "d": "read lines with read -r and test each"}


def _sets_pipefail(code: list[ShToken], k: int) -> bool:
    """``set -o pipefail``, ``set -eo pipefail``, ``set -euo pipefail`` …"""
    j = k + 1
    while j < len(code) and code[j].kind == SH_WORD and code[j].text.startswith(("-", "+")):
        if "o" in code[j].text[1:] and j + 1 < len(code) and code[j + 1].text == "pipefail":
            return True
        j += 1 if code[j].text[1:].find("o") < 0 else 2
    return False


def _read_options(code: list[ShToken], k: int) -> list[str]:
    """Options of a ``read`` that dash does not have (it knows -r and -p PROMPT)."""
    bad = []
    j = k + 1
    while j < len(code) and code[j].kind == SH_WORD and code[j].text.startswith("-") and len(code[j].text) > 1:
        flags = code[j].text[1:]
        takes_value = False
        for c in flags:
            if c not in "rp":
                if c not in bad:
                    bad.append(c)
            if c in "pntdaui":
                takes_value = True
        j += 2 if takes_value and flags[-1] in "pntdaui" else 1
    return bad
_HEREDOC_EXPANSION = re.compile(r"\$\{[^}\n]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


class IndexSet:
    """A set of token indices as a bytearray (a multi-megabyte script has hundreds of thousands)."""

    __slots__ = ("marks",)

    def __init__(self, indices, size: int):
        self.marks = bytearray(size)
        for i in indices:
            self.marks[i] = 1

    def __contains__(self, i: int) -> bool:
        return 0 <= i < len(self.marks) and self.marks[i] == 1

    def __iter__(self):
        marks = self.marks
        find = marks.find
        i = find(1)
        while i >= 0:
            yield i
            i = find(1, i + 1)


def _is_posix_shebang(text: str) -> bool:
    return shebang_shell(text) in POSIX_SHELLS


# What busybox ash (Alpine's /bin/sh, built with bash compatibility) accepts of the bashisms X4 knows.
ASH_ACCEPTS = frozenset(("&>", "<<<", "[[", "source", "==", "$'", "substitution", "substring", "echo", "read",
                         "pipefail", "RANDOM"))


def bashisms(path: str, text: str, ash: str = "") -> list[Finding]:
    """X4: bash-only constructs in a POSIX sh script (call only for #!/bin/sh, dash …).

    ``ash``: the evidence that the script runs under busybox ash (an Alpine image), which accepts some of them
    (:data:`ASH_ACCEPTS`): those are warnings then."""
    from .sh_guards import Guards

    tokens = lex(text)
    out: list[Finding] = []
    commands = IndexSet(command_positions(tokens), len(tokens))
    errexit = bool(_ERREXIT.search(text))
    guards: Guards | None = None
    positions: list[int] | None = None

    def report(tok: ShToken, message: str, offset: int = 0, severity: str = "error", name: str | None = None,
               feature: str = "") -> None:
        nonlocal guards, positions
        if guards is None:
            guards = Guards(tokens, commands)
            positions = [t.start for t in tokens]
        at = bisect.bisect_left(positions, tok.start)
        while at < len(tokens) and tokens[at] is not tok and positions[at] == tok.start:
            at += 1
        if guards.guarded(at if at < len(tokens) and tokens[at] is tok else -1, name):
            return  # bash-only by design ('[ -n "$BASH_VERSION" ] && …'), or a builtin tested for first
        tail = ""
        if ash and feature in ASH_ACCEPTS:
            severity, tail = "warning", f"; busybox ash accepts it, and this script runs there ({ash})"
        out.append(finding(SH_BASHISM, path, f"bashism in a POSIX sh script: {message} "
                           f"(or change the shebang to #!/usr/bin/env bash){tail}", tok.line, tok.column + offset,
                           severity))

    code = [t for t in tokens if t.kind not in (SH_COMMENT, HEREDOC)]
    k = -1   # the index in code of the current token
    for i, tok in enumerate(tokens):
        if tok.kind is not SH_COMMENT and tok.kind is not HEREDOC:
            k += 1
        if tok.kind == HEREDOC and not tok.quoted:
            # An unquoted here-document is data, but its $expansions are still expanded by the shell.
            for m in _HEREDOC_EXPANSION.finditer(tok.text):
                expansion = m.group()
                name = expansion[2:-1] if expansion.startswith("${") else expansion[1:]
                if name in _BASH_VARIABLES or any(p.match(expansion) for p, _ in _EXPANSION_FORMS):
                    line = tok.line + tok.text.count("\n", 0, m.start())
                    column = m.start() - tok.text.rfind("\n", 0, m.start())
                    out.append(finding(SH_BASHISM, path, f"bashism in a POSIX sh script: '{expansion}' in an unquoted "
                                       "here-document is expanded by the shell and is bash-only; quote the delimiter "
                                       "(<<'EOF') if it is data, or use a POSIX alternative", line, column))
            continue
        if tok.kind in (SH_COMMENT, HEREDOC, SH_NEWLINE):
            continue
        nxt = code[k + 1] if k + 1 < len(code) else None
        if tok.kind == OP:
            fix = {"&>": "'&>' is bash; write '>file 2>&1'", "&>>": "'&>>' is bash; write '>>file 2>&1'",
                   "<<<": "'<<<' here-strings are bash; write printf '%s\\n' \"$x\" | command",
                   "<(": "'<( )' process substitution is bash; use a temporary file or a pipe",
                   ">(": "'>( )' process substitution is bash; use a temporary file or a pipe",
                   "|&": "'|&' is bash; write '2>&1 |'", ";;&": "';;&' is bash; repeat the pattern instead",
                   ";&": "';&' fall-through is bash; repeat the commands"}.get(tok.text)
            if fix:
                report(tok, fix, feature="&>" if tok.text in ("&>", "&>>") else "<<<" if tok.text == "<<<" else "")
            elif tok.text == "(" and nxt is not None and nxt.text == "(" and nxt.start == tok.start + 1 and \
                    (k == 0 or code[k - 1].kind == SH_NEWLINE or code[k - 1].text in (";", "&&", "||", "then", "do")):
                report(tok, "'(( … ))' arithmetic commands are bash; write [ \"$((expr))\" -ne 0 ]")
            elif tok.text == "(" and k > 0 and code[k - 1].kind == SH_WORD and code[k - 1].text.endswith("=") and \
                    code[k - 1].start + len(code[k - 1].text) == tok.start and not code[k - 1].quoted:
                report(code[k - 1], "array assignment 'a=(…)' is bash; POSIX sh has no arrays: use set -- a b c "
                                    "or a space-separated string")
            continue
        word = tok.text
        if i in commands:
            if word == "[[":
                report(tok, "'[[ … ]]' is bash; write [ … ] (quote the variables) or use case for patterns",
                       feature="[[")
            elif word == "function":
                report(tok, "the 'function' keyword is bash; write name() { … }")
            elif word == "source":
                report(tok, "'source' is bash; write '. ./file'", feature="source")
            elif word == "let":
                report(tok, "'let' is bash; write x=$((x + 1))")
            elif word == "select":
                report(tok, "'select' is bash; print a numbered list and read the answer")
            elif word == "shopt" and not errexit:
                report(tok, "'shopt' is a bash builtin: dash prints 'shopt: not found' and goes on (no set -e here), "
                            "and the bash option it sets means nothing there; drop it or guard it with "
                            "[ -n \"$BASH_VERSION\" ] &&", severity="warning", name=word)
            elif word in ("shopt", "declare", "typeset", "mapfile", "readarray", "pushd", "popd", "disown", "complete"):
                report(tok, f"'{word}' is a bash builtin; rewrite with POSIX commands", name=word)
            elif word == "set" and _sets_pipefail(code, k):
                report(tok, "'set -o pipefail' is not in dash (Debian/Ubuntu /bin/sh rejects it and stops); check "
                            "each command's status, or use bash", feature="pipefail")
            elif word == "echo" and nxt is not None and nxt.kind == SH_WORD and re.fullmatch(r"-[neE]*[eE][neE]*", nxt.text):
                report(nxt, f"'echo {nxt.text}' is not portable: dash prints '{nxt.text}' as text (its echo always "
                            "interprets escapes), so only the output changes; write printf '…\\n'", severity="warning",
                       feature="echo")
            elif _APPEND.match(word):
                name = _APPEND.match(word).group(1)
                report(tok, f"'{name}+=…' append is bash; in sh it runs a command named '{word.split('=')[0]}='; "
                            f"write {name}=\"${{{name}}}…\"")
            elif word in _TEST_COMMANDS:
                j = k + 1
                while j < len(code) and code[j].kind == SH_WORD and code[j].text != "]":
                    if code[j].text == "==" and not code[j].quoted:
                        report(code[j], f"'==' in '{word} … ]' is bash; POSIX test compares strings with '='",
                               feature="==")
                    j += 1
            elif word == "read" and nxt is not None and nxt.text.startswith("-"):
                bad = _read_options(code, k)
                if bad:
                    what = ", ".join(f"-{o}" for o in bad)
                    report(nxt, f"'read {what}' is bash (dash's read knows only -r and -p); "
                                f"{_READ_FIX.get(bad[0], 'read a line with read -r and process it')}", feature="read")
        if i in commands and word == "trap" and k + 1 < len(code):
            j = k + 1
            while j < len(code) and code[j].kind == SH_WORD:
                if code[j].text in ("ERR", "DEBUG", "RETURN"):
                    report(code[j], f"'trap … {code[j].text}' is bash; POSIX sh traps EXIT and signals only")
                j += 1
        for offset, feature in tok.features:
            if feature == "$((":
                for m in re.finditer(r"\b(" + "|".join(sorted(_BASH_VARIABLES)) + r")\b", word):
                    report(tok, f"{m.group()} is a bash variable (empty in sh) even inside $(( ))", 0)
                    break
            if feature == "$'":
                report(tok, "$'…' ANSI-C quoting is bash; write the character with printf (e.g. $(printf '\\t'))",
                       offset, feature="$'")
        for offset, expansion in tok.expansions:
            name = expansion[2:].split("}")[0] if expansion.startswith("${") else expansion[1:]
            if name.split(":")[0].split("-")[0] in _DETECTION_VARIABLES:
                continue  # reading $BASH_VERSION is how a POSIX script tells which shell runs it
            if name in _BASH_VARIABLES:
                report(tok, f"${name} is a bash variable (empty in sh); use a POSIX alternative "
                            "(e.g. awk 'BEGIN{srand(); print int(rand()*32768)}' for $RANDOM)", offset,
                       feature="RANDOM" if name == "RANDOM" else "")
                continue
            for pattern, message in _EXPANSION_FORMS:
                if pattern.match(expansion):
                    report(tok, message, offset, feature="substitution" if "substitution" in message else
                           "substring" if "substrings" in message else "")
                    break
        if not tok.quoted and re.search(r"(?<!\$)\{[^{}\s,]*,[^{}\s]*\}|(?<!\$)\{-?\d+\.\.-?\d+\}", tok.unquoted):
            report(tok, "brace expansion '{a,b}' / '{1..5}' is bash; list the words or use a loop with seq")
    return out


def shell_of_script(path: str, text: str) -> str | None:
    """The shell a script is written for: shebang first, then the extension."""
    shell = shebang_shell(text)
    if shell:
        return shell
    if path.endswith((".sh",)):
        return "sh?"  # no shebang: unknown POSIX-ish shell
    if path.endswith((".bash",)):
        return "bash"
    return None


def powershell_only_violations(path: str, text: str | None, folders: list[str]) -> list[Finding]:
    """X4.powershell-only-folder: a bash/sh script inside a folder the config reserves for PowerShell."""
    if not any(path == f.rstrip("/") or path.startswith(f.rstrip("/") + "/") for f in folders):
        return []
    if path.lower().endswith((".ps1", ".psm1", ".psd1")):
        return []
    shell = shebang_shell(text) if text is not None else None
    if path.endswith((".sh", ".bash", ".zsh")) or shell in BASH_LIKE:
        folder = next(f for f in folders if path.startswith(f.rstrip("/") + "/") or path == f.rstrip("/"))
        return [finding(POWERSHELL_ONLY, path,
                        f"'{folder}' holds PowerShell scripts only (powershell-only-folders in the config); "
                        "rewrite this script in PowerShell (.ps1) or move it elsewhere", 1, 1)]
    return []


# --- bash in PowerShell -------------------------------------------------------------------------------------

X4_PWSH = PWSH_BASHISM

_BASH_KEYWORD_FIX = {
    "then": "'if [ … ]; then … fi' is bash; write if (<condition>) { … } in PowerShell",
    "fi": "'fi' is bash; close the if block with '}' in PowerShell",
    "elif": "'elif' is bash; write elseif (<condition>) { … } in PowerShell",
    "done": "'do … done' is bash; write foreach ($item in $list) { … } / while (<condition>) { … } in PowerShell",
    "esac": "'case … esac' is bash; write switch ($value) { 'a' { … } default { … } } in PowerShell",
    "case": "'case … in' is bash; write switch ($value) { 'a' { … } default { … } } in PowerShell",
    "source": "'source FILE' is bash; dot-source in PowerShell: . ./file.ps1",
}
_BASH_COMMAND_WORDS = frozenset(("export", "set", "then", "fi", "elif", "done", "esac", "case", "source"))
_ASSIGN_WORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_BASH_ENV_VAR = re.compile(r"^(?:GITHUB|RUNNER|ACTIONS)_[A-Z0-9_]+$")
_BASH_PARAM_EXPANSION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?::[-=+?]|//?|##?|%%?|:[0-9])|^#|^!")

_BRACKETS = frozenset(("{", "}", ")", "]", ",", ";", "=", "|"))


def _bash_candidate(t: Token) -> bool:
    kind = t.kind
    if kind is VARIABLE:
        return t.value[:1] in BASH_VARIABLE_START or t.text.startswith("${")
    if kind is OPERATOR:
        return t.text in BASH_OPERATORS
    if kind is STRING:
        return t.text[:1] in ('"', "@") and bool(BASH_IN_STRING.search(t.text))
    return kind is WORD and (t.text[0] == "`" or t.text == "\\")


def may_hold_bash(tokens: list[Token]) -> bool:
    """Whether a token list (a string's ``$( )``) can give an X4 finding at all: a cheap test before the parse."""
    for t in tokens:
        kind = t.kind
        if kind is KEYWORD or _bash_candidate(t) or kind is OPERATOR and t.text == "[":
            return True
        if kind is WORD and ("=" in t.text or t.text.lower() in _BASH_COMMAND_WORDS):
            return True
    return False


def _bash_candidates(tokens: list[Token]) -> list[int]:
    """Indices of the tokens that can be bash besides commands (the others cannot give an X4 finding)."""
    return [i for i, t in enumerate(tokens) if _bash_candidate(t)]


_MESSAGE_COMMANDS = frozenset(("write-host", "write-output", "write-verbose", "write-warning", "write-error",
                               "write-information", "write-debug", "write-progress", "echo", "throw", "out-host"))


def _closing_backtick(tokens: list[Token], i: int) -> bool:
    """A backtick word closed by another backtick later on the same line: `` `date +%s` ``."""
    k = i + 1
    while k < len(tokens) and tokens[k].kind != NEWLINE and k - i < 64:
        if tokens[k].text.endswith("`"):
            return True
        k += 1
    return tokens[i].text.endswith("`") and len(tokens[i].text) > 2


def _statement_command(tokens: list[Token], i: int) -> str | None:
    """The lower-case first word of the statement around ``i`` (its command), or None."""
    k = i
    while k > 0 and tokens[k - 1].kind != NEWLINE and not tokens[k - 1].is_op(";", "{", "}", "(", "|") and i - k < 200:
        k -= 1
    first = tokens[k]
    return first.value.lower() if first.kind in (WORD, KEYWORD) else None


def _replacement_operand(tokens: list[Token], i: int) -> bool:
    """The string is the replacement of a -replace: ``$x -replace 'a(b)', "$1"``."""
    j = st.prev_significant(tokens, i, skip_newlines=False)
    if j < 0 or not tokens[j].is_op(","):
        return False
    k = st.prev_significant(tokens, j, skip_newlines=False)
    m = st.prev_significant(tokens, k, skip_newlines=False) if k >= 0 else -1
    return m >= 0 and tokens[m].value in ("-replace", "-ireplace", "-creplace")


def _closes_together(tokens: list[Token], pairs: dict[int, int], outer: int, inner: int) -> bool:
    """``$(( … ))``: the inner parenthesis closes right before the outer one (``$((Get-X).Y)`` is a grouping)."""
    inner_close = pairs.get(inner, -1)
    outer_close = pairs.get(outer, -1)
    return 0 <= inner_close < outer_close < len(tokens) and outer_close == inner_close + 1 and \
        tokens[inner_close].end == tokens[outer_close].start


def bash_in_tokens(path: str, tokens: list[Token], pairs: dict[int, int],
                        command_indices: list[int] | None = None,
                        candidate_indices: list[int] | None = None) -> list[Finding]:
    out = []

    def report(tok: Token, message: str) -> None:
        out.append(finding(X4_PWSH, path, message, tok.line, tok.column))

    count = len(tokens)
    # Only these commands can be bash: assignments, bash keywords and builtins, 'name() {', if/while/for, '['.
    commands = set()
    for i in (st.command_positions(tokens) if command_indices is None else command_indices):
        t = tokens[i]
        kind = t.kind
        if kind is WORD:
            text = t.text
            if "=" in text or text.lower() in _BASH_COMMAND_WORDS or \
                    i + 1 < count and tokens[i + 1].text == "(" and tokens[i + 1].kind is OPERATOR:
                commands.add(i)
        elif kind is KEYWORD and t.value in ("if", "while", "until", "for") or kind is OPERATOR and t.text == "[":
            commands.add(i)

    def next_of(k: int) -> Token | None:
        """The next token after ``k``, comments skipped."""
        k += 1
        while k < count:
            if tokens[k].kind is not COMMENT:
                return tokens[k]
            k += 1
        return None

    assigned: set[str] | None = None
    assigned_positional: set[str] | None = None
    # Only commands, operators other than brackets, variables and backtick words can be bash here.
    candidates = commands.union(_bash_candidates(tokens) if candidate_indices is None else candidate_indices)
    for i in sorted(candidates):
        tok = tokens[i]
        kind, text = tok.kind, tok.text
        nxt = next_of(i)
        if i in commands:
            low = text.lower()
            if kind == WORD:
                if low == "export" and nxt is not None and nxt.kind == WORD and "=" in nxt.text:
                    name = nxt.text.split("=", 1)[0]
                    report(tok, f"'export {name}=…' is bash; in PowerShell write $env:{name} = '…'")
                elif (m := _ASSIGN_WORD.match(text)) and not text.endswith("=="):
                    name = m.group(1)
                    report(tok, f"'{name}=… command' is bash; in PowerShell set $env:{name} = '…' on its own line "
                                "before the command")
                elif low in _BASH_KEYWORD_FIX:
                    report(tok, _BASH_KEYWORD_FIX[low])
                elif low == "set" and nxt is not None and nxt.kind == PARAMETER and \
                        re.fullmatch(r"-[euxo]+", nxt.value):
                    report(tok, f"'set {nxt.text}' is bash; in PowerShell write $ErrorActionPreference = 'Stop' "
                                "(and $PSNativeCommandUseErrorActionPreference = $true for native commands)")
                elif nxt is not None and nxt.is_op("(") and adjacent(tok, nxt):
                    close = pairs.get(i + 1, -1)
                    after = next_token(tokens, close) if 0 <= close < len(tokens) else None
                    before = st.prev_significant(tokens, i)
                    if close == st.next_significant(tokens, i + 1) and after is not None and after.is_op("{") and \
                            not (before >= 0 and tokens[before].kind == KEYWORD and tokens[before].value == "function"):
                        report(tok, f"'{text}() {{ … }}' is a bash function definition; in PowerShell write "
                                    f"function {text} {{ … }}")
            elif kind == KEYWORD and tok.value in ("if", "while", "until") and nxt is not None and nxt.is_op("["):
                report(tok, f"'{tok.value} [ … ]' is a bash test; in PowerShell write {tok.value} (<condition>) "
                            "{ … } using -eq/-ne/-lt and Test-Path")
            elif kind == KEYWORD and tok.value == "for" and nxt is not None and nxt.kind == WORD:
                report(tok, "'for x in …; do … done' is bash; in PowerShell write foreach ($x in …) { … }")
            elif kind == OPERATOR and text == "[" and nxt is not None and not adjacent(tok, nxt):
                report(tok, "'[ … ]' / 'test' is a bash condition; in PowerShell write if (<condition>) { … } "
                            "with -eq/-ne/-lt and Test-Path")
            elif kind == OPERATOR and text == "[" and nxt is not None and nxt.is_op("[") and adjacent(tok, nxt):
                report(tok, "'[[ … ]]' is a bash condition; in PowerShell write if (<condition>) { … } "
                            "with -and/-or/-match")
        if kind == WORD and text.startswith("`") and len(text) > 2 and text[1].isalpha() and \
                _closing_backtick(tokens, i):
            report(tok, "backtick command substitution is bash; the backtick is PowerShell's escape "
                        "character: write $(command)")
        elif kind == WORD and text == "\\" and (nxt is None or nxt.kind == NEWLINE) and \
                st.prev_significant(tokens, i, skip_newlines=False) >= 0 and \
                tokens[st.prev_significant(tokens, i, skip_newlines=False)].kind != NEWLINE:
            report(tok, "a trailing '\\' is bash's line continuation; PowerShell passes '\\' as an argument and runs "
                        "the next line as a command of its own: end the line with a backtick ` or splat the "
                        "arguments (@args)")
        elif kind == STRING:
            if assigned_positional is None:
                assigned_positional = {t.value for k, t in enumerate(tokens) if t.kind == VARIABLE and
                                       t.value[:1].isdigit() and (a := next_of(k)) is not None and a.is_op("=")}
            for m in BASH_IN_STRING.finditer(text):
                hit = m.group()
                if hit.startswith("$"):
                    if hit[1:] in assigned_positional:
                        continue
                    if _replacement_operand(tokens, i):
                        report(tok, f"\"{hit}\" in a -replace replacement is expanded by PowerShell (to an empty "
                                    f"variable) before -replace sees it; write '{hit}' in single quotes")
                    else:
                        report(tok, f"'{hit}' is a bash positional parameter; in PowerShell it is an unset variable "
                                    f"(empty): use $args[{int(hit[1:]) - 1}] or a param() block")
                elif _statement_command(tokens, i) not in _MESSAGE_COMMANDS:
                    report(tok, f"'{hit}' is bash command substitution; in a PowerShell string the backtick escapes "
                                "the next character: write $(command)")
                break
        if kind == OPERATOR:
            if text in ("<<", "<<<"):
                report(tok, f"'{text}' here-document is bash; in PowerShell pipe a here-string: @' … '@ | command")
            elif text == "$(" and nxt is not None and nxt.is_op("(") and adjacent(tok, nxt) and \
                    _closes_together(tokens, pairs, i, i + 1):
                report(tok, "'$(( … ))' arithmetic expansion is bash; in PowerShell write $(1 + 2) or [math]::…")
            elif text == "$(":
                close = pairs.get(i, -1)
                after = tokens[close + 1] if 0 <= close < len(tokens) - 1 else None
                if after is not None and after.kind == WORD and adjacent(tokens[close], after) and \
                        after.text[:1] in "/\\":
                    report(tok, "'$(…)/path' glued to text is a bash idiom; PowerShell passes two arguments: "
                                "write (Join-Path (…) 'path') or \"$(…)/path\"")
            elif text in (">", ">>", "2>", "2>>", "*>", "1>") and nxt is not None:
                if nxt.kind == WORD and nxt.text == "/dev/null":
                    report(nxt, "'/dev/null' does not exist on Windows; in PowerShell redirect to $null "
                                f"({text} $null) or pipe to Out-Null")
            elif text == "&" and nxt is not None and nxt.text.startswith(">") and adjacent(tok, nxt):
                report(tok, "'&>' is bash; in PowerShell redirect all streams with '*> file'")
        elif kind == VARIABLE:
            name = tok.value
            if _BASH_ENV_VAR.match(name) and assigned is None:
                assigned = {t.value.lower() for k, t in enumerate(tokens)
                            if t.kind == VARIABLE and (after := next_of(k)) is not None and after.is_op("=")}
            if _BASH_ENV_VAR.match(name) and name.lower() not in assigned:
                report(tok, f"${name} is a bash environment variable reference; in PowerShell write $env:{name}")
            elif name == "0":
                report(tok, "$0 is bash; in PowerShell use $PSCommandPath (the script) or $PSScriptRoot (its folder)")
            elif name.isdigit() and name != "0" and len(name) == 1 and not (
                    nxt is not None and adjacent(tok, nxt) and nxt.text[:1] in ".["):
                if assigned_positional is None:
                    assigned_positional = {t.value for k, t in enumerate(tokens) if t.kind == VARIABLE and
                                           t.value[:1].isdigit() and (a := next_of(k)) is not None and a.is_op("=")}
                if name not in assigned_positional:
                    report(tok, f"${name} is a bash positional parameter; in PowerShell it is an unset variable "
                                f"(empty): use $args[{int(name) - 1}] or a param() block")
            elif tok.text.startswith("${") and _BASH_PARAM_EXPANSION.match(name):
                report(tok, f"'{tok.text}' is a bash parameter expansion; in PowerShell write "
                            "if ($env:VAR) { $env:VAR } else { 'default' } or use -replace / .Substring()")
    return out


def bash_in_powershell(path: str, text: str) -> list[Finding]:
    """X4 only, for a PowerShell snippet (a workflow run: step)."""
    parsed = ParsedScript(text)
    return bash_in_tokens(path, parsed.tokens, parsed.pairs)
