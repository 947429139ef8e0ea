"""X4 in POSIX sh scripts (``#!/bin/sh``, ``#!/usr/bin/env sh``, dash): bashisms, on shell/ lexer tokens.

Here-document bodies, comments and single-quoted text are data. Each finding
names the POSIX spelling. Also the optional policy that a folder holds
PowerShell only (``powershell-only-folders``).
"""

from __future__ import annotations

import re
from ...findings import Finding, finding
from ...parsers.shell.lexer import COMMENT, HEREDOC, NEWLINE, OP, WORD, ShToken, command_positions, lex, shebang_shell

SH_BASHISM = "X4.sh-bashism"
POWERSHELL_ONLY = "X4.powershell-only-folder"

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
_HEREDOC_EXPANSION = re.compile(r"\$\{[^}\n]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _is_posix_shebang(text: str) -> bool:
    return shebang_shell(text) in POSIX_SHELLS


def bashisms(path: str, text: str) -> list[Finding]:
    """X4: bash-only constructs in a POSIX sh script (call only for #!/bin/sh, dash …)."""
    tokens = lex(text)
    out: list[Finding] = []

    def report(tok: ShToken, message: str, offset: int = 0) -> None:
        out.append(finding(SH_BASHISM, path, f"bashism in a POSIX sh script: {message} "
                           "(or change the shebang to #!/usr/bin/env bash)", tok.line, tok.column + offset))

    commands = set(command_positions(tokens))
    code = [t for t in tokens if t.kind not in (COMMENT, HEREDOC)]
    index = {id(t): k for k, t in enumerate(code)}
    for i, tok in enumerate(tokens):
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
        if tok.kind in (COMMENT, HEREDOC, NEWLINE):
            continue
        k = index[id(tok)]
        nxt = code[k + 1] if k + 1 < len(code) else None
        if tok.kind == OP:
            fix = {"&>": "'&>' is bash; write '>file 2>&1'", "&>>": "'&>>' is bash; write '>>file 2>&1'",
                   "<<<": "'<<<' here-strings are bash; write printf '%s\\n' \"$x\" | command",
                   "<(": "'<( )' process substitution is bash; use a temporary file or a pipe",
                   ">(": "'>( )' process substitution is bash; use a temporary file or a pipe",
                   "|&": "'|&' is bash; write '2>&1 |'", ";;&": "';;&' is bash; repeat the pattern instead",
                   ";&": "';&' fall-through is bash; repeat the commands"}.get(tok.text)
            if fix:
                report(tok, fix)
            elif tok.text == "(" and nxt is not None and nxt.text == "(" and nxt.start == tok.start + 1 and \
                    (k == 0 or code[k - 1].kind == NEWLINE or code[k - 1].text in (";", "&&", "||", "then", "do")):
                report(tok, "'(( … ))' arithmetic commands are bash; write [ \"$((expr))\" -ne 0 ]")
            elif tok.text == "(" and k > 0 and code[k - 1].kind == WORD and code[k - 1].text.endswith("=") and \
                    code[k - 1].start + len(code[k - 1].text) == tok.start and not code[k - 1].quoted:
                report(code[k - 1], "array assignment 'a=(…)' is bash; POSIX sh has no arrays: use set -- a b c "
                                    "or a space-separated string")
            continue
        word = tok.text
        if i in commands:
            if word == "[[":
                report(tok, "'[[ … ]]' is bash; write [ … ] (quote the variables) or use case for patterns")
            elif word == "function":
                report(tok, "the 'function' keyword is bash; write name() { … }")
            elif word == "source":
                report(tok, "'source' is bash; write '. ./file'")
            elif word == "let":
                report(tok, "'let' is bash; write x=$((x + 1))")
            elif word == "select":
                report(tok, "'select' is bash; print a numbered list and read the answer")
            elif word in ("shopt", "declare", "typeset", "mapfile", "readarray", "pushd", "popd", "disown", "complete"):
                report(tok, f"'{word}' is a bash builtin; rewrite with POSIX commands")
            elif word == "set" and nxt is not None and nxt.text == "-o" and k + 2 < len(code) and \
                    code[k + 2].text == "pipefail":
                report(tok, "'set -o pipefail' is not in dash; check each command's status, or use bash")
            elif word == "echo" and nxt is not None and nxt.kind == WORD and re.fullmatch(r"-[neE]*[eE][neE]*", nxt.text):
                report(nxt, f"'echo {nxt.text}' is not portable (dash prints '{nxt.text}'); write printf '…\\n'")
            elif word in _TEST_COMMANDS:
                j = k + 1
                while j < len(code) and code[j].kind == WORD and code[j].text != "]":
                    if code[j].text == "==" and not code[j].quoted:
                        report(code[j], f"'==' in '{word} … ]' is bash; POSIX test compares strings with '='")
                    j += 1
            elif word == "read" and nxt is not None and nxt.text.startswith("-") and re.search(r"[psaentdu]", nxt.text):
                if nxt.text != "-r":
                    report(nxt, f"'read {nxt.text}' options other than -r are bash; write printf 'prompt'; read -r var")
        if i in commands and word == "trap" and k + 1 < len(code):
            j = k + 1
            while j < len(code) and code[j].kind == WORD:
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
                       offset)
        for offset, expansion in tok.expansions:
            name = expansion[2:].split("}")[0] if expansion.startswith("${") else expansion[1:]
            if name in _BASH_VARIABLES:
                report(tok, f"${name} is a bash variable (empty in sh); use a POSIX alternative "
                            "(e.g. awk 'BEGIN{srand(); print int(rand()*32768)}' for $RANDOM)", offset)
                continue
            for pattern, message in _EXPANSION_FORMS:
                if pattern.match(expansion):
                    report(tok, message, offset)
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
