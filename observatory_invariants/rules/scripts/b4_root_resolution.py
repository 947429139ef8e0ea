"""B4: a script that derives paths from ``$PSScriptRoot`` guards against it being empty and falls back to a
marker-based search for the repository root (the seed map's Hardened Root Resolution Pattern)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (KEYWORD, NEWLINE, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token)
from .context import NO_EVIDENCE, ScriptContext
from .powershell_script import ParsedScript, adjacent, command_name, negated



@dataclass(frozen=True)
class B4Options(Options):
    section = "scripts"

    paths: tuple[str, ...] = option("b4-paths", ("**/*.ps1",), "Globs of the PowerShell scripts B4 checks.")
    strict: bool = option(
        "b4-strict", False,
        "Require the seed map's Hardened Root Resolution Pattern in every script that uses $PSScriptRoot (the guard, "
        "an upward marker search and a fail-fast), not only where the script evidently runs without a script file.")
    entry_points: tuple[str, ...] = option(
        "b4-entry-points", (),
        "Globs of scripts that may run without a script file (pasted, iex, pwsh -Command): B4 reports their "
        "unguarded $PSScriptRoot paths as errors.")


B4_UNGUARDED = SubRule("B4.unguarded", "$PSScriptRoot-derived path used without the empty check")
B4_NULL_COALESCE = SubRule("B4.null-coalesce", "'$PSScriptRoot ?? …' (it is '' not $null, so ?? never falls back)")
B4_NO_FALLBACK = SubRule("B4.no-marker-fallback", "The empty case does not search upward for a marker")
B4_NO_FAIL_FAST = SubRule("B4.no-fail-fast", "The marker search does not fail fast when nothing is found")
B4 = Rule("B4", "$PSScriptRoot is guarded with marker-based root discovery", "scripts", ("powershell-scripts",),
          ".lint:run", subrules=(B4_UNGUARDED, B4_NULL_COALESCE, B4_NO_FALLBACK, B4_NO_FAIL_FAST), options=(B4Options,),
          hooks=("observatory-powershell",), seed_check="Hardened Root Resolution Pattern")

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
            adjacent(tok, tokens[k + 1]) and tokens[k + 1].text.lower().startswith((".mycommand.path",
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
        return -sign if negated(cond, start) else sign
    return 0


_LOG_COMMANDS = frozenset(("write-host", "write-verbose", "write-debug", "write-information", "write-output",
                           "write-warning", "echo", "write-error", "throw", "write-progress"))
_LOOP_KEYWORDS = frozenset(("while", "for", "do", "until", "foreach"))
_ROOT_IN_STRING = re.compile(r"\$(?:\{)?(?:script:|using:)?(?:PSScriptRoot|PSCommandPath)\b|"
                             r"\$MyInvocation\.MyCommand\.(?:Path|Definition)", re.IGNORECASE)


def _statement_command(parsed: ParsedScript, i: int) -> str | None:
    best = None
    for c in parsed.commands:
        if c > i:
            break
        best = c
    return command_name(parsed.tokens, best) if best is not None else None


def _region_tokens(parsed: ParsedScript, start: int, end: int, functions: dict[str, st.Block], depth: int = 0):
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


def _fallback_consumers(parsed: ParsedScript, chain: st.IfChain, empty_block: st.Block | None,
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
    scope = parsed.scope_of(chain.start)
    scope_end = min(scope.close if scope is not None else len(tokens), len(tokens))
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


def _string_derives_path(text: str) -> bool:
    """Whether an expandable string builds a path from the script's location: it starts with the root
    (``"$PSScriptRoot/../x"``, ``"$($PSScriptRoot)"``) or glues a separator to it (``"…$PSScriptRoot\\x"``);
    ``"FATAL: PSScriptRoot='$PSScriptRoot'"`` is a message, and an escaped `` `$PSScriptRoot`` is text."""
    body = text[2:] if text.startswith('@"') else text[1:]
    for m in _ROOT_IN_STRING.finditer(body):
        start, end = m.start(), m.end()
        if start > 0 and body[start - 1] == "`":
            continue
        after = body[end:end + 2]
        if after.startswith("}"):
            after = after[1:]
        if after.startswith(")"):
            after = after[1:]
        before = body[:start].rstrip("$({ ")
        if not before.strip() or after[:1] in ("/", "\\"):
            return True
    return False


def _statement_text(tokens: list[Token], i: int) -> str:
    start = i
    while start > 0 and tokens[start - 1].kind != NEWLINE and not tokens[start - 1].is_op(";"):
        start -= 1
    end = i
    while end < len(tokens) and tokens[end].kind != NEWLINE and not tokens[end].is_op(";"):
        end += 1
    return " ".join(t.text for t in tokens[start:end]).lower()


_DERIVES = ("split-path", "join-path", ".directory", ".parent", "getdirectoryname", "resolve-path", "push-location",
            "set-location")


def _is_root_derivation(tokens: list[Token], host: int, use: Token, nullable: bool) -> bool:
    """``$MyInvocation.MyCommand.Path`` / ``$PSCommandPath`` name the script file itself: a root derivation only when
    the statement takes its folder (Split-Path, .Directory…), not when it relaunches the script
    (``Start-Process … -Verb RunAs``) or passes it on."""
    name = use.value.lower().split(":", 1)[-1] if use.kind == VARIABLE else ""
    if name == "psscriptroot":
        return True
    if not (nullable or name == "pscommandpath"):
        return True
    statement = _statement_text(tokens, host)
    if "start-process" in statement or "-verb" in statement:
        return False
    return any(word in statement for word in _DERIVES)


def _root_guard_evidence(parsed: ParsedScript) -> str:
    """The script tests whether it has a script file (``if (-not $PSScriptRoot)``, ``$MyInvocation.MyCommand.Path
    -eq $null``, ``$PSScriptRoot ?? …``): its author expects it to run without one (iex, -Command, pasted)."""
    tokens = parsed.tokens
    for chain in parsed.chains:
        for branch in chain.branches:
            if branch.condition and root_condition(tokens[branch.condition[0]:branch.condition[1]]) != 0:
                return f"it tests at line {tokens[chain.start].line} whether it was started from a script file"
    for tok, k in parsed.interesting:
        if tok.kind == VARIABLE and tok is tokens[k] and _root_use_at(tokens, k)[0]:
            after = st.next_significant(tokens, k + 1 if tok.value.lower() == "myinvocation" else k,
                                        skip_newlines=False)
            if after < len(tokens) and tokens[after].is_op("??"):
                return f"'?? …' at line {tok.line} expects it to run without a script file"
    return ""


def root_findings(path: str, parsed: ParsedScript, options: "B4Options | None" = None,
                  context: ScriptContext = NO_EVIDENCE) -> list[Finding]:
    """B4: paths derived from ``$PSScriptRoot`` where it can be empty.

    ``$PSScriptRoot`` is set whenever code runs from a script file (PowerShell 3+: ``pwsh -File``, ``& ./x.ps1``,
    dot-sourcing, Import-Module, Invoke-Pester); it is empty for code that does not come from a file: ``iex``,
    ``irm … | iex`` installers, ``pwsh -Command '<code>'``, ``[ScriptBlock]::Create``, pasted code. So by default
    B4 reports an unguarded derivation only where that is evident: the repository runs the script that way
    (``context.no_file``), the config lists it as an entry point (``b4-entry-points``), or the script itself
    tests for a missing script file. ``b4-strict = true`` asks for the seed map's Hardened Root Resolution Pattern
    everywhere (the guard, an upward marker search and a fail-fast), as the seed repository does.
    """
    options = options or B4Options()
    if context.skipped:
        return []
    tokens = parsed.tokens
    strict = options.strict
    at_risk = context.no_file or context.entry_point or _root_guard_evidence(parsed)
    if not strict and not at_risk:
        return []
    why = ""
    if not strict:
        why = f" ({at_risk})" if at_risk else ""
    guard = parsed.guard("root", root_condition)
    in_guard = bytearray(len(tokens))    # tokens of a condition that tests the script file: the guard itself
    for chain in parsed.chains:
        for b in chain.branches:
            if b.condition is not None and root_condition(tokens[b.condition[0]:b.condition[1]]) != 0:
                in_guard[b.condition[0]:b.condition[1]] = b"\x01" * (b.condition[1] - b.condition[0])
    out = []
    for tok, host in parsed.interesting:
        uses: list[tuple[Token, bool, int | None]] = []
        if tok.kind == VARIABLE and tok is tokens[host]:
            is_root, nullable = _root_use_at(tokens, host)
            if is_root:
                uses.append((tok, nullable, host))
        elif tok.kind == STRING and (tok.text.startswith('"') or tok.text.startswith('@"')) and \
                _ROOT_IN_STRING.search(tok.value) and _string_derives_path(tok.text):
            uses.append((tok, False, None))
        elif tok.kind == VARIABLE:  # inside a string subexpression
            name = tok.value.lower().split(":", 1)[-1]
            if name in _PSSCRIPTROOT_NAMES:
                uses.append((tok, False, None))
        for use, nullable, index in uses:
            if in_guard[host]:
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
                                       "$null, when the code does not run from a script file; write "
                                       "if ($PSScriptRoot) { … } else { <search upward for a marker> }",
                                       use.line, use.column))
                    continue
            if index is not None and not _is_root_derivation(tokens, host, use, nullable):
                continue
            if not strict and not at_risk:
                continue
            out.append(finding(B4_UNGUARDED, path,
                               f"path derived from {use.text if use.kind == VARIABLE else '$PSScriptRoot'} without "
                               "checking it is non-empty: it is empty when the code does not run from a script file "
                               f"(iex, pwsh -Command, pasted){why}; resolve the root with "
                               "$root = if ($PSScriptRoot) { … } else { <walk up from Get-Location to a marker "
                               "such as .git> } and throw if no marker is found", use.line, use.column))
    if strict:
        out.extend(_guard_quality(path, parsed))
    return out


def _checked_after(parsed: ParsedScript, chain: st.IfChain, empty_block: st.Block | None) -> bool:
    """A fail-fast after the guard: ``if (-not $Root) { throw … }`` (or exit/return) on a variable the guard or its
    empty case assigns, later in the same scope."""
    tokens = parsed.tokens
    tracked: set[str] = set()
    j = st.prev_significant(tokens, chain.start, skip_newlines=False)
    if j >= 1 and tokens[j].is_op("=") and tokens[j - 1].kind == VARIABLE:
        tracked.add(_variable_name(tokens[j - 1]))
    for branch in chain.branches:
        for i in range(branch.block.open + 1, min(branch.block.close, len(tokens))):
            if tokens[i].kind == VARIABLE and _assigned_at(tokens, i):
                tracked.add(_variable_name(tokens[i]))
    if not tracked:
        return False
    scope = parsed.scope_of(chain.start)
    for other in parsed.chains:
        if other.start <= chain.end or (scope is not None and not scope.contains(other.start)):
            continue
        first = other.branches[0]
        if first.condition is None:
            continue
        names = {_variable_name(t) for t in tokens[first.condition[0]:first.condition[1]] if t.kind == VARIABLE}
        if names & tracked and st.contains_exit(tokens, first.block):
            return True
    return False


def _guard_quality(path: str, parsed: ParsedScript) -> list[Finding]:
    """Strict mode: every guard needs a marker-based fallback for the empty case, and that fallback a fail-fast."""
    tokens = parsed.tokens
    functions = {b.name.lower(): b for b in parsed.blocks if b.keyword == "function" and b.name}
    out = []
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
            scope = parsed.scope_of(chain.start)
            scope_end = scope.close if scope is not None else len(tokens)
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
        if searches and not fails:
            fails = _checked_after(parsed, chain, empty_block)
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
