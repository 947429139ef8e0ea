"""X1, X2, X4 (bash in PowerShell) and B4 over PowerShell tokens; X3 via script_paths.

Every rule reads the token list of ``powershell.tokenize``: a ``C:\\`` in a
comment, bash inside a here-string and ``\\d`` in a ``-match`` pattern are
data, never findings. :func:`lint_powershell` is the pure entry point.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ...findings import Finding, finding
from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (COMMENT, KEYWORD, NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING, VARIABLE, WORD,
                                    Token, tokenize)

X1_COMMAND = "X1.windows-command"
X1_REMOVED = "X1.removed-cmdlet"
X1_REGISTRY = "X1.registry"
X2_UNDECLARED = "X2.undeclared"
X2_NO_FALLBACK = "X2.no-fallback"
X2_GUARDED_SYNTAX = "X2.guarded-syntax"
X4_PWSH = "X4.pwsh-bashism"
B4_UNGUARDED = "B4.unguarded"
B4_NULL_COALESCE = "B4.null-coalesce"
B4_NO_FALLBACK = "B4.no-marker-fallback"
B4_NO_FAIL_FAST = "B4.no-fail-fast"

# --- X1 -------------------------------------------------------------------------------------------------

REMOVED_CMDLETS = {
    "get-wmiobject": "Get-CimInstance", "gwmi": "Get-CimInstance", "invoke-wmimethod": "Invoke-CimMethod",
    "set-wmiinstance": "Set-CimInstance", "remove-wmiobject": "Remove-CimInstance",
    "register-wmievent": "Register-CimIndicationEvent", "get-eventlog": "Get-WinEvent",
    "clear-eventlog": "wevtutil / Get-WinEvent", "write-eventlog": "New-WinEvent", "new-eventlog": "New-WinEvent",
    "limit-eventlog": "Get-WinEvent", "remove-eventlog": "Get-WinEvent", "show-eventlog": "Get-WinEvent",
    "add-pssnapin": "Import-Module", "get-pssnapin": "Get-Module", "remove-pssnapin": "Remove-Module",
    "export-console": "a profile script", "convertfrom-string": "-split / regex / ConvertFrom-StringData",
    "convert-string": "-replace", "new-webserviceproxy": "Invoke-RestMethod",
    "add-computer": "the platform's own tooling", "remove-computer": "the platform's own tooling",
    "checkpoint-computer": "the platform's own tooling", "restore-computer": "the platform's own tooling",
    "get-computerrestorepoint": "the platform's own tooling", "enable-computerrestore": "the platform's own tooling",
    "disable-computerrestore": "the platform's own tooling", "reset-computermachinepassword": "the platform's own tooling",
    "test-computersecurechannel": "the platform's own tooling", "get-controlpanelitem": "nothing (Windows GUI)",
    "show-controlpanelitem": "nothing (Windows GUI)", "start-transaction": "explicit rollback logic",
    "use-transaction": "explicit rollback logic", "complete-transaction": "explicit rollback logic",
    "undo-transaction": "explicit rollback logic", "get-transaction": "explicit rollback logic",
    "update-list": "Add/Remove on the collection",
}
WINDOWS_ONLY_CMDLETS = frozenset((
    "get-ciminstance", "invoke-cimmethod", "set-ciminstance", "new-ciminstance", "remove-ciminstance",
    "get-cimclass", "new-cimsession", "get-service", "start-service", "stop-service", "restart-service",
    "set-service", "new-service", "remove-service", "suspend-service", "resume-service", "get-acl", "set-acl",
    "get-winevent", "new-winevent", "get-counter", "get-hotfix", "get-localuser", "new-localuser",
    "get-localgroup", "add-localgroupmember", "get-printer", "get-wuinstall", "get-authenticodesignature",
    "set-authenticodesignature", "get-executionpolicy", "set-executionpolicy", "new-psdrive-registry",
    "get-pfxcertificate", "set-itemproperty-registry", "restart-computer", "stop-computer", "rename-computer",
))
WINDOWS_TOOLS = frozenset((
    "reg", "wmic", "netsh", "icacls", "robocopy", "xcopy", "taskkill", "tasklist", "msiexec", "regsvr32",
    "certutil", "schtasks", "bcdedit", "wevtutil", "setx", "takeown", "attrib", "mklink", "choco", "winget",
    "clip", "ipconfig", "systeminfo", "cscript", "wscript", "mshta", "rundll32", "vssadmin", "diskpart", "dism",
    "sfc", "gpupdate", "sc.exe", "where.exe", "net.exe", "start.exe", "explorer", "notepad", "mstsc",
))
WINDOWS_ASSEMBLIES = frozenset(("system.windows.forms", "presentationframework", "presentationcore", "windowsbase",
                                "microsoft.visualbasic"))
_REGISTRY_PREFIX = re.compile(r"^(?:HKLM|HKCU|HKCR|HKU|HKCC):|^Registry::|^Microsoft\.Win32\.Registry", re.IGNORECASE)

# --- X2 -------------------------------------------------------------------------------------------------

PWSH7_SYNTAX = {
    "&&": "the pipeline chain operator '&&'", "||": "the pipeline chain operator '||'",
    "??": "the null-coalescing operator '??'", "??=": "the null-coalescing assignment '??='",
    "?.": "the null-conditional member access '?.'", "?": "the ternary operator '? :'",
}
PWSH7_PARAMETERS = {("foreach-object", "-parallel"), ("%", "-parallel"), ("foreach", "-parallel"),
                    ("convertfrom-json", "-ashashtable"), ("get-content", "-asbytestream"),
                    ("test-connection", "-tcpport"), ("select-string", "-raw")}
PWSH7_COMMANDS = frozenset(("test-json", "get-error", "join-string", "convertfrom-markdown", "get-uptime",
                            "remove-alias", "get-markdownoption", "set-markdownoption", "show-markdown"))

# --- X4 in PowerShell -------------------------------------------------------------------------------------

_BASH_KEYWORD_FIX = {
    "then": "'if [ … ]; then … fi' is bash; write if (<condition>) { … } in PowerShell",
    "fi": "'fi' is bash; close the if block with '}' in PowerShell",
    "elif": "'elif' is bash; write elseif (<condition>) { … } in PowerShell",
    "done": "'do … done' is bash; write foreach ($item in $list) { … } / while (<condition>) { … } in PowerShell",
    "esac": "'case … esac' is bash; write switch ($value) { 'a' { … } default { … } } in PowerShell",
    "case": "'case … in' is bash; write switch ($value) { 'a' { … } default { … } } in PowerShell",
    "source": "'source FILE' is bash; dot-source in PowerShell: . ./file.ps1",
}
_ASSIGN_WORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_BASH_ENV_VAR = re.compile(r"^(?:GITHUB|RUNNER|ACTIONS)_[A-Z0-9_]+$")
_BASH_PARAM_EXPANSION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?::[-=+?]|//?|##?|%%?|:[0-9])|^#|^!")


def _next(tokens: list[Token], i: int) -> Token | None:
    j = st.next_significant(tokens, i, skip_newlines=False)
    return tokens[j] if j < len(tokens) else None


def _adjacent(a: Token, b: Token | None) -> bool:
    return b is not None and a.end == b.start


_BRACKETS = frozenset(("{", "}", ")", "]", ",", ";", "=", "|"))


# Outside command position only these can be bash: here-documents, '$(', redirections, '&>', backtick words,
# $GITHUB_*/$RUNNER_*/$ACTIONS_* and $0, and ${...} parameter expansions (see the checks below).
_BASH_OPERATORS = frozenset(("<<", "<<<", "$(", ">", ">>", "2>", "2>>", "*>", "1>", "&"))
_BASH_VARIABLE_START = frozenset("GRA0")


def _bash_candidate(t: Token) -> bool:
    kind = t.kind
    if kind is VARIABLE:
        return t.value[:1] in _BASH_VARIABLE_START or t.text.startswith("${")
    if kind is OPERATOR:
        return t.text in _BASH_OPERATORS
    return kind is WORD and t.text[0] == "`"


def _bash_candidates(tokens: list[Token]) -> list[int]:
    """Indices of the tokens that can be bash besides commands (the others cannot give an X4 finding)."""
    return [i for i, t in enumerate(tokens) if _bash_candidate(t)]


def _bash_in_powershell(path: str, tokens: list[Token], pairs: dict[int, int],
                        command_indices: list[int] | None = None,
                        candidate_indices: list[int] | None = None) -> list[Finding]:
    out = []

    def report(tok: Token, message: str) -> None:
        out.append(finding(X4_PWSH, path, message, tok.line, tok.column))

    commands = set(st.command_positions(tokens) if command_indices is None else command_indices)
    count = len(tokens)

    def next_of(k: int) -> Token | None:
        """The next token after ``k``, comments skipped."""
        k += 1
        while k < count:
            if tokens[k].kind is not COMMENT:
                return tokens[k]
            k += 1
        return None

    assigned: set[str] | None = None
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
                elif nxt is not None and nxt.is_op("(") and _adjacent(tok, nxt):
                    close = pairs.get(i + 1, -1)
                    after = _next(tokens, close) if 0 <= close < len(tokens) else None
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
            elif kind == OPERATOR and text == "[" and nxt is not None and not _adjacent(tok, nxt):
                report(tok, "'[ … ]' / 'test' is a bash condition; in PowerShell write if (<condition>) { … } "
                            "with -eq/-ne/-lt and Test-Path")
            elif kind == OPERATOR and text == "[" and nxt is not None and nxt.is_op("[") and _adjacent(tok, nxt):
                report(tok, "'[[ … ]]' is a bash condition; in PowerShell write if (<condition>) { … } "
                            "with -and/-or/-match")
        if kind == WORD and text.startswith("`") and len(text) > 2 and re.fullmatch(r"[A-Za-z][\w .\-]*", (
                text[1:-1] if text.endswith("`") else text[1:])) and (
                text.endswith("`") or (nxt is not None and nxt.text == "`" and _adjacent(tok, nxt))):
            report(tok, "backtick command substitution is bash; the backtick is PowerShell's escape "
                        "character: write $(command)")
        if kind == OPERATOR:
            if text in ("<<", "<<<"):
                report(tok, f"'{text}' here-document is bash; in PowerShell pipe a here-string: @' … '@ | command")
            elif text == "$(" and nxt is not None and nxt.is_op("(") and _adjacent(tok, nxt):
                report(tok, "'$(( … ))' arithmetic expansion is bash; in PowerShell write $(1 + 2) or [math]::…")
            elif text == "$(":
                close = pairs.get(i, -1)
                after = tokens[close + 1] if 0 <= close < len(tokens) - 1 else None
                if after is not None and after.kind == WORD and _adjacent(tokens[close], after) and \
                        after.text[:1] in "/\\":
                    report(tok, "'$(…)/path' glued to text is a bash idiom; PowerShell passes two arguments: "
                                "write (Join-Path (…) 'path') or \"$(…)/path\"")
            elif text in (">", ">>", "2>", "2>>", "*>", "1>") and nxt is not None:
                if nxt.kind == WORD and nxt.text == "/dev/null":
                    report(nxt, "'/dev/null' does not exist on Windows; in PowerShell redirect to $null "
                                f"({text} $null) or pipe to Out-Null")
            elif text == "&" and nxt is not None and nxt.text.startswith(">") and _adjacent(tok, nxt):
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
            elif tok.text.startswith("${") and _BASH_PARAM_EXPANSION.match(name):
                report(tok, f"'{tok.text}' is a bash parameter expansion; in PowerShell write "
                            "if ($env:VAR) { $env:VAR } else { 'default' } or use -replace / .Substring()")
    return out


# --- guards -----------------------------------------------------------------------------------------------

def _negated(tokens: list[Token], k: int) -> bool:
    j = st.prev_significant(tokens, k)
    return j >= 0 and (tokens[j].value == "-not" or tokens[j].is_op("!"))


def windows_condition(cond: list[Token]) -> int:
    """+1 when the condition is true only on Windows, -1 only elsewhere, 0 unknown."""
    for k, tok in enumerate(cond):
        low = tok.value.lower() if isinstance(tok.value, str) else ""
        sign = 0
        if tok.kind == VARIABLE and low == "iswindows" or tok.kind == WORD and low.lstrip(".:") == "iswindows":
            sign = 1
        elif tok.kind == VARIABLE and low in ("islinux", "ismacos") or \
                tok.kind == WORD and low.lstrip(".:") in ("islinux", "ismacos"):
            sign = -1
        elif tok.kind == STRING and low in ("windows_nt", "win32nt", "desktop"):
            j = st.prev_significant(cond, k)
            op = cond[j].value if j >= 0 else ""
            sign = 1 if op in ("-eq", "-ieq", "-ceq") else -1 if op in ("-ne", "-ine", "-cne") else 0
            if sign:
                start = j - 1
                while start > 0 and cond[start - 1].kind in (WORD, VARIABLE):
                    start -= 1
                return -sign if _negated(cond, max(start, 0)) else sign
        if sign:
            start = k
            if tok.kind == WORD and k >= 2 and cond[k - 1].is_op("::"):
                start = k - 1
                while start > 0 and not cond[start].is_op("["):
                    start -= 1
            nxt = cond[k + 1] if k + 1 < len(cond) else None
            if nxt is not None and nxt.value in ("-eq",) and k + 2 < len(cond) and \
                    cond[k + 2].value.lower() == "false":
                sign = -sign
            return -sign if _negated(cond, start) else sign
    return 0


def _version_condition(cond: list[Token]) -> int:
    """+1 when the condition holds only on PowerShell 7+, -1 only below 7, 0 unknown."""
    for k, tok in enumerate(cond):
        if not (tok.kind == VARIABLE and tok.value.lower() == "psversiontable"):
            continue
        member = cond[k + 1].text.lower() if k + 1 < len(cond) else ""
        if not member.startswith(".psversion"):
            continue
        rest = cond[k + 2:k + 4]
        if len(rest) < 2 or rest[1].kind != NUMBER:
            continue
        try:
            number = float(rest[1].text)
        except ValueError:
            continue
        op = rest[0].value
        holds = {"-ge": number >= 7, "-gt": number >= 6, "-eq": number >= 7}.get(op)
        below = {"-lt": number <= 7, "-le": number <= 6}.get(op)
        sign = 1 if holds else -1 if below else 0
        return -sign if _negated(cond, k) else sign
    return 0


_PSSCRIPTROOT_NAMES = ("psscriptroot", "pscommandpath")


def _root_use_at(tokens: list[Token], k: int) -> tuple[bool, bool]:
    """(is a $PSScriptRoot-like value at k, can it be $null?) — $MyInvocation.MyCommand.Path can be null."""
    tok = tokens[k]
    if tok.kind != VARIABLE:
        return False, False
    name = tok.value.lower().split(":", 1)[-1]
    if name in _PSSCRIPTROOT_NAMES:
        return True, False
    if name == "myinvocation" and k + 1 < len(tokens) and tokens[k + 1].kind == WORD and \
            _adjacent(tok, tokens[k + 1]) and tokens[k + 1].text.lower().startswith((".mycommand.path",
                                                                                        ".mycommand.definition")):
        return True, True
    return False, False


def root_condition(cond: list[Token]) -> int:
    """+1 when the condition is true only if $PSScriptRoot (or the like) is non-empty, -1 only if empty."""
    for k in range(len(cond)):
        is_root, _ = _root_use_at(cond, k)
        if not is_root:
            continue
        start = k
        sign = 1
        j = st.prev_significant(cond, k)
        if j >= 1 and cond[j].is_op("(") and cond[j - 1].kind == WORD and \
                cond[j - 1].text.lower() in ("isnullorempty", "isnullorwhitespace"):
            sign = -1
            start = j - 1
            while start > 0 and not cond[start].is_op("["):
                start -= 1
        else:
            after = k + 2 if cond[k].value.lower() == "myinvocation" else k + 1
            if after + 1 < len(cond) and cond[after].kind == OPERATOR and cond[after].value in (
                    "-eq", "-ne", "-ieq", "-ine", "-ceq", "-cne"):
                empty = cond[after + 1].kind == STRING and cond[after + 1].value == "" or \
                    cond[after + 1].kind == VARIABLE and cond[after + 1].value.lower() == "null"
                if empty:
                    sign = -1 if cond[after].value.endswith("eq") else 1
            elif j >= 1 and cond[j].kind == OPERATOR and cond[j].value in ("-eq", "-ne") and \
                    cond[j - 1].kind == VARIABLE and cond[j - 1].value.lower() == "null":
                sign = -1 if cond[j].value == "-eq" else 1
                start = j - 1
        return -sign if _negated(cond, start) else sign
    return 0


# --- the rules ----------------------------------------------------------------------------------------------

_MAY_MATTER = re.compile(r"[:\\%$]").search


class _Parsed:
    """A tokenized script with its structure, computed once and shared by the rules."""

    def __init__(self, text: str | None = None, tokens: list[Token] | None = None):
        self.tokens = tokens if tokens is not None else tokenize(text or "")
        self.pairs = st.match_brackets(self.tokens)
        self.blocks = st.blocks(self.tokens, self.pairs)
        self.chains = st.if_chains(self.tokens, self.blocks)
        self.commands = st.command_positions(self.tokens)
        # (token, top-level host index) of the tokens some rule looks inside: words and strings that could hold
        # a path, registry drive or $PSScriptRoot, all variables, -AssemblyName; string subexpressions included.
        self.interesting: list[tuple[Token, int]] = []
        self.nested_groups: list[list[Token]] = []
        # Tokens X4 looks at besides commands (see _bash_candidates), collected in the same pass.
        self.bash_candidates: list[int] = []
        keep = self.interesting.append
        candidate = self.bash_candidates.append
        for host, tok in enumerate(self.tokens):
            kind = tok.kind
            if kind is VARIABLE:
                keep((tok, host))
                if tok.value[:1] in _BASH_VARIABLE_START or tok.text.startswith("${"):
                    candidate(host)
            elif kind is OPERATOR:
                if tok.text in _BASH_OPERATORS:
                    candidate(host)
            elif kind is WORD:
                if _MAY_MATTER(tok.text):
                    keep((tok, host))
                if tok.text[0] == "`":
                    candidate(host)
            elif kind is STRING and _MAY_MATTER(tok.text) or kind is PARAMETER and tok.value == "-assemblyname":
                keep((tok, host))
            if tok.nested:
                for inner, _ in st.walk([tok]):
                    if inner is tok:
                        continue
                    if inner.kind in (VARIABLE, WORD, STRING, PARAMETER):
                        keep((inner, host))
                    self.nested_groups.extend(inner.nested)
                self.nested_groups.extend(tok.nested)
        self._guards: dict[str, st.GuardIndex] = {}

    def guard(self, name: str, classify) -> st.GuardIndex:
        if name not in self._guards:
            self._guards[name] = st.GuardIndex(self.tokens, self.blocks, self.chains, classify)
        return self._guards[name]


def _command_name(tokens: list[Token], i: int) -> str | None:
    """The command a command-position token names ('git.exe', 'cmd'), unwrapping '& "x.exe"'."""
    tok = tokens[i]
    if tok.kind == OPERATOR and tok.text in ("&", ".") or tok.kind == WORD and tok.text == ".":
        j = st.next_significant(tokens, i, skip_newlines=False)
        if j >= len(tokens):
            return None
        tok = tokens[j]
    if tok.kind in (WORD, KEYWORD, STRING):
        value = tok.value
        if "/" not in value and "\\" not in value:
            return value.lower() or None
        name = value.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return name or None
    if tok.kind == OPERATOR and tok.text == "%":
        return "%"
    return None


_X1_BASES = frozenset(("powershell", "powershell_ise", "cmd")) | WINDOWS_TOOLS
_X1_NAMES = frozenset(REMOVED_CMDLETS) | WINDOWS_ONLY_CMDLETS | WINDOWS_TOOLS


def windows_only_calls(path: str, parsed: _Parsed) -> list[Finding]:
    """X1: Windows-only commands, removed cmdlets and registry drives outside an $IsWindows guard."""
    tokens = parsed.tokens
    guard = parsed.guard("windows", windows_condition)
    out = []
    guard_tail = " or guard it with if ($IsWindows) { … }"
    for i in parsed.commands:
        name = _command_name(tokens, i)
        if not name:
            continue
        base = name[:-4] if name.endswith(".exe") else name
        if not (base in _X1_BASES or name in _X1_NAMES or name.endswith(".exe")) or guard.guarded(i):
            continue  # (the guard is looked up only for a name that would be a finding)
        tok = tokens[i]
        message = rule = None
        if base in ("powershell", "powershell_ise"):
            rule, message = X1_COMMAND, f"'{name}' is Windows PowerShell and does not exist on Linux; call pwsh"
        elif base == "cmd":
            rule, message = X1_COMMAND, (f"'{name}' exists only on Windows; run the command directly from pwsh "
                                         f"(or use Start-Process / & tool){guard_tail}")
        elif name in REMOVED_CMDLETS:
            rule, message = X1_REMOVED, (f"'{tok.text}' was removed in PowerShell 7 and fails under pwsh; use "
                                         f"{REMOVED_CMDLETS[name]}{guard_tail if 'Cim' in REMOVED_CMDLETS[name] else ''}")
        elif name in WINDOWS_ONLY_CMDLETS:
            rule, message = X1_COMMAND, f"'{tok.text}' works only on Windows; use a cross-platform alternative{guard_tail}"
        elif name in WINDOWS_TOOLS or base in WINDOWS_TOOLS:
            rule, message = X1_COMMAND, f"'{name}' is a Windows-only tool; use a cross-platform alternative{guard_tail}"
        elif name.endswith(".exe"):
            rule, message = X1_COMMAND, (f"'{name}': executables have no .exe suffix on Linux/macOS; "
                                         f"call '{base}'{guard_tail}")
        if rule:
            out.append(finding(rule, path, message, tok.line, tok.column))
    for tok, host in parsed.interesting:
        if tok.kind in (WORD, STRING) and ":" in tok.value and _REGISTRY_PREFIX.match(tok.value) and \
                not guard.guarded(host):
            out.append(finding(X1_REGISTRY, path, f"'{tok.value[:60]}' is a Windows registry path and fails on "
                               f"Linux/macOS; keep the setting in a file or environment variable{guard_tail}",
                               tok.line, tok.column))
        elif tok.kind == PARAMETER and tok.value == "-assemblyname":
            j = st.next_significant(tokens, host, skip_newlines=False) if tok is tokens[host] else -1
            if 0 <= j < len(tokens) and tokens[j].value.lower().strip() in WINDOWS_ASSEMBLIES and \
                    not guard.guarded(host):
                out.append(finding(X1_COMMAND, path, f"assembly '{tokens[j].value}' exists only on Windows"
                                   f"{guard_tail}", tokens[j].line, tokens[j].column))
    return out


def _is_ternary(tokens: list[Token], i: int, commands: set[int]) -> bool:
    j = st.prev_significant(tokens, i, skip_newlines=False)
    if j < 0 or tokens[j].kind == NEWLINE:
        return False
    prev = tokens[j]
    if prev.kind == OPERATOR:
        return prev.text in (")", "]")
    if prev.kind in (VARIABLE, NUMBER, STRING):
        return True
    return prev.kind == WORD and j not in commands


def pwsh7_features(parsed: _Parsed) -> list[tuple[int, str, bool]]:
    """(token index, what, is syntax) for every pwsh-7-only construct."""
    tokens = parsed.tokens
    commands = set(parsed.commands)
    found = []
    last_command: str | None = None
    for i, tok in enumerate(tokens):
        if i in commands:
            last_command = _command_name(tokens, i)
            if last_command in PWSH7_COMMANDS:
                found.append((i, f"the command '{tok.text}'", False))
        kind = tok.kind
        if kind == OPERATOR:
            if tok.text in ("&&", "||", "??", "??=", "?."):
                found.append((i, PWSH7_SYNTAX[tok.text], True))
            elif tok.text == "?" and _is_ternary(tokens, i, commands):
                found.append((i, PWSH7_SYNTAX["?"], True))
            elif tok.text in (";", "|", "{", "}", "(", ")"):
                pass
        elif kind == PARAMETER and last_command and (last_command, tok.value.rstrip(":")) in PWSH7_PARAMETERS:
            found.append((i, f"'{last_command} {tok.text}'", False))
        elif kind == NEWLINE:
            last_command = None
    return found


def version_findings(path: str, parsed: _Parsed) -> list[Finding]:
    """X2: pwsh-7-only syntax and parameters need #Requires -Version 7 or a version guard with a fallback."""
    tokens = parsed.tokens
    required = st.requires_version(tokens)
    if required is not None and required[0] >= 7:
        return []
    features = pwsh7_features(parsed)
    if not features:
        return []
    guard = parsed.guard("pwsh7", _version_condition)
    out = []
    for i, what, syntax in features:
        tok = tokens[i]
        branch = guard.branch_for(i)
        if branch is not None or guard.guarded_by_exit(i):
            if syntax:
                out.append(finding(X2_GUARDED_SYNTAX, path,
                                   f"{what} needs PowerShell 7: Windows PowerShell 5.1 cannot even parse this file, "
                                   "so a runtime $PSVersionTable guard does not help; add '#Requires -Version 7' "
                                   "or move the pwsh-7 code to a separate script", tok.line, tok.column, "warning"))
            elif branch is not None and len(branch[1].branches) < 2:
                out.append(finding(X2_NO_FALLBACK, path,
                                   f"{what} is guarded by a PowerShell 7 check with no fallback branch; add an "
                                   "else { … } that does the same work sequentially (e.g. a plain foreach)",
                                   tok.line, tok.column))
            continue
        req = f" (the file requires {required[0]}.{required[1]})" if required else ""
        alt = {"the pipeline chain operator '&&'": "; or write 'cmd1; if ($?) { cmd2 }'",
               "the pipeline chain operator '||'": "; or write 'cmd1; if (-not $?) { cmd2 }'",
               "the null-coalescing operator '??'": "; or write 'if ($null -eq $a) { $b } else { $a }'",
               "the ternary operator '? :'": "; or write 'if (<c>) { $a } else { $b }'"}.get(what, "")
        out.append(finding(X2_UNDECLARED, path,
                           f"{what} needs PowerShell 7 but the script does not declare it{req}: add "
                           "'#Requires -Version 7' at the top, or guard with "
                           "if ($PSVersionTable.PSVersion.Major -ge 7) { … } else { <sequential fallback> }" + alt,
                           tok.line, tok.column))
    return out


_LOG_COMMANDS = frozenset(("write-host", "write-verbose", "write-debug", "write-information", "write-output",
                           "write-warning", "echo"))
_LOOP_KEYWORDS = frozenset(("while", "for", "do", "until", "foreach"))
_ROOT_IN_STRING = re.compile(r"\$(?:\{)?(?:script:)?(?:PSScriptRoot|PSCommandPath)\b|\$MyInvocation\.MyCommand\.(?:Path|Definition)",
                             re.IGNORECASE)


def _statement_command(parsed: _Parsed, i: int) -> str | None:
    best = None
    for c in parsed.commands:
        if c > i:
            break
        best = c
    return _command_name(parsed.tokens, best) if best is not None else None


def _region_tokens(parsed: _Parsed, start: int, end: int, functions: dict[str, st.Block], depth: int = 0):
    """Tokens in [start, end) plus the bodies of functions called there (one level)."""
    tokens = parsed.tokens
    for i in range(start, min(end, len(tokens))):
        yield tokens[i]
        if depth == 0 and tokens[i].kind == WORD and tokens[i].text.lower() in functions:
            body = functions[tokens[i].text.lower()]
            yield from _region_tokens(parsed, body.open, body.close, functions, depth + 1)


def _marker_search(region: list[Token]) -> tuple[bool, bool]:
    """(walks upward looking for a marker, fails fast when none is found) for a list of tokens."""
    loop = any(t.kind == KEYWORD and t.value in _LOOP_KEYWORDS for t in region)
    probe = any(t.kind == WORD and t.text.lower() in ("test-path", "get-childitem", "gci", "ls")
                or t.kind == WORD and t.text.lower().endswith((".exists", ".exists()"))
                for t in region)
    fails = any(t.kind == KEYWORD and t.value in ("throw", "exit") for t in region) or any(
        t.kind == WORD and t.text.lower() == "write-error" for t in region) and any(
        t.kind == PARAMETER and t.value.startswith("-erroraction") for t in region)
    return loop and probe, fails


def _variable_name(tok: Token) -> str:
    """A variable's name for comparisons: lower case, scope prefix ('script:', 'local:'…) dropped."""
    name = tok.value.lower()
    if tok.text.startswith("${"):
        name = name.strip()
    if ":" in name and not name.startswith("env:"):
        name = name.split(":", 1)[1]
    return name


def _assigned_at(tokens: list[Token], i: int) -> bool:
    """Whether the variable at ``i`` is assigned (``$x = …``)."""
    j = st.next_significant(tokens, i, skip_newlines=False)
    return j < len(tokens) and tokens[j].is_op("=")


def _fallback_consumers(parsed: _Parsed, chain: st.IfChain, empty_block: st.Block | None,
                        functions: dict[str, st.Block]) -> list[Token]:
    """Bodies of the functions the guard's fallback value is handed to, after the if-chain in the same scope.

    The fallback value is the variable the chain is assigned to (``$dir = if ($PSScriptRoot) { … } else
    { … }``) and the variables the empty-case branch assigns. A call ``Find-Root -Start $dir`` of a
    function defined in the script, before ``$dir`` is assigned again, makes that function's body (and
    the functions it calls) part of the empty case: the marker search and fail-fast may live there.
    """
    tokens = parsed.tokens
    tracked: set[str] = set()
    j = st.prev_significant(tokens, chain.start, skip_newlines=False)
    if j >= 1 and tokens[j].is_op("=") and tokens[j - 1].kind == VARIABLE:
        tracked.add(_variable_name(tokens[j - 1]))
    if empty_block is not None:
        for i in range(empty_block.open + 1, min(empty_block.close, len(tokens))):
            if tokens[i].kind == VARIABLE and _assigned_at(tokens, i):
                tracked.add(_variable_name(tokens[i]))
    if not tracked or not functions:
        return []
    around = st.enclosing(parsed.blocks, chain.start)
    scope_end = min(around[-1].close if around else len(tokens), len(tokens))
    # calls inside functions defined after the chain are not on this path
    skipped = [(b.open, b.close) for b in parsed.blocks if b.keyword == "function" and b.open > chain.end]
    commands = set(parsed.commands)
    found: list[Token] = []
    called: set[str] = set()
    i = chain.end + 1
    while i < scope_end and tracked:
        inside = next((close for open_, close in skipped if open_ <= i <= close), None)
        if inside is not None:
            i = inside + 1
            continue
        tok = tokens[i]
        if tok.kind == VARIABLE and _variable_name(tok) in tracked and _assigned_at(tokens, i):
            tracked.discard(_variable_name(tok))   # a new value: the fallback no longer flows from here
        elif i in commands and tok.kind == WORD and tok.text.lower() in functions and tok.text.lower() not in called:
            k = i + 1
            while k < scope_end and tokens[k].kind != NEWLINE and not tokens[k].is_op(";", "|"):
                if tokens[k].kind == VARIABLE and _variable_name(tokens[k]) in tracked:
                    body = functions[tok.text.lower()]
                    called.add(tok.text.lower())
                    found.extend(_region_tokens(parsed, body.open, body.close, functions))
                    break
                k += 1
        i += 1
    return found


def root_findings(path: str, parsed: _Parsed) -> list[Finding]:
    """B4: $PSScriptRoot-derived paths need the empty guard, a marker-based fallback and a fail-fast."""
    tokens = parsed.tokens
    guard = parsed.guard("root", root_condition)
    conditions = [b.condition for chain in parsed.chains for b in chain.branches if b.condition is not None]
    functions = {b.name.lower(): b for b in parsed.blocks if b.keyword == "function" and b.name}
    out = []
    for tok, host in parsed.interesting:
        uses: list[tuple[Token, bool, int | None]] = []
        if tok.kind == VARIABLE and tok is tokens[host]:
            is_root, nullable = _root_use_at(tokens, host)
            if is_root:
                uses.append((tok, nullable, host))
        elif tok.kind == STRING and (tok.text.startswith('"') or tok.text.startswith('@"')) and \
                _ROOT_IN_STRING.search(tok.value):
            uses.append((tok, False, None))
        elif tok.kind == VARIABLE:  # inside a string subexpression
            name = tok.value.lower().split(":", 1)[-1]
            if name in _PSSCRIPTROOT_NAMES:
                uses.append((tok, False, None))
        for use, nullable, index in uses:
            if any(a <= host < b and root_condition(tokens[a:b]) != 0 for a, b in conditions):
                continue  # the guard itself
            if guard.guarded(host):
                continue
            if _statement_command(parsed, host) in _LOG_COMMANDS:
                continue
            if index is not None:
                after = st.next_significant(tokens, index + (1 if nullable else 0), skip_newlines=False)
                if after < len(tokens) and tokens[after].is_op("??"):
                    if nullable:
                        continue  # $MyInvocation.MyCommand.Path really is $null when there is no script file
                    out.append(finding(B4_NULL_COALESCE, path,
                                       "'$PSScriptRoot ?? …' never falls back: $PSScriptRoot is an empty string, not "
                                       "$null, when the script runs via -Command; write if ($PSScriptRoot) { … } "
                                       "else { <search upward for a marker> }", use.line, use.column))
                    continue
            out.append(finding(B4_UNGUARDED, path,
                               f"path derived from {use.text if use.kind == VARIABLE else '$PSScriptRoot'} without "
                               "checking it is non-empty (it is empty when the script runs via pwsh -Command or "
                               "is dot-sourced interactively); use the Hardened Root Resolution Pattern: "
                               "$root = if ($PSScriptRoot) { … } else { <walk up from Get-Location to a marker "
                               "such as .git> }; throw if no marker is found", use.line, use.column))
    # Every guard needs a marker-based fallback for the empty case, and that fallback needs a fail-fast.
    for chain in parsed.chains:
        verdicts = [root_condition(tokens[b.condition[0]:b.condition[1]]) if b.condition else 0
                    for b in chain.branches]
        if not any(verdicts):
            continue
        first = chain.branches[0]
        empty_region: list[Token] | None = None
        empty_block: st.Block | None = None
        if verdicts[0] < 0:
            empty_block = first.block
            empty_region = list(_region_tokens(parsed, first.block.open, first.block.close, functions))
        elif chain.has_else:
            empty_block = chain.branches[-1].block
            empty_region = list(_region_tokens(parsed, empty_block.open, empty_block.close, functions))
        elif st.contains_exit(tokens, first.block):
            # 'if ($PSScriptRoot) { return $PSScriptRoot }' then the fallback follows in the same scope.
            around = st.enclosing(parsed.blocks, chain.start)
            scope_end = around[-1].close if around else len(tokens)
            empty_region = list(_region_tokens(parsed, chain.end + 1, scope_end, functions))
        kw = tokens[first.block.keyword_index]
        if empty_region is None:
            out.append(finding(B4_NO_FALLBACK, path,
                               "the $PSScriptRoot guard has no branch for the empty case; add else { <walk up from "
                               "Get-Location until a marker such as .git is found> }", kw.line, kw.column))
            continue
        searches, fails = _marker_search(empty_region)
        if not (searches and fails):
            # The fallback value may be handed to a function that does the search: $dir = if (…) { … }
            # else { (Get-Location).Path }; $root = Resolve-RepoRoot -StartDir $dir
            consumers = _fallback_consumers(parsed, chain, empty_block, functions)
            if consumers:
                searches, fails = _marker_search(empty_region + consumers)
        if not searches:
            out.append(finding(B4_NO_FALLBACK, path,
                               "when $PSScriptRoot is empty this script does not search for the repository root; "
                               "walk up from (Get-Location) with Split-Path -Parent until Test-Path (Join-Path $dir "
                               "'.git') succeeds", kw.line, kw.column))
        elif not fails:
            out.append(finding(B4_NO_FAIL_FAST, path,
                               "the marker search has no fail-fast: when no marker is found, stop with "
                               "throw 'Cannot find the repository root (no .git above <dir>)'", kw.line, kw.column))
    return out


def lint_powershell(path: str, text: str, options: Mapping[str, Any] | None = None, *,
                    b4: bool = True, tokens: list[Token] | None = None) -> list[Finding]:
    """All PowerShell rules (X1, X2, X3, X4, B4) for one script's text."""
    from .x3_windows_paths import powershell_paths

    options = options or {}
    parsed = _Parsed(text, tokens)
    out = []
    out.extend(windows_only_calls(path, parsed))
    out.extend(version_findings(path, parsed))
    out.extend(_bash_in_powershell(path, parsed.tokens, parsed.pairs, parsed.commands, parsed.bash_candidates))
    for group in parsed.nested_groups:
        out.extend(_bash_in_powershell(path, group, st.match_brackets(group)))
    out.extend(powershell_paths(path, parsed.tokens, options, parsed.guard("windows", windows_condition),
                                flat=parsed.interesting))
    if b4:
        out.extend(root_findings(path, parsed))
    return out


def bash_in_powershell(path: str, text: str) -> list[Finding]:
    """X4 only, for a PowerShell snippet (a workflow run: step)."""
    parsed = _Parsed(text)
    return _bash_in_powershell(path, parsed.tokens, parsed.pairs)
