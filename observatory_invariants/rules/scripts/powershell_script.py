"""A PowerShell script parsed once for the script rules (X1–X4, B4): tokens, brackets, blocks, if-chains,
command positions, the tokens rules look inside, and the guard conditions several rules understand
(``$IsWindows``-style platform tests).

Every rule reads the token list of ``parsers.powershell.tokenize``: a ``C:\\`` in a comment, bash inside a
here-string and ``\\d`` in a ``-match`` pattern are data, never findings.
"""

from __future__ import annotations

import re

from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (KEYWORD, NEWLINE, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token, tokenize)
from . import platform_conditions as pc

def next_token(tokens: list[Token], i: int) -> Token | None:
    j = st.next_significant(tokens, i, skip_newlines=False)
    return tokens[j] if j < len(tokens) else None


def adjacent(a: Token, b: Token | None) -> bool:
    return b is not None and a.end == b.start


# Outside command position only these can be bash (X4 looks at them, see x4_bashisms.bash_candidate).
BASH_OPERATORS = frozenset(("<<", "<<<", "$(", ">", ">>", "2>", "2>>", "*>", "1>", "&"))
BASH_VARIABLE_START = frozenset("GRA0123456789")
# In a double-quoted string: $1-style positional parameters and `cmd` command substitution (bash habits).
# (The whole string being `cmd args`: markdown-style backticks inside a message are text, not a substitution.)
BASH_IN_STRING = re.compile(r"(?<!`)\$[1-9](?![0-9A-Za-z_])|^@?\"`(?![0abefnrtuv`])[A-Za-z][\w.-]*(?: [^`\"\n]*)?`\"$")


_PROBE_ERROR_ACTIONS = frozenset(("silentlycontinue", "ignore"))


def statement_span(tokens: list[Token], i: int) -> tuple[int, int]:
    """Token range of the statement around ``i``: its line, cut at ';' and block braces (at most 300 tokens either
    side, so a hostile one-line script stays linear)."""
    start = i
    floor = max(0, i - 300)
    while start > floor and tokens[start - 1].kind != NEWLINE and not tokens[start - 1].is_op(";", "{", "}"):
        start -= 1
    end = i
    ceiling = min(len(tokens), i + 300)
    while end < ceiling and tokens[end].kind != NEWLINE and not tokens[end].is_op(";", "}"):
        end += 1
    return start, end


def is_probe(tokens: list[Token], i: int) -> bool:
    """A statement that only probes (a registry key, a Windows folder) and cannot fail: Test-Path, or
    -ErrorAction SilentlyContinue/Ignore."""
    start, end = statement_span(tokens, i)
    for k in range(start, end):
        tok = tokens[k]
        if tok.kind == WORD and tok.text.lower() == "test-path":
            return True
        if tok.kind == PARAMETER and tok.value.rstrip(":") in ("-erroraction", "-ea"):
            nxt = st.next_significant(tokens, k, skip_newlines=False)
            if nxt < end and tokens[nxt].value.lower().strip("'\"") in _PROBE_ERROR_ACTIONS:
                return True
    return False



# --- guards -----------------------------------------------------------------------------------------------

def negated(tokens: list[Token], k: int) -> bool:
    j = st.prev_significant(tokens, k)
    return j >= 0 and (tokens[j].value == "-not" or tokens[j].is_op("!"))


_CONDITION_WORDS = ("iswindows", "islinux", "ismacos", "iscoreclr", "osversion", "$env:os", "isosplatform",
                    "psversiontable", "psedition", "$host.version", "-skip", "operatingsystem]", "runtimeinformation]")


def _has_condition_words(text: str) -> bool:
    """Whether a script can hold a platform or version condition (plain substring tests: fast on any size)."""
    low = text.lower()
    return any(word in low for word in _CONDITION_WORDS)


_CONDITION_HINT = re.compile(r"iswindows|islinux|ismacos|iscoreclr|osversion|\$env:os\b|isosplatform|psversiontable|"
                             r"psedition|\$host\.version|-skip|(?:operatingsystem|runtimeinformation)\]", re.IGNORECASE)


class PlatformGuard:
    """Answers "is token ``i`` reached only where Linux is not?" (X1, X3): inside ``if ($IsWindows)``, the else of
    ``if ($IsLinux -or $IsMacOS)``, after ``if (-not $IsWindows) { return }``, in ``It -Skip:(-not $IsWindows)``…"""

    def __init__(self, reach):
        self.reach = reach

    def guarded(self, index: int) -> bool:
        mask = self.reach.mask(index)
        return not mask & pc.LINUX and (mask == 0 or bool(mask & pc.WINDOWS))

    def version_guarded(self, index: int, major: int) -> bool:
        """Reached only by PowerShell ``major`` or later (``if ($PSVersionTable.PSVersion.Major -ge 7)``)."""
        return not self.reach.mask(index) & ~pc.at_least(major) & pc.ALL

    def desktop_only(self, index: int) -> bool:
        """Reached only by Windows PowerShell 5.1 (``if (-not $IsCoreCLR)``, ``$PSEdition -eq 'Desktop'``)."""
        mask = self.reach.mask(index)
        return mask != 0 and not mask & pc.CORE

    def why(self, index: int) -> str:
        return pc.describe(self.reach.mask(index))


_MAY_MATTER = re.compile(r"[:\\%$]").search


def _interesting_variable(name: str) -> bool:
    """Variables some rule looks at: $env:X (X3), $PSScriptRoot / $PSCommandPath / $MyInvocation (B4)."""
    low = name.lower()
    return low.startswith("env:") or "psscriptroot" in low or "pscommandpath" in low or "myinvocation" in low


class ParsedScript:
    """A tokenized script with its structure, computed once and shared by the rules."""

    def __init__(self, text: str | None = None, tokens: list[Token] | None = None):
        self.tokens = tokens if tokens is not None else tokenize(text or "")
        self.text = text
        self.pairs = st.match_brackets(self.tokens)
        self._blocks: list[st.Block] | None = None
        self._chains: list[st.IfChain] | None = None
        self.commands = st.command_positions(self.tokens)
        # (token, top-level host index) of the tokens some rule looks inside: words and strings that could hold
        # a path, registry drive or $PSScriptRoot, all variables, -AssemblyName; string subexpressions included.
        self.interesting: list[tuple[Token, int]] = []
        self.nested_groups: list[list[Token]] = []
        # Tokens X4 looks at besides commands (see _bash_candidates), collected in the same pass.
        self.bash_candidates: list[int] = []
        keep = self.interesting.append
        candidate = self.bash_candidates.append
        bash_operators = BASH_OPERATORS
        variable_start = BASH_VARIABLE_START
        for host, tok in enumerate(self.tokens):
            kind = tok.kind
            if kind is VARIABLE:
                value = tok.value
                if _interesting_variable(value):
                    keep((tok, host))
                if value[:1] in variable_start or tok.text[:2] == "${":
                    candidate(host)
            elif kind is OPERATOR:
                if tok.text in bash_operators:
                    candidate(host)
            elif kind is WORD:
                text = tok.text
                if ":" in text or "\\" in text or "%" in text:
                    keep((tok, host))
                if text[0] == "`" or text == "\\":
                    candidate(host)
            elif kind is STRING:
                text = tok.text
                if "$" in text or ":" in text or "\\" in text or "%" in text:
                    keep((tok, host))
                if text[:1] in ('"', "@") and ("$" in text or "`" in text) and BASH_IN_STRING.search(text):
                    candidate(host)
            elif kind is PARAMETER and tok.value == "-assemblyname":
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
        self._reach: pc.Reach | None = None
        self._inside: list[int] | None = None

    @property
    def blocks(self) -> list[st.Block]:
        """Every ``{ }`` block (worked out when a rule first asks)."""
        if self._blocks is None:
            self._blocks = st.blocks(self.tokens, self.pairs)
        return self._blocks

    @property
    def chains(self) -> list[st.IfChain]:
        """The if/elseif/else chains (worked out when a rule first asks)."""
        if self._chains is None:
            self._chains = st.if_chains(self.tokens, self.blocks)
        return self._chains

    @property
    def inside(self) -> list[int]:
        """Per token, the index in :attr:`blocks` of the innermost block around it (-1 at the top level)."""
        if self._inside is None:
            self._inside = st.innermost_blocks(self.tokens, self.blocks)
        return self._inside

    def scope_of(self, index: int) -> st.Block | None:
        """The innermost block around token ``index`` (None at the script's top level), in O(1)."""
        k = self.inside[index] if 0 <= index < len(self.tokens) else -1
        return self.blocks[k] if k >= 0 else None

    @property
    def reach(self) -> pc.Reach:
        """Which hosts (platform, PowerShell version) reach each token: if-branches, early exits, Pester -Skip."""
        if self._reach is None:
            hint = self.text is None or _has_condition_words(self.text)
            self._reach = pc.Reach(self.tokens if hint else [], self.pairs, self.blocks if hint else [],
                                   self.chains if hint else [], self.commands if hint else [],
                                   scope_of=self.scope_of if hint else None)
            self._reach.tokens = self.tokens
        return self._reach

    @property
    def platform_guard(self) -> PlatformGuard:
        return PlatformGuard(self.reach)

    def guard(self, name: str, classify) -> st.GuardIndex:
        if name not in self._guards:
            self._guards[name] = st.GuardIndex(self.tokens, self.blocks, self.chains, classify,
                                               scope_of=self.scope_of)
        return self._guards[name]


def command_name(tokens: list[Token], i: int) -> str | None:
    """The command a command-position token names ('git.exe', 'cmd'), unwrapping '& "x.exe"'."""
    tok = tokens[i]
    called = False
    if tok.kind == OPERATOR and tok.text in ("&", ".") or tok.kind == WORD and tok.text == ".":
        j = st.next_significant(tokens, i, skip_newlines=False)
        if j >= len(tokens):
            return None
        tok = tokens[j]
        called = True
    elif i > 0 and tok.kind == STRING:
        j = st.prev_significant(tokens, i, skip_newlines=False)
        if j >= 0 and (tokens[j].is_op("&", ".") or tokens[j].kind == WORD and tokens[j].text == "."):
            return None  # reported once, at the call operator
    if tok.kind == STRING and not called:
        return None  # a string statement is a value ('$a = "tool.exe"'), a command only after & or .
    if tok.kind in (WORD, KEYWORD, STRING):
        value = tok.value
        if "/" not in value and "\\" not in value:
            return value.lower() or None
        name = value.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return name or None
    if tok.kind == OPERATOR and tok.text == "%":
        return "%"
    return None


_SHEBANG_PWSH = re.compile(r"#!\S*(?:/|\s)pwsh(?:-preview)?\b")


def file_evidence(parsed: ParsedScript):
    """What the script itself says about where it runs (a :class:`~.context.ScriptContext`).

    - ``#!/usr/bin/env pwsh``: run as an executable with PowerShell 6+ on Linux/macOS;
    - ``#Requires -PSEdition Desktop`` (Windows PowerShell only) / ``Core``; ``#Requires -Version`` below 6;
    - a version check (``$PSVersionTable.PSVersion``, ``$IsCoreCLR``, ``$PSEdition``) after which older versions go
      on working: the script expects Windows PowerShell 5.1;
    - a platform check (``$IsWindows``, ``$IsLinux`` …) after which Linux goes on: the script expects Linux; one at
      the top level that lets only Windows go on (``if (-not $IsWindows) { exit }``): a Windows-only script.
    """
    from .context import ScriptContext

    tokens = parsed.tokens
    portable = windows_only = desktop = core_only = ""
    first = tokens[0] if tokens else None
    if first is not None and first.kind == "comment" and first.line == 1 and _SHEBANG_PWSH.match(first.text):
        portable = core_only = f"its '{first.text.strip()[:40]}' line runs it with pwsh as an executable"
    for tok in tokens:
        if tok.kind != "comment":
            if tok.kind != "newline":
                break
            continue
        words = tok.text.split()
        if not words or words[0].lower() != "#requires":
            continue
        lowered = [w.lower() for w in words]
        if "-psedition" in lowered:
            k = lowered.index("-psedition")
            edition = lowered[k + 1] if k + 1 < len(lowered) else ""
            if edition == "desktop":
                windows_only = desktop = f"'#Requires -PSEdition Desktop' (line {tok.line})"
            elif edition == "core":
                core_only = core_only or f"'#Requires -PSEdition Core' (line {tok.line})"
    required = st.requires_version(tokens)
    if required is not None and required[0] < 6 and not core_only:
        desktop = desktop or f"it declares '#Requires -Version {required[0]}.{required[1]}', so it supports " \
                             f"Windows PowerShell {required[0]}"
    elif required is not None and required[0] >= 6:
        core_only = core_only or f"'#Requires -Version {required[0]}'"
    reach = parsed.reach
    for line, about_version, about_platform, going_on, top_level in reach.checks:
        if about_version and going_on & pc.WIN5 and not desktop and not core_only:
            desktop = f"it checks the PowerShell version (line {line}) and goes on under older versions"
        if about_platform and going_on & pc.LINUX and not portable:
            portable = f"it checks the platform (line {line}) and goes on under Linux"
        if about_platform and top_level and not going_on & (pc.LINUX | pc.MACOS) and not windows_only:
            windows_only = f"it stops unless it runs on Windows (line {line})"
    if windows_only and portable.startswith("it checks"):
        portable = ""
    return ScriptContext(portable=portable, windows_only=windows_only, desktop=desktop, core_only=core_only)
