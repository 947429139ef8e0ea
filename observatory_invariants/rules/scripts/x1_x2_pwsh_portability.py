"""X1 (Windows-only commands, removed cmdlets, registry drives) and X2 (pwsh-7-only features declared or guarded)
over a parsed PowerShell script."""

from __future__ import annotations

import re

from ...declare import Rule, SubRule
from ...findings import Finding, finding
from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token)
from .powershell_script import ParsedScript, command_name, negated, windows_condition

X1_COMMAND = SubRule("X1.windows-command", "Windows-only command, tool or assembly outside an $IsWindows guard")
X1_REMOVED = SubRule("X1.removed-cmdlet", "Cmdlet removed in PowerShell 7 (WMI, EventLog, PSSnapin…)")
X1_REGISTRY = SubRule("X1.registry", "Registry drive (HKLM:, HKCU:…) outside an $IsWindows guard")
X1 = Rule("X1", "Scripts run on Linux pwsh", "scripts", ("powershell-scripts",), ".lint:run",
          subrules=(X1_COMMAND, X1_REMOVED, X1_REGISTRY), hooks=("observatory-powershell",),
          seed_check="CI shell: pwsh on ubuntu-latest")

X2_UNDECLARED = SubRule("X2.undeclared", "pwsh-7-only syntax or parameter without #Requires -Version 7 or a guard")
X2_NO_FALLBACK = SubRule("X2.no-fallback", "pwsh-7 version guard without a fallback branch")
X2_GUARDED_SYNTAX = SubRule("X2.guarded-syntax",
                            "pwsh-7-only syntax behind a runtime guard (5.1 cannot parse the file)")
X2 = Rule("X2", "pwsh-7-only features declare or guard the version", "scripts", ("powershell-scripts",), ".lint:run",
          subrules=(X2_UNDECLARED, X2_NO_FALLBACK, X2_GUARDED_SYNTAX), hooks=("observatory-powershell",),
          seed_check="run-all-tests.ps1 version check")

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


def version_condition(cond: list[Token]) -> int:
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
        return -sign if negated(cond, k) else sign
    return 0


_X1_BASES = frozenset(("powershell", "powershell_ise", "cmd")) | WINDOWS_TOOLS
_X1_NAMES = frozenset(REMOVED_CMDLETS) | WINDOWS_ONLY_CMDLETS | WINDOWS_TOOLS


def windows_only_calls(path: str, parsed: ParsedScript) -> list[Finding]:
    """X1: Windows-only commands, removed cmdlets and registry drives outside an $IsWindows guard."""
    tokens = parsed.tokens
    guard = parsed.guard("windows", windows_condition)
    out = []
    guard_tail = " or guard it with if ($IsWindows) { … }"
    for i in parsed.commands:
        name = command_name(tokens, i)
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


def _argument_of_command(tokens: list[Token], i: int, commands: set[int]) -> bool:
    """Whether token ``i`` directly follows a command name (so it is parsed as an argument, not an operator)."""
    j = st.prev_significant(tokens, i, skip_newlines=False)
    return j >= 0 and j in commands and tokens[j].kind == WORD and tokens[j].text[:1].isalpha()


def pwsh7_features(parsed: ParsedScript) -> list[tuple[int, str, bool]]:
    """(token index, what, is syntax) for every pwsh-7-only construct."""
    tokens = parsed.tokens
    commands = set(parsed.commands)
    found = []
    defined = {b.name.lower() for b in parsed.blocks if b.keyword in ("function", "filter") and b.name}
    last_command: str | None = None
    for i, tok in enumerate(tokens):
        if i in commands:
            last_command = command_name(tokens, i)
            if last_command in PWSH7_COMMANDS and last_command not in defined:
                found.append((i, f"the command '{tok.text}'", False))
        kind = tok.kind
        if kind == OPERATOR:
            if tok.text in ("??", "??=", "?.", "?") and _argument_of_command(tokens, i, commands):
                continue  # 'Set-Alias ?? Invoke-X': in argument mode '??' is a word, not an operator
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


def version_findings(path: str, parsed: ParsedScript) -> list[Finding]:
    """X2: pwsh-7-only syntax and parameters need #Requires -Version 7 or a version guard with a fallback."""
    tokens = parsed.tokens
    required = st.requires_version(tokens)
    if required is not None and required[0] >= 7:
        return []
    features = pwsh7_features(parsed)
    if not features:
        return []
    guard = parsed.guard("pwsh7", version_condition)
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
