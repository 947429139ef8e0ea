"""Which PowerShell hosts reach a piece of code: conditions over platform and version, evaluated in every world.

A *world* is one kind of host a script may run on: Windows PowerShell 5.1 (Windows only), or PowerShell 6 or
7+ on Windows, Linux or macOS. A condition (``$IsWindows``, ``-not ($IsLinux -or $IsMacOS)``,
``$PSVersionTable.PSVersion.Major -ge 7``, ``[Environment]::OSVersion.Platform -eq 'Win32NT'``,
``[RuntimeInformation]::IsOSPlatform([OSPlatform]::Windows)``, ``$IsCoreCLR`` …) is evaluated in each world to
true, false or unknown, with PowerShell's own semantics (``$IsWindows`` is ``$null``, so false, on 5.1;
``-and`` and ``-or`` have equal precedence, left to right). :class:`Reach` then gives, for any token of a
script, the set of worlds that can execute it: if/elseif/else branches, early ``exit``/``return``/``throw``
guards, and Pester ``-Skip:(…)`` script blocks narrow it.

Sets of worlds are bit masks (``int``): cheap to intersect, and a rule asks one question of a mask (is Linux in
it? is every world in it PowerShell 7?).
"""

from __future__ import annotations

import fnmatch
import re

from ...parsers.powershell import structure as st
from ...parsers.powershell.tokenizer import (COMMENT, KEYWORD, NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING,
                                             VARIABLE, WORD, Token)

# --- worlds ---------------------------------------------------------------------------------------------------

WORLDS = ("win5", "win6", "win7", "linux6", "linux7", "mac6", "mac7")
WIN5, WIN6, WIN7, LINUX6, LINUX7, MAC6, MAC7 = (1 << k for k in range(len(WORLDS)))
ALL = (1 << len(WORLDS)) - 1
WINDOWS = WIN5 | WIN6 | WIN7
LINUX = LINUX6 | LINUX7
MACOS = MAC6 | MAC7
CORE = ALL & ~WIN5                      # PowerShell 6+ (any platform)
V7 = WIN7 | LINUX7 | MAC7               # PowerShell 7+
_PLATFORM = {WIN5: "Windows", WIN6: "Windows", WIN7: "Windows", LINUX6: "Linux", LINUX7: "Linux",
             MAC6: "macOS", MAC7: "macOS"}
_MAJOR = {WIN5: 5, WIN6: 6, WIN7: 7, LINUX6: 6, LINUX7: 7, MAC6: 6, MAC7: 7}
_EACH = tuple(1 << k for k in range(len(WORLDS)))


def at_least(major: int) -> int:
    """The worlds running PowerShell ``major`` or later."""
    return sum(w for w in _EACH if _MAJOR[w] >= major)


def describe(mask: int) -> str:
    """'Windows', 'Linux and macOS', 'Windows PowerShell 5.1' … for messages."""
    if mask == WIN5:
        return "Windows PowerShell 5.1"
    names = [n for n in ("Windows", "Linux", "macOS") if any(_PLATFORM[w] == n for w in _EACH if mask & w)]
    return " and ".join(names) or "nowhere"


# A value is (true mask, false mask): the worlds where it is certainly true / certainly false.
Truth = tuple[int, int]
UNKNOWN: Truth = (0, 0)


def _const(flag: bool) -> Truth:
    return (ALL, 0) if flag else (0, ALL)


def _flag(true: int) -> Truth:
    return true, ALL & ~true


# Per-world values of the platform quantities scripts compare ('$env:OS -eq "Windows_NT"').
_NONE = object()
_QUANTITIES: list[tuple[re.Pattern, dict[int, object]]] = [
    (re.compile(r"\$(?:global:|script:)?psversiontable\.psversion(?:\.major)?|\$host\.version(?:\.major)?"),
     {w: float(_MAJOR[w]) for w in _EACH}),
    (re.compile(r"\$(?:global:|script:)?psversiontable\.psedition|\$psedition"),
     {w: "Desktop" if w == WIN5 else "Core" for w in _EACH}),
    (re.compile(r"\$(?:global:|script:)?psversiontable\.platform"),
     {w: _NONE if w == WIN5 else "Win32NT" if w & WINDOWS else "Unix" for w in _EACH}),
    (re.compile(r"\$(?:global:|script:)?psversiontable\.os"),
     {w: _NONE if w == WIN5 else "Microsoft Windows 10.0" if w & WINDOWS else
      "Linux 6.0" if w & LINUX else "Darwin 23.0" for w in _EACH}),
    (re.compile(r"\[(?:system\.)?environment\]::osversion\.platform(?:\.tostring\(\))?"),
     {w: "Win32NT" if w & WINDOWS else "Unix" for w in _EACH}),
    (re.compile(r"\[(?:system\.)?environment\]::osversion(?:\.versionstring)?"),
     {w: "Microsoft Windows NT 10.0" if w & WINDOWS else "Unix 6.0" for w in _EACH}),
    (re.compile(r"\$env:os"), {w: "Windows_NT" if w & WINDOWS else _NONE for w in _EACH}),
    (re.compile(r"\[(?:system\.)?io\.path\]::directoryseparatorchar"), {w: "\\" if w & WINDOWS else "/" for w in _EACH}),
    (re.compile(r"\[(?:system\.)?platformid\]::win32nt"), {w: "Win32NT" for w in _EACH}),
    (re.compile(r"\[(?:system\.)?platformid\]::unix"), {w: "Unix" for w in _EACH}),
]
_BOOLEANS: list[tuple[re.Pattern, Truth]] = [
    (re.compile(r"\$(?:global:|script:)?iswindows"), _flag(WIN6 | WIN7)),   # $null (false) on 5.1
    (re.compile(r"\$(?:global:|script:)?islinux"), _flag(LINUX)),
    (re.compile(r"\$(?:global:|script:)?ismacos"), _flag(MACOS)),
    (re.compile(r"\$(?:global:|script:)?iscoreclr"), _flag(CORE)),
    (re.compile(r"\[(?:system\.)?operatingsystem\]::iswindows\(\)"), _flag(WINDOWS)),
    (re.compile(r"\[(?:system\.)?operatingsystem\]::islinux\(\)"), _flag(LINUX)),
    (re.compile(r"\[(?:system\.)?operatingsystem\]::ismacos\(\)"), _flag(MACOS)),
    (re.compile(r".*::isosplatform\(.*::windows\)"), _flag(WINDOWS)),
    (re.compile(r".*::isosplatform\(.*::linux\)"), _flag(LINUX)),
    (re.compile(r".*::isosplatform\(.*::osx\)"), _flag(MACOS)),
    (re.compile(r"test-path(?:-path)?['\"]?variable:(?:global:)?is(?:windows|linux|macos|coreclr)['\"]?"), _flag(CORE)),
    (re.compile(r"\$true"), _const(True)),
    (re.compile(r"\$false|\$null"), _const(False)),
]
_VERSION_WORDS = re.compile(r"psversiontable|\$psedition|iscoreclr|\$host\.version")
_PLATFORM_WORDS = re.compile(r"iswindows|islinux|ismacos|iscoreclr|osversion|\$env:os\b|isosplatform|"
                             r"psversiontable\.(?:platform|os|psedition)|\$psedition|directoryseparatorchar")

_COMPARISONS = frozenset(op for base in ("eq", "ne", "like", "notlike", "match", "notmatch", "gt", "ge", "lt", "le")
                         for op in (f"-{base}", f"-i{base}", f"-c{base}"))
_LOGICAL = frozenset(("-and", "-or", "-xor"))


class Evaluator:
    """Evaluates condition tokens to a :data:`Truth`; ``variables`` maps a lower-case variable name to the
    tokens of the one expression it is assigned (``$onWindows = $IsWindows -or …``)."""

    def __init__(self, variables: dict[str, list[Token]] | None = None):
        self.variables = variables or {}
        self._depth = 0

    def truth(self, tokens: list[Token]) -> Truth:
        toks = [t for t in tokens if t.kind is not COMMENT and t.kind is not NEWLINE]
        if not toks or len(toks) > 400:
            return UNKNOWN
        try:
            value, _ = self._logical(toks, 0)
        except RecursionError:  # pragma: no cover - bounded by the token limit above
            return UNKNOWN
        return value

    # logical := unary-comparison (('-and'|'-or'|'-xor') unary-comparison)*   (equal precedence, left to right)
    def _logical(self, toks: list[Token], i: int) -> tuple[Truth, int]:
        value, i = self._comparison(toks, i)
        while i < len(toks) and toks[i].kind is OPERATOR and toks[i].value in _LOGICAL:
            op = toks[i].value
            right, i = self._comparison(toks, i + 1)
            (t1, f1), (t2, f2) = value, right
            if op == "-and":
                value = (t1 & t2, f1 | f2)
            elif op == "-or":
                value = (t1 | t2, f1 & f2)
            else:
                value = ((t1 & f2) | (f1 & t2), (t1 & t2) | (f1 & f2))
        return value, i

    def _comparison(self, toks: list[Token], i: int):
        left, i = self._unary(toks, i)
        if i < len(toks) and toks[i].kind is OPERATOR and toks[i].value in _COMPARISONS:
            op = toks[i].value
            right, i = self._unary(toks, i + 1)
            return _compare(left, op, right), i
        return _as_truth(left), i

    def _unary(self, toks: list[Token], i: int):
        if i < len(toks) and (toks[i].value == "-not" or toks[i].is_op("!")):
            operand, i = self._unary(toks, i + 1)
            t, f = _as_truth(operand)
            return (f, t), i
        return self._primary(toks, i)

    def _primary(self, toks: list[Token], i: int):
        """A parenthesised expression, or the tokens of one operand (up to an operator or a closing bracket)."""
        if i >= len(toks):
            return UNKNOWN, i
        tok = toks[i]
        if tok.is_op("(", "$("):
            depth, j = 0, i
            while j < len(toks):
                if toks[j].is_op("(", "$(", "@("):
                    depth += 1
                elif toks[j].is_op(")"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner, _ = self._logical(toks[i + 1:j], 0) if j > i + 1 else (UNKNOWN, 0)
            j += 1
            if j < len(toks) and not _ends_operand(toks[j]):
                # '(Get-Thing).Property …': an operand that merely starts with a group
                k = j
                while k < len(toks) and not _ends_operand(toks[k]):
                    k += 1
                return self._atom(toks[i:k]), k
            return inner, j
        j = i
        depth = 0
        while j < len(toks):
            t = toks[j]
            if t.is_op("(", "$(", "@(", "[", "@{", "{"):
                depth += 1
            elif t.is_op(")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and _ends_operand(t) and j > i:
                break
            j += 1
        return self._atom(toks[i:j]), max(j, i + 1)

    def _atom(self, toks: list[Token]):
        """A Truth for booleans, a per-world dict for platform quantities, a constant, or UNKNOWN."""
        if not toks:
            return UNKNOWN
        if len(toks) == 1 and toks[0].kind is STRING:
            return toks[0].value
        if len(toks) == 1 and toks[0].kind is NUMBER:
            try:
                return float(toks[0].text)
            except ValueError:
                return UNKNOWN
        text = "".join(t.text for t in toks).lower().replace(" ", "")
        for pattern, truth in _BOOLEANS:
            if pattern.fullmatch(text):
                return truth
        for pattern, values in _QUANTITIES:
            if pattern.fullmatch(text):
                return values
        if len(toks) == 1 and toks[0].kind is VARIABLE and self._depth < 4:
            name = st_variable_name(toks[0])
            expression = self.variables.get(name)
            if expression is not None:
                self._depth += 1
                try:
                    return self.truth(expression)
                finally:
                    self._depth -= 1
        return UNKNOWN


def _ends_operand(tok: Token) -> bool:
    return tok.kind is OPERATOR and (tok.value in _COMPARISONS or tok.value in _LOGICAL or tok.text in (")", "]", "}"))


def st_variable_name(tok: Token) -> str:
    name = tok.value.lower().strip()
    if ":" in name and not name.startswith("env:"):
        name = name.split(":", 1)[1]
    return name


def _as_truth(value) -> Truth:
    if isinstance(value, tuple):
        return value
    if isinstance(value, dict):
        t = sum(w for w in _EACH if _truthy(value[w]))
        return t, ALL & ~t
    if isinstance(value, (str, float)):
        return _const(_truthy(value))
    return UNKNOWN


def _truthy(v) -> bool:
    if v is _NONE or v is None:
        return False
    return bool(v)


def _per_world(value):
    """A function world -> value (or None when unknown)."""
    if isinstance(value, dict):
        return lambda w: value[w]
    if isinstance(value, tuple):
        t, f = value
        if t | f != ALL:
            return None
        return lambda w: bool(t & w)
    if isinstance(value, (str, float)):
        return lambda w: value
    return None


def _compare(left, op: str, right) -> Truth:
    lf, rf = _per_world(left), _per_world(right)
    if lf is None or rf is None:
        return UNKNOWN
    base = op[1:]
    if base[0] in "ic" and base not in ("in",):
        base = base[1:] if base[1:] in ("eq", "ne", "like", "notlike", "match", "notmatch", "gt", "ge", "lt", "le") \
            else base
    t = f = 0
    for w in _EACH:
        result = _compare_values(lf(w), base, rf(w))
        if result is True:
            t |= w
        elif result is False:
            f |= w
    return t, f


def _compare_values(a, op: str, b):
    if a is _NONE:
        a = None
    if b is _NONE:
        b = None
    if op in ("eq", "ne"):
        if isinstance(a, bool) or isinstance(b, bool):
            equal = _truthy(a) == _truthy(b) if (a is None or b is None or isinstance(a, bool) and
                                                 isinstance(b, bool)) else None
            if equal is None:
                return None
        elif isinstance(a, float) or isinstance(b, float):
            try:
                equal = float(a) == float(b) if a is not None and b is not None else a is b
            except (TypeError, ValueError):
                return None
        else:
            equal = (a or "").lower() == (b or "").lower() if (a is None or isinstance(a, str)) and \
                (b is None or isinstance(b, str)) else None
            if a is None or b is None:
                equal = a is None and b is None
            if equal is None:
                return None
        return equal if op == "eq" else not equal
    if op in ("like", "notlike"):
        if not isinstance(b, str):
            return None
        hit = fnmatch.fnmatchcase(str(a or "").lower(), b.lower())
        return hit if op == "like" else not hit
    if op in ("match", "notmatch"):
        if not isinstance(b, str) or len(b) > 200:
            return None
        try:
            hit = re.search(b, str(a or ""), re.IGNORECASE) is not None
        except re.error:
            return None
        return hit if op == "match" else not hit
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return None
    return {"gt": x > y, "ge": x >= y, "lt": x < y, "le": x <= y}.get(op)


def mentions_platform(tokens: list[Token]) -> bool:
    return any(t.kind in (VARIABLE, WORD) and _PLATFORM_WORDS.search(t.text.lower()) for t in tokens)


def mentions_version(tokens: list[Token]) -> bool:
    return any(t.kind in (VARIABLE, WORD) and _VERSION_WORDS.search(t.text.lower()) for t in tokens)


# --- which worlds reach each token ------------------------------------------------------------------------

_EXIT_WORDS = frozenset(("exit", "return", "throw"))


def block_exits(tokens: list[Token], block: st.Block, pairs: dict[int, int]) -> bool:
    """Whether a block ends the script or function on every path through its own statements: an ``exit``,
    ``return`` or ``throw`` at its top level (not inside a nested block or bracket)."""
    i = block.open + 1
    end = min(block.close, len(tokens))
    while i < end:
        tok = tokens[i]
        if tok.kind is KEYWORD and tok.value in _EXIT_WORDS:
            return True
        if tok.kind is OPERATOR and tok.text in st_openers():
            close = pairs.get(i, end)
            i = max(close, i) + 1
            continue
        i += 1
    return False


def st_openers():
    return _OPENERS


_OPENERS = frozenset(("(", "$(", "@(", "{", "@{", "["))


def assigned_conditions(tokens: list[Token]) -> dict[str, list[Token]]:
    """Variables assigned exactly once from a platform or version expression: name -> the expression's tokens."""
    counts: dict[str, int] = {}
    found: dict[str, list[Token]] = {}
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind is not VARIABLE:
            continue
        j = st.next_significant(tokens, i, skip_newlines=False)
        if j >= n or not tokens[j].is_op("="):
            continue
        name = st_variable_name(tok)
        counts[name] = counts.get(name, 0) + 1
        k = j + 1
        depth = 0
        while k < n and k - j < 200:
            t = tokens[k]
            if t.kind is NEWLINE and depth == 0 or t.is_op(";") and depth == 0:
                break
            if t.kind is OPERATOR and t.text in _OPENERS:
                depth += 1
            elif t.is_op(")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            k += 1
        expression = tokens[j + 1:k]
        if mentions_platform(expression) or mentions_version(expression):
            found[name] = expression
    return {name: expr for name, expr in found.items() if counts.get(name) == 1}


class _LazyVariables(dict):
    """:func:`assigned_conditions`, worked out the first time a condition reads a variable."""

    def __init__(self, tokens: list[Token]):
        super().__init__()
        self._tokens = tokens
        self._done = False

    def _fill(self):
        if not self._done:
            self._done = True
            self.update(assigned_conditions(self._tokens))

    def get(self, key, default=None):
        self._fill()
        return super().get(key, default)

    def __bool__(self):
        self._fill()
        return super().__len__() > 0


class Reach:
    """The worlds that can execute each token of a parsed script.

    ``intervals`` are (first token, end token exclusive, mask): a branch of an if-chain (its condition's
    worlds), the rest of a scope after an early-exit guard, a Pester ``-Skip:(…)`` script block. A token's
    mask is the intersection of the masks of the intervals around it (they nest, as blocks do).
    """

    def __init__(self, tokens: list[Token], pairs: dict[int, int], blocks: list[st.Block], chains: list[st.IfChain],
                 commands: list[int], scope_of=None):
        self.tokens = tokens
        if scope_of is None and chains:
            inside = st.innermost_blocks(tokens, blocks)
            scope_of = lambda i: blocks[inside[i]] if inside[i] >= 0 else None  # noqa: E731
        self._scope_of = scope_of
        self.evaluator = Evaluator(_LazyVariables(tokens))
        self.intervals: list[tuple[int, int, int]] = []
        self.branch_masks: dict[int, tuple[int, st.IfChain, int]] = {}   # block.open -> (mask, chain, branch no.)
        # (line, about the version?, about the platform?, worlds that go on past the check, at the script's top level)
        self.checks: list[tuple[int, bool, bool, int, bool]] = []
        self._masks: list[int] | None = None
        if tokens:
            self._chains(tokens, pairs, blocks, chains)
            if _any_skip(tokens):
                self._pester(tokens, pairs, commands)

    def _chains(self, tokens, pairs, blocks, chains):
        for chain in chains:
            conditions = [tokens[b.condition[0]:b.condition[1]] if b.condition else None for b in chain.branches]
            if not any(c is not None and (mentions_platform(c) or mentions_version(c) or self._known_variable(c))
                       for c in conditions):
                continue
            remaining = ALL
            after = 0
            going_on = 0            # worlds that do work past the check (a branch that does not exit, or after it)
            about_version = about_platform = False
            for number, (branch, cond) in enumerate(zip(chain.branches, conditions)):
                if cond is None:
                    mask = remaining
                else:
                    t, f = self.evaluator.truth(cond)
                    mask = remaining & ~f
                    remaining &= ~t
                    about_version |= bool(t | f) and (mentions_version(cond) or self._known_variable(cond, True))
                    about_platform |= bool(t | f) and (mentions_platform(cond) or self._known_variable(cond, False))
                self.branch_masks[branch.block.open] = (mask, chain, number)
                if mask != ALL:
                    self.intervals.append((branch.block.open, branch.block.close, mask))
                if not block_exits(tokens, branch.block, pairs):
                    after |= mask
            if not chain.has_else:
                after |= remaining
            going_on = after
            scope = self._scope_of(chain.start)
            around = [scope] if scope is not None else []
            if after != ALL:
                scope_end = around[-1].close if around else len(tokens)
                if chain.end + 1 < scope_end:
                    self.intervals.append((chain.end + 1, scope_end, after))
            if about_version or about_platform:
                line = tokens[chain.start].line
                self.checks.append((line, about_version, about_platform, going_on, not around))

    def _known_variable(self, cond: list[Token], version: bool | None = None) -> bool:
        """Whether the condition reads a variable assigned from a platform (or version) expression."""
        variables = self.evaluator.variables
        if not variables:
            return False
        for t in cond:
            if t.kind is VARIABLE:
                expression = variables.get(st_variable_name(t))
                if expression is not None and (version is None or
                                               (mentions_version(expression) if version else
                                                mentions_platform(expression))):
                    return True
        return False

    def _pester(self, tokens, pairs, commands):
        """``Describe/Context/It … -Skip:(<condition>) { … }``: the block runs where the condition is false."""
        n = len(tokens)
        for c in commands:
            if tokens[c].kind is not WORD or tokens[c].text.lower() not in ("describe", "context", "it"):
                continue
            skip: Truth | None = None
            body = None
            i = c + 1
            while i < n and tokens[i].kind is not NEWLINE and not tokens[i].is_op(";", "}"):
                tok = tokens[i]
                if tok.kind is PARAMETER and tok.value.rstrip(":") == "-skip":
                    if tok.value.endswith(":"):
                        j = i + 1
                        if j < n and tokens[j].is_op("(", "$("):
                            close = pairs.get(j, n)
                            skip = self.evaluator.truth(tokens[j + 1:close])
                            i = close + 1
                            continue
                        if j < n:
                            skip = self.evaluator.truth([tokens[j]])
                            i = j + 1
                            continue
                    else:
                        skip = (ALL, 0)
                elif tok.is_op("{"):
                    body = (i, pairs.get(i, n))
                    break
                elif tok.kind is OPERATOR and tok.text in _OPENERS:
                    i = pairs.get(i, n) + 1
                    continue
                i += 1
            if skip is not None and body is not None and skip[0]:
                self.intervals.append((body[0], body[1], ALL & ~skip[0]))

    def mask(self, index: int) -> int:
        """The worlds that can execute token ``index``."""
        if not self.intervals:
            return ALL
        if self._masks is None:
            self._masks = _sweep(len(self.tokens), self.intervals)
        return self._masks[index] if 0 <= index < len(self._masks) else ALL


def _any_platform_word(tokens: list[Token]) -> bool:
    return any(t.kind in (VARIABLE, WORD) and (_PLATFORM_WORDS.search(t.text.lower()) or
                                               _VERSION_WORDS.search(t.text.lower())) for t in tokens)


def _any_skip(tokens: list[Token]) -> bool:
    return any(t.kind is PARAMETER and t.value.startswith("-skip") for t in tokens)


def _sweep(n: int, intervals: list[tuple[int, int, int]]) -> list[int]:
    """Per-token intersection of the masks of the (nested) intervals around it, in O(n + k log k)."""
    masks = [ALL] * n
    ordered = sorted(intervals, key=lambda iv: (iv[0], -iv[1]))
    stack: list[tuple[int, int]] = []   # (end, cumulative mask)
    current = ALL
    k = 0
    for i in range(n):
        while stack and stack[-1][0] <= i:
            stack.pop()
            current = stack[-1][1] if stack else ALL
        while k < len(ordered) and ordered[k][0] <= i:
            start, end, mask = ordered[k]
            k += 1
            if end <= i:
                continue
            if stack and end > stack[-1][0]:
                end = stack[-1][0]   # not nested (unbalanced brackets): clip to the enclosing interval
            current &= mask
            stack.append((end, current))
        masks[i] = current
    return masks
