"""A PowerShell script parsed once for the script rules (X1–X4, B4): tokens, brackets, blocks, if-chains,
command positions, the tokens rules look inside, and the guard conditions several rules understand
(``$IsWindows``-style platform tests).

Every rule reads the token list of ``parsers.powershell.tokenize``: a ``C:\\`` in a comment, bash inside a
here-string and ``\\d`` in a ``-match`` pattern are data, never findings.
"""

from __future__ import annotations

import re

from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (KEYWORD, OPERATOR, PARAMETER, STRING, VARIABLE,
                                                  WORD, Token, tokenize)

def next_token(tokens: list[Token], i: int) -> Token | None:
    j = st.next_significant(tokens, i, skip_newlines=False)
    return tokens[j] if j < len(tokens) else None


def adjacent(a: Token, b: Token | None) -> bool:
    return b is not None and a.end == b.start


# Outside command position only these can be bash (X4 looks at them, see x4_bashisms.bash_candidate).
BASH_OPERATORS = frozenset(("<<", "<<<", "$(", ">", ">>", "2>", "2>>", "*>", "1>", "&"))
BASH_VARIABLE_START = frozenset("GRA0")


# --- guards -----------------------------------------------------------------------------------------------

def negated(tokens: list[Token], k: int) -> bool:
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
                return -sign if negated(cond, max(start, 0)) else sign
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
            return -sign if negated(cond, start) else sign
    return 0


_MAY_MATTER = re.compile(r"[:\\%$]").search


class ParsedScript:
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
                if tok.value[:1] in BASH_VARIABLE_START or tok.text.startswith("${"):
                    candidate(host)
            elif kind is OPERATOR:
                if tok.text in BASH_OPERATORS:
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
