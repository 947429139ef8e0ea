"""Structure on top of the token list: brackets, blocks, if-chains, command positions, guards.

All indices refer to the token list :func:`~.tokenizer.tokenize` returned (comments
and newlines included), so a rule can go from a token to the blocks around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from .tokenizer import COMMENT, KEYWORD, NEWLINE, OPENERS, OPERATOR, PARAMETER, STRING, VARIABLE, WORD, Token

_OPEN = frozenset(OPENERS)
_CLOSE_FOR = OPENERS
_EXITS = frozenset(("exit", "return", "throw", "break", "continue"))


def is_trivia(token: Token) -> bool:
    return token.kind == COMMENT or token.kind == NEWLINE


def walk(tokens: list[Token]) -> Iterator[tuple[Token, int]]:
    """Every token including those in string subexpressions, with the index of its top-level host token."""
    for index, token in enumerate(tokens):
        yield token, index
        if token.nested:
            stack = [iter(token.nested)]
            while stack:
                group = next(stack[-1], None)
                if group is None:
                    stack.pop()
                    continue
                for inner in group:
                    yield inner, index
                    if inner.nested:
                        stack.append(iter(inner.nested))


def match_brackets(tokens: list[Token]) -> dict[int, int]:
    """Open bracket index -> index of its closing bracket (``len(tokens)`` when never closed).

    A closer closes the nearest opener of its kind; the openers above it are left unclosed there (they get the
    same closing index). Linear: each closer kind keeps its own stack of openers, so a closer with no opener of its
    kind (``'(' * 100000 + '}' * 100000``) costs nothing.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    typed: dict[str, list[int]] = {")": [], "}": [], "]": []}
    operator = OPERATOR
    for i, tok in enumerate(tokens):
        if tok.kind is not operator:
            continue
        text = tok.text
        if text in _OPEN:
            stack.append(i)
            typed[_CLOSE_FOR[text]].append(i)
        elif text in typed:
            own = typed[text]
            if not own:
                continue  # a stray closer is ignored
            target = own[-1]
            while stack:
                j = stack.pop()
                typed[_CLOSE_FOR[tokens[j].text]].pop()   # j is the newest opener, so the top of its kind's stack
                pairs[j] = i
                if j == target:
                    break
    for unclosed in stack:
        pairs[unclosed] = len(tokens)
    return pairs


def prev_significant(tokens: list[Token], i: int, skip_newlines: bool = True) -> int:
    """Index of the nearest token before ``i`` that is not a comment (nor a newline); -1 if none."""
    i -= 1
    while i >= 0 and (tokens[i].kind == COMMENT or (skip_newlines and tokens[i].kind == NEWLINE)):
        i -= 1
    return i


def next_significant(tokens: list[Token], i: int, skip_newlines: bool = True) -> int:
    """Index of the nearest token after ``i`` that is not a comment (nor a newline); len(tokens) if none."""
    i += 1
    while i < len(tokens) and (tokens[i].kind == COMMENT or (skip_newlines and tokens[i].kind == NEWLINE)):
        i += 1
    return i


@dataclass(frozen=True)
class Block:
    """A ``{ … }`` script block and what introduces it.

    ``keyword`` is the lower-case keyword before it (``if``, ``else``, ``try``,
    ``finally``, ``catch``, ``function``, ``foreach``…) or None for a bare
    script block (``ForEach-Object {``, ``& {``, ``$sb = {``). ``header`` is
    the index range of the parenthesised condition (``if (…)``, ``while (…)``),
    exclusive of the parentheses. ``name`` is a function's name.
    """

    keyword: str | None
    keyword_index: int
    open: int
    close: int
    header: tuple[int, int] | None = None
    name: str | None = None

    def contains(self, index: int) -> bool:
        return self.open < index < self.close


def blocks(tokens: list[Token], pairs: dict[int, int] | None = None) -> list[Block]:
    """Every ``{`` block in source order."""
    pairs = match_brackets(tokens) if pairs is None else pairs
    closers = {close: open_ for open_, close in pairs.items() if close < len(tokens)}
    found = []
    for i in sorted(k for k in pairs if tokens[k].text == "{"):
        close = pairs[i]
        j = prev_significant(tokens, i)
        header = None
        if j >= 0 and tokens[j].is_op(")", "]") and j in closers:
            opener = closers[j]
            if tokens[j].text == ")":
                header = (opener + 1, j)
            j = prev_significant(tokens, opener)
            # 'catch [A] [B] {'
            while j >= 0 and tokens[j].is_op("]") and j in closers:
                j = prev_significant(tokens, closers[j])
        keyword, name, kw_index = None, None, i
        if j >= 0 and tokens[j].kind == KEYWORD:
            keyword, kw_index = tokens[j].value, j
        elif j >= 0 and tokens[j].kind == WORD:
            k = prev_significant(tokens, j)
            if k >= 0 and tokens[k].kind == KEYWORD and tokens[k].value in ("function", "filter", "workflow", "class"):
                keyword, name, kw_index = tokens[k].value, tokens[j].text, k
                if header is not None and tokens[header[0] - 1].text == "(":
                    header = None  # 'function f($a) {' has parameters, not a condition
        found.append(Block(keyword, kw_index, i, close, header, name))
    return found


@dataclass(frozen=True)
class Branch:
    kind: str                              # 'if', 'elseif' or 'else'
    condition: tuple[int, int] | None      # token range of the condition (None for else)
    block: Block


@dataclass(frozen=True)
class IfChain:
    branches: tuple[Branch, ...]

    @property
    def start(self) -> int:
        return self.branches[0].block.keyword_index

    @property
    def end(self) -> int:
        return self.branches[-1].block.close

    @property
    def has_else(self) -> bool:
        return self.branches[-1].kind == "else"


def if_chains(tokens: list[Token], all_blocks: list[Block]) -> list[IfChain]:
    """``if`` / ``elseif`` / ``else`` chains."""
    by_open = {b.open: b for b in all_blocks}
    by_keyword = {b.keyword_index: b for b in all_blocks if b.keyword}
    chains = []
    for block in all_blocks:
        if block.keyword != "if":
            continue
        branches = [Branch("if", block.header, block)]
        current = block
        while current.close < len(tokens):
            k = next_significant(tokens, current.close)
            if k >= len(tokens) or tokens[k].kind != KEYWORD or tokens[k].value not in ("elseif", "else"):
                break
            nxt = by_keyword.get(k)
            if nxt is None:
                nxt = by_open.get(next_significant(tokens, k))
            if nxt is None:
                break
            branches.append(Branch(tokens[k].value, nxt.header if tokens[k].value == "elseif" else None, nxt))
            current = nxt
        chains.append(IfChain(tuple(branches)))
    return chains


_COMMAND_AFTER = frozenset(("{", "}", "(", "$(", "@(", ";", "|", "&&", "||", "=", "&"))
_ASSIGN_OPS = frozenset(("=", "+=", "-=", "*=", "/=", "%=", "??="))
_BLOCK_KEYWORDS = frozenset(("else", "try", "finally", "do", "begin", "process", "end", "dynamicparam"))
_OPENERS_ALL = frozenset(OPENERS)
_CLOSERS_ALL = frozenset(")}]")

# Bracket contexts of command_positions: what the first token of a statement is there.
_CODE = 0        # script block, ( ), $( ), @( ): statements whose first token names a command
_INERT = 1       # [ ] (types, attributes, indexes) and the ( ) inside them: no commands at all
_HASHTABLE = 2   # @{ }: a statement starts with a key; the value after '=' is an expression
_MEMBERS = 3     # class / enum body: member declarations (method bodies are script blocks)
_CASES = 4       # switch body: a statement starts with a case label (its { } is a script block)


def command_positions(tokens: list[Token]) -> list[int]:
    """Indices of tokens in command position (first token of a pipeline element, or after ``&`` / ``.``).

    Positions follow PowerShell's parsing modes: nothing inside ``[ ]`` (type literals, attributes such as
    ``[Parameter(Mandatory=$true)]``, indexes) is a command, nor a hashtable key (``@{ Name = … }``), a class
    or enum member, a ``switch`` case label, or what follows an ``=`` glued to a native option (``--for=x``).
    A position may hold a string, number or variable (an expression statement); whether it names a command
    is the caller's business (a string does only after ``&`` or ``.``).
    """
    found = []
    append = found.append
    expect = True                # the next token starts a statement or an expression
    context = _CODE
    value = False                # inside the value of a hashtable entry (or a member's initialiser)
    stack: list[tuple[int, bool, str]] = []
    pending: tuple[int, int] | None = None   # (depth, context) the next '{' at that depth opens
    newline, comment, operator, word, keyword, parameter = NEWLINE, COMMENT, OPERATOR, WORD, KEYWORD, PARAMETER
    openers, closers, assigns, command_after = _OPENERS_ALL, _CLOSERS_ALL, _ASSIGN_OPS, _COMMAND_AFTER
    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind is newline:
            expect = True
            if context:
                value = False    # a hashtable entry, member or case label ends at the line's end
            continue
        if kind is comment:
            continue
        if kind is operator:
            text = tok.text
            if expect and (context == _CODE or value) and text not in closers:
                append(i)
            if text in openers:
                stack.append((context, value, text))
                value = False
                if text == "[":
                    context = _INERT
                elif text == "(":
                    context = _INERT if context == _INERT else _CODE
                elif text == "@{":
                    context = _HASHTABLE
                elif text == "{" and pending is not None and pending[0] == len(stack) - 1:
                    context = pending[1]
                    pending = None
                else:
                    context = _CODE
                expect = context != _INERT
            elif text in closers:
                context, value, opener = stack.pop() if stack else (_CODE, False, "{")
                expect = opener == "{"   # after a script block a statement may follow ('} else {', '}; x')
            elif text in assigns:
                # an assignment starts an expression; in '--for=x' / '-Name=x' the '=' glues a value to an option
                before = tokens[i - 1] if i else None
                glued = before is not None and before.kind is parameter and before.end == tok.start
                expect = not glued
                if (context == _HASHTABLE or context == _MEMBERS) and not glued:
                    value = True
            else:
                expect = text in command_after
                if text == ";" and context:
                    value = False
            continue
        if expect and (context == _CODE or value):
            append(i)
            if kind is word and tok.text == ".":
                continue         # dot-sourcing: the next token is the command
        if kind is keyword:
            name = tok.value
            if name == "class" or name == "enum":
                pending = (len(stack), _MEMBERS)
            elif name == "switch":
                pending = (len(stack), _CASES)
            expect = name in _BLOCK_KEYWORDS
        else:
            expect = False
    return found


def enclosing(all_blocks: list[Block], index: int) -> list[Block]:
    """Blocks around ``index``, outermost first."""
    return [b for b in all_blocks if b.open < index < b.close]


def contains_exit(tokens: list[Token], block: Block) -> bool:
    """Whether a block ends the script or function (exit/return/throw/break, or Write-Error -ErrorAction Stop)."""
    for i in range(block.open + 1, min(block.close, len(tokens))):
        tok = tokens[i]
        if tok.kind == KEYWORD and tok.value in _EXITS:
            return True
        if tok.kind == PARAMETER and tok.value.startswith("-erroraction") and i + 1 < len(tokens) \
                and tokens[i + 1].text.strip("'\"").lower() == "stop":
            return True
    return False


# A condition classifier answers: when this condition is true, does the property hold?
# +1 yes, -1 no (the negation holds), 0 unknown.
Classifier = Callable[[list[Token]], int]


def innermost_blocks(tokens: list[Token], all_blocks: list[Block]) -> list[int]:
    """Per token, the index (in ``all_blocks``) of the innermost block strictly around it, or -1; linear."""
    inside = [-1] * len(tokens)
    opening: dict[int, list[int]] = {}
    for k, block in enumerate(all_blocks):
        opening.setdefault(block.open, []).append(k)
    stack: list[int] = []
    for i in range(len(tokens)):
        while stack and all_blocks[stack[-1]].close <= i:
            stack.pop()
        if stack:
            inside[i] = stack[-1]
        for k in opening.get(i, ()):
            stack.append(k)
    return inside


class GuardIndex:
    """Answers "is token ``i`` only reached when the property holds?" for a classifier.

    A token is guarded when it sits in the branch of an if-chain whose
    condition implies the property (or in an ``else`` after a condition that
    implies its negation), or after an early exit ``if (<negation>) { exit }``
    earlier in the same block.
    """

    def __init__(self, tokens: list[Token], all_blocks: list[Block], chains: list[IfChain], classify: Classifier,
                 inside: list[int] | None = None, scope_of: Callable[[int], Block | None] | None = None):
        self.tokens = tokens
        self.blocks = all_blocks
        self.positive: list[tuple[Block, IfChain]] = []   # blocks reached only when the property holds
        self.negative: list[tuple[Block, IfChain]] = []   # blocks reached only when it does not
        self.early_exits: list[tuple[int, Block | None]] = []  # (end of the guard, scope block or None)
        self._marks: bytearray | None = None
        if scope_of is None:
            table: list[int] = []

            def scope_of(index: int) -> Block | None:   # the innermost block around index, worked out once
                if not table:
                    table.extend(inside if inside is not None else innermost_blocks(tokens, all_blocks))
                k = table[index] if index < len(table) else -1
                return all_blocks[k] if k >= 0 else None
        for chain in chains:
            verdicts = []
            for branch in chain.branches:
                if branch.condition is None:
                    verdict = -verdicts[0] if len(verdicts) == 1 else 0
                else:
                    verdict = classify(tokens[branch.condition[0]:branch.condition[1]])
                verdicts.append(verdict)
                if verdict > 0:
                    self.positive.append((branch.block, chain))
                elif verdict < 0:
                    self.negative.append((branch.block, chain))
            first = chain.branches[0]
            if len(chain.branches) == 1 and verdicts[0] < 0 and contains_exit(tokens, first.block):
                self.early_exits.append((chain.end, scope_of(chain.start)))

    def _marked(self) -> bytearray:
        """Per token: 1 where guarded (a positive branch, or after an early exit in its scope); linear."""
        if self._marks is None:
            n = len(self.tokens)
            marks = bytearray(n)
            # the union of the guarded spans, merged first so each token is marked once (slice stores, no loop
            # over every token)
            spans = sorted([(block.open + 1, min(block.close, n)) for block, _chain in self.positive] +
                           [(guard_end + 1, min(scope.close if scope is not None else n, n))
                            for guard_end, scope in self.early_exits])
            start = stop = -1
            for a, b in spans:
                if a >= b:
                    continue
                if a > stop:
                    if stop > start:
                        marks[start:stop] = b"\x01" * (stop - start)
                    start, stop = a, b
                elif b > stop:
                    stop = b
            if stop > start:
                marks[start:stop] = b"\x01" * (stop - start)
            self._marks = marks
        return self._marks

    def branch_for(self, index: int) -> tuple[Block, IfChain] | None:
        """The innermost property-holds branch around ``index``, with its chain."""
        best = None
        for block, chain in self.positive:
            if block.contains(index) and (best is None or block.open > best[0].open):
                best = (block, chain)
        return best

    def guarded_by_exit(self, index: int) -> bool:
        for guard_end, scope in self.early_exits:
            if guard_end < index and (scope is None or scope.contains(index)):
                return True
        return False

    def guarded(self, index: int) -> bool:
        marks = self._marked()
        return 0 <= index < len(marks) and marks[index] == 1

    def in_negative(self, index: int) -> bool:
        return any(block.contains(index) for block, _ in self.negative)


def requires_version(tokens: list[Token]) -> tuple[int, int] | None:
    """The ``#Requires -Version`` of a script as (major, minor), or None."""
    for tok in tokens:
        if tok.kind != COMMENT or not tok.text[:1] == "#" or not tok.text[:9].lower() == "#requires":
            continue
        words = tok.text.split()
        for k, word in enumerate(words[:-1]):
            if word.lower() == "-version":
                parts = words[k + 1].split(".")
                try:
                    return int(parts[0]), int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                except ValueError:
                    return None
    return None


def is_variable(token: Token, *names: str) -> bool:
    """A variable token for one of ``names`` (case-insensitive, ``${x}`` and scopes ignored for 'script:' etc.)."""
    if token.kind != VARIABLE:
        return False
    name = token.value.lower()
    if ":" in name and not name.startswith("env:"):
        name = name.split(":", 1)[1]
    return name in names


def string_or_word_value(token: Token) -> str | None:
    if token.kind in (STRING, WORD):
        return token.value
    return None
