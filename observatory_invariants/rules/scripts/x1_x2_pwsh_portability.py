"""X1 (Windows-only commands, removed cmdlets, registry drives) and X2 (pwsh-7-only features declared or guarded)
over a parsed PowerShell script."""

from __future__ import annotations

import re

from ...declare import Rule, SubRule
from ...findings import Finding, finding
from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token)
from . import platform_conditions as pc
from .context import NO_EVIDENCE, ScriptContext, desktop_note, portability_note
from .powershell_script import ParsedScript, command_name, is_probe

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
# (command, parameter) -> the first PowerShell major version that has it
PWSH7_PARAMETERS = {("foreach-object", "-parallel"): 7, ("%", "-parallel"): 7, ("foreach", "-parallel"): 7,
                    ("convertfrom-json", "-ashashtable"): 6, ("get-content", "-asbytestream"): 6,
                    ("set-content", "-asbytestream"): 6, ("add-content", "-asbytestream"): 6,
                    ("test-connection", "-tcpport"): 6, ("select-string", "-raw"): 7}
# command -> the first PowerShell major version that has it
PWSH7_COMMANDS = {"test-json": 6, "get-error": 7, "join-string": 6, "convertfrom-markdown": 6, "get-uptime": 6,
                  "remove-alias": 6, "get-markdownoption": 6, "set-markdownoption": 6, "show-markdown": 6}


_X1_BASES = frozenset(("powershell", "powershell_ise", "cmd")) | WINDOWS_TOOLS
_X1_NAMES = frozenset(REMOVED_CMDLETS) | WINDOWS_ONLY_CMDLETS | WINDOWS_TOOLS


def _availability_guards(parsed: ParsedScript) -> list[tuple[str, int, int]]:
    """(command, start, end): regions where a command is known to exist, from ``if (Get-Command X …)`` checks
    (the if-branch) or ``if (-not (Get-Command X …)) { return }`` (the else-branch, or the rest of the scope)."""
    tokens = parsed.tokens
    found = []
    for chain in parsed.chains:
        first = chain.branches[0]
        if first.condition is None:
            continue
        a, b = first.condition
        for k in range(a, b):
            if tokens[k].kind == WORD and tokens[k].text.lower() in ("get-command", "gcm"):
                j = k + 1
                while j < b and tokens[j].kind == PARAMETER:
                    j += 2 if tokens[j].value.rstrip(":") != "-name" else 1
                if j >= b or tokens[j].kind not in (WORD, STRING):
                    continue
                name = tokens[j].value.lower()
                text = "".join(t.text for t in tokens[a:k]).lower().replace(" ", "")
                if "-not" in text or "!" in text:
                    if chain.has_else:
                        else_block = chain.branches[-1].block
                        found.append((name, else_block.open, else_block.close))
                    if st.contains_exit(tokens, first.block):
                        scope = parsed.scope_of(chain.start)
                        found.append((name, chain.end, scope.close if scope is not None else len(tokens)))
                else:
                    found.append((name, first.block.open, first.block.close))
                break
    return found


def windows_only_calls(path: str, parsed: ParsedScript, context: ScriptContext = NO_EVIDENCE) -> list[Finding]:
    """X1: Windows-only commands, removed cmdlets and registry drives that Linux/macOS hosts reach.

    Guards (``$IsWindows``, ``-not $IsLinux``, Pester ``-Skip:``, early exits, ``Get-Command`` checks) remove a
    finding; a Windows-only script has none; the severity follows the evidence that the script runs on
    Linux/macOS (see context.py).
    """
    if context.skipped:
        return []
    tokens = parsed.tokens
    guard = parsed.platform_guard
    severity, tail = portability_note(context)
    available = None
    out = []
    guard_tail = " or guard it with if ($IsWindows) { … }"
    for i in parsed.commands:
        tok = tokens[i]
        if tok.kind is WORD and "/" not in tok.text and "\\" not in tok.text:
            name = tok.text.lower()   # the common case, without a call
        else:
            name = command_name(tokens, i)
            if not name:
                continue
        if not (name in _X1_NAMES or name.endswith(".exe") or name in _X1_BASES):
            continue
        base = name[:-4] if name.endswith(".exe") else name
        if context.windows_only and name not in REMOVED_CMDLETS:
            continue
        if name not in REMOVED_CMDLETS and guard.guarded(i):
            continue  # (the guard is looked up only for a name that would be a finding)
        if available is None:
            available = _availability_guards(parsed)
        if any(n in (name, base) and a < i < b for n, a, b in available):
            continue
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
        if rule is X1_REMOVED:
            # removed from PowerShell 7 on every platform: it bites wherever pwsh runs the script
            if context.portable or context.core_only:
                sev, why = "error", f" (PowerShell 7 runs this script: {context.portable or context.core_only})"
            else:
                sev, why = "warning", (" (warning, not an error: nothing shows PowerShell 7 running this script; "
                                       "Windows PowerShell 5.1 still has it)")
            if guard.desktop_only(i):
                continue  # 'if (-not $IsCoreCLR) { Get-WmiObject … }': only Windows PowerShell gets here
            out.append(finding(rule, path, message + why, tok.line, tok.column, sev))
        elif rule:
            out.append(finding(rule, path, message + tail, tok.line, tok.column, severity))
    if context.windows_only:
        return out
    for tok, host in parsed.interesting:
        if tok.kind in (WORD, STRING) and ":" in tok.value and _REGISTRY_PREFIX.match(tok.value) and \
                not guard.guarded(host) and not is_probe(tokens, host):
            out.append(finding(X1_REGISTRY, path, f"'{tok.value[:60]}' is a Windows registry path and fails on "
                               f"Linux/macOS; keep the setting in a file or environment variable{guard_tail}{tail}",
                               tok.line, tok.column, severity))
        elif tok.kind == PARAMETER and tok.value == "-assemblyname":
            j = st.next_significant(tokens, host, skip_newlines=False) if tok is tokens[host] else -1
            if 0 <= j < len(tokens) and tokens[j].value.lower().strip() in WINDOWS_ASSEMBLIES and \
                    not guard.guarded(host):
                out.append(finding(X1_COMMAND, path, f"assembly '{tokens[j].value}' exists only on Windows"
                                   f"{guard_tail}{tail}", tokens[j].line, tokens[j].column, severity))
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


def pwsh7_features(parsed: ParsedScript) -> list[tuple[int, str, bool, int]]:
    """(token index, what, is syntax, first major version that has it) for every construct PowerShell 5.1 lacks."""
    tokens = parsed.tokens
    commands = set(parsed.commands)
    found = []
    defined = {b.name.lower() for b in parsed.blocks if b.keyword in ("function", "filter") and b.name}
    last_command: str | None = None
    for i, tok in enumerate(tokens):
        if i in commands:
            if tok.kind is WORD and "/" not in tok.text and "\\" not in tok.text:
                last_command = tok.text.lower()
            else:
                last_command = command_name(tokens, i)
            if last_command in PWSH7_COMMANDS and last_command not in defined:
                found.append((i, f"the command '{tok.text}'", False, PWSH7_COMMANDS[last_command]))
        kind = tok.kind
        if kind == OPERATOR:
            if tok.text in ("??", "??=", "?.", "?") and _argument_of_command(tokens, i, commands):
                continue  # 'Set-Alias ?? Invoke-X': in argument mode '??' is a word, not an operator
            if tok.text in ("&&", "||", "??", "??=", "?."):
                found.append((i, PWSH7_SYNTAX[tok.text], True, 7))
            elif tok.text == "?" and _is_ternary(tokens, i, commands):
                found.append((i, PWSH7_SYNTAX["?"], True, 7))
        elif kind == PARAMETER and last_command and (last_command, tok.value.rstrip(":")) in PWSH7_PARAMETERS:
            found.append((i, f"'{last_command} {tok.text}'", False,
                          PWSH7_PARAMETERS[(last_command, tok.value.rstrip(":"))]))
        elif kind == NEWLINE:
            last_command = None
    return found


def _version_branch(parsed: ParsedScript, i: int, minimum: int):
    """The innermost if-chain branch around ``i`` reached only by PowerShell ``minimum``+ (with its chain), or None."""
    reach = parsed.reach
    block = parsed.scope_of(i)
    steps = 0
    while block is not None and steps < 1000:   # innermost first, up the enclosing blocks
        if block.open in reach.branch_masks:
            mask, chain, _number = reach.branch_masks[block.open]
            if mask != pc.ALL and not mask & ~pc.at_least(minimum) & pc.ALL:
                return block, chain
        block = parsed.scope_of(block.open)
        steps += 1
    return None


def version_findings(path: str, parsed: ParsedScript, context: ScriptContext = NO_EVIDENCE) -> list[Finding]:
    """X2: what PowerShell 5.1 lacks (pwsh-7 syntax, cmdlets and parameters) needs '#Requires -Version 7' or a
    version guard with a fallback.

    Syntax (``&&``, ``??``, ternary…) breaks the whole file on 5.1, guard or not. The severity follows the evidence
    that Windows PowerShell 5.1 runs the script (context.py); a script only PowerShell 6+ runs has nothing to fix.
    """
    if context.skipped:
        return []
    tokens = parsed.tokens
    required = st.requires_version(tokens)
    if required is not None and required[0] >= 7:
        return []
    if context.core_only and not context.desktop:
        return []
    features = pwsh7_features(parsed)
    if not features:
        return []
    severity, tail = desktop_note(context)
    guard = parsed.platform_guard
    out = []
    for i, what, syntax, minimum in features:
        tok = tokens[i]
        if syntax and guard.version_guarded(i, 6):
            out.append(finding(X2_GUARDED_SYNTAX, path,
                               f"{what} needs PowerShell 7: Windows PowerShell 5.1 cannot even parse this file, "
                               "so a runtime $PSVersionTable guard does not help; add '#Requires -Version 7' "
                               "or move the pwsh-7 code to a separate script" + tail, tok.line, tok.column, severity))
            continue
        if not syntax and guard.version_guarded(i, minimum):
            branch = _version_branch(parsed, i, minimum)
            if branch is not None and len(branch[1].branches) < 2:
                out.append(finding(X2_NO_FALLBACK, path,
                                   f"{what} is guarded by a PowerShell {minimum} check with no fallback branch; add "
                                   "an else { … } that does the same work sequentially (e.g. a plain foreach)" + tail,
                                   tok.line, tok.column, severity))
            continue
        req = f" (the file requires {required[0]}.{required[1]})" if required else ""
        alt = {"the pipeline chain operator '&&'": "; or write 'cmd1; if ($?) { cmd2 }'",
               "the pipeline chain operator '||'": "; or write 'cmd1; if (-not $?) { cmd2 }'",
               "the null-coalescing operator '??'": "; or write 'if ($null -eq $a) { $b } else { $a }'",
               "the ternary operator '? :'": "; or write 'if (<c>) { $a } else { $b }'"}.get(what, "")
        out.append(finding(X2_UNDECLARED, path,
                           f"{what} needs PowerShell {minimum} but the script does not declare it{req}: add "
                           f"'#Requires -Version {minimum}' at the top, or guard with "
                           f"if ($PSVersionTable.PSVersion.Major -ge {minimum}) {{ … }} else {{ <sequential fallback> }}"
                           + alt + tail, tok.line, tok.column, severity))
    return out
