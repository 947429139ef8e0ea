"""Does one JSON Schema ``pattern`` accept every string another one accepts?  Does it match a name?

Decided with finite automata for the regular subset of ECMA-262 regexes.
greenery *parses* the pattern (after :func:`_ecma_to_greenery` rewrites the
ECMA spellings it lacks); the automata are built here, from that parse tree:
a Glushkov position automaton per pattern (no epsilon moves; a position is one
character class occurrence, repetitions ``{m,n}`` unrolled), determinised
lazily, and both walked together (a product of subset automata) until a
string one accepts and the other rejects turns up in each direction or every
reachable pair of states has been seen. ``pattern`` is a *search*
(unanchored) in JSON Schema, so each top-level alternative gets ``.*`` on the
sides it is not anchored.

Whatever greenery cannot model (look-arounds, back-references, ``\\b``,
``\\p{..}``, anchors in the middle) is *undecidable*, and so is a pair whose
automata pass a fixed size: :data:`STATE_BUDGET` positions per pattern or
pairs of states, :data:`STEP_BUDGET` elementary steps per decision. Some
innocent-looking patterns (``.*a.{12}``) have exponentially large automata,
and a check must never hang. Both bounds count work, not time: the same pair
gets the same answer on every machine, and each decision reports what it cost
(:attr:`Decision.cost`, in the same steps) so that a caller can charge it to a
budget of its own whether or not the answer came from the cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

EQUAL, NARROWER, WIDER, INCOMPARABLE, UNDECIDABLE = "equal", "narrower", "wider", "incomparable", "undecidable"

STATE_BUDGET = 3000          # positions of one pattern's automaton; pairs of states explored for one decision
STEP_BUDGET = 150_000        # elementary steps (a transition, a bit of a follow set) per decision or name match
_MAX_PATTERN_LENGTH = 500
_MAX_GROUP_DEPTH = 32        # greenery's parser recurses per group: keep its stack use small and fixed

_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[bBpPkcx0-9]")


class Undecidable(Exception):
    """The pattern is outside the regular subset handled here, or its automaton is too large."""


def _bare_chars(pattern: str):
    """``(index, char)`` for every character that is neither escaped nor inside a character class
    (the ``[`` opening a class is not yielded either)."""
    in_class, i = False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            yield i, ch
        i += 1


def _split_top_level(pattern: str) -> list[str]:
    """Split on ``|`` outside groups and character classes."""
    parts, depth, start = [], 0, 0
    for i, ch in _bare_chars(pattern):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _has_bare(text: str, chars: str) -> bool:
    """Whether ``text`` holds one of ``chars`` unescaped and outside a character class."""
    return any(ch in chars for _, ch in _bare_chars(text))


_ECMA_DOT = "[^\n\r\u2028\u2029]"


def _ecma_to_greenery(pattern: str) -> str:
    """Rewrite ECMA spellings greenery lacks: ``\\uXXXX`` escapes, ``-`` first or last in a class, and
    ``.``, which in ECMA-262 excludes the line terminators (greenery's ``.`` is any character)."""
    out, in_class, class_start, i = [], False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if pattern[i + 1:i + 2] == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", pattern[i + 2:i + 6]):
                out.append(re.escape(chr(int(pattern[i + 2:i + 6], 16))))
                i += 6
                continue
            escaped = pattern[i + 1:i + 2]
            if escaped and not escaped.isalnum():
                # An escaped punctuation character is itself; greenery knows only some such escapes.
                literal = "\\" + escaped if escaped in "]\\^-" else escaped
                out.append(literal if in_class else f"[{literal}]")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and i > class_start:
                in_class = False
            elif ch == "-" and (i == class_start or pattern[i + 1:i + 2] == "]"):
                ch = "\\-"
        elif ch == "[":
            in_class = True
            class_start = i + 1 + (pattern[i + 1:i + 2] == "^")
            out.append(pattern[i:class_start])
            i = class_start
            continue
        if ch == "." and not in_class:
            ch = _ECMA_DOT   # ECMA-262 (no s flag): . is any character but a line terminator
        out.append(ch)
        i += 1
    return "".join(out)


def to_search_regex(pattern: str) -> str:
    """The regex (for greenery) of every string ``pattern`` matches *somewhere* in; Undecidable if unsupported."""
    if len(pattern) > _MAX_PATTERN_LENGTH:
        raise Undecidable(f"pattern is longer than {_MAX_PATTERN_LENGTH} characters")
    if _UNSUPPORTED.search(pattern):
        raise Undecidable("pattern uses look-arounds, back-references, word boundaries, \\p{...} or \\x escapes")
    pattern = _ecma_to_greenery(pattern)
    alternatives = []
    for alt in _split_top_level(pattern):
        anchored_start = alt.startswith("^")
        if anchored_start:
            alt = alt[1:]
        anchored_end = alt.endswith("$") and not (alt.endswith("\\$") and not alt.endswith("\\\\$"))
        if anchored_end:
            alt = alt[:-1]
        if _has_bare(alt, "^$"):
            raise Undecidable("pattern has an anchor inside a group")
        alternatives.append(("" if anchored_start else ".*") + f"({alt})" + ("" if anchored_end else ".*"))
    return "|".join(alternatives)



# -- automata ---------------------------------------------------------------------------------------------------
class _Meter:
    """Counts the steps of one decision and stops it at :data:`STEP_BUDGET`."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps = 0

    def charge(self, n: int) -> None:
        self.steps += n
        if self.steps > STEP_BUDGET:
            raise Undecidable(f"deciding it takes more than {STEP_BUDGET} steps")


class _Automaton:
    """The Glushkov automaton of one regex: position 0 is the start, every other position one character class.

    Sets of positions are ints (bit ``p`` for position ``p``): ``follow[p]`` holds the positions that may come
    right after ``p``, ``last`` those a match may end on (bit 0 too when the empty string matches).
    """

    def __init__(self, tree, meter: _Meter):
        self.classes: list = [None]          # position -> greenery Charclass
        self.follow: list[int] = [0]
        self._meter = meter
        nullable, first, last = self._build(tree)
        self.follow[0] = first
        self.last = last | (1 if nullable else 0)
        self._unions: dict[int, int] = {}

    # Each builder returns (nullable, first, last) of the sub-expression, adding its positions and follow edges.
    def _build(self, node):
        from greenery import Charclass, Pattern
        from greenery.rxelems import Conc, Mult

        if isinstance(node, Charclass):
            position = len(self.classes)
            if position > STATE_BUDGET:
                raise Undecidable(f"pattern automaton exceeds {STATE_BUDGET} states")
            self._meter.charge(1)
            self.classes.append(node)
            self.follow.append(0)
            bit = 1 << position
            return False, bit, bit
        if isinstance(node, Pattern):
            nullable, first, last = False, 0, 0
            for conc in node.concs:
                n, f, l_ = self._build(conc)
                nullable, first, last = nullable or n, first | f, last | l_
            return nullable, first, last
        if isinstance(node, Conc):
            return self._sequence([(lambda m=m: self._build(m)) for m in node.mults])
        if isinstance(node, Mult):
            low, high = node.multiplier.min.v, node.multiplier.max.v
            if low is None:
                raise Undecidable("greenery cannot parse it (repetition without a lower bound)")
            if max(low, high or 0) > STATE_BUDGET:   # {1000000000}: refused before anything is unrolled
                raise Undecidable(f"pattern automaton exceeds {STATE_BUDGET} states")
            parts = [(lambda: self._build(node.multiplicand))] * low
            if high is None:
                parts.append(lambda: self._star(node.multiplicand))
            else:
                parts += [(lambda: self._optional(node.multiplicand))] * (high - low)
            return self._sequence(parts)
        raise Undecidable(f"greenery cannot parse it ({type(node).__name__})")

    def _sequence(self, parts):
        nullable, first, last = True, 0, 0
        for build in parts:
            n, f, l_ = build()
            self._link(last, f)
            if nullable:
                first |= f
            last = (last | l_) if n else l_
            nullable = nullable and n
        return nullable, first, last

    def _star(self, node):
        _, first, last = self._build(node)
        self._link(last, first)
        return True, first, last

    def _optional(self, node):
        _, first, last = self._build(node)
        return True, first, last

    def _link(self, sources: int, targets: int) -> None:
        if not targets:
            return
        follow = self.follow
        while sources:
            low = sources & -sources
            follow[low.bit_length() - 1] |= targets
            sources ^= low
            self._meter.charge(1)

    def step_set(self, states: int, meter: _Meter) -> int:
        """Every position that may follow one of ``states`` (charged in full even when cached, so that
        the cost of a decision never depends on what was decided before)."""
        meter.charge(states.bit_count())
        union = self._unions.get(states)
        if union is None:
            union, rest, follow = 0, states, self.follow
            while rest:
                low = rest & -rest
                union |= follow[low.bit_length() - 1]
                rest ^= low
            self._unions[states] = union
        return union


def _group_depth(pattern: str) -> int:
    depth = deepest = 0
    for _, ch in _bare_chars(pattern):
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    return deepest


def _compile(pattern: str | None, meter: _Meter) -> _Automaton:
    regex = to_search_regex(pattern if pattern is not None else "")
    if _group_depth(regex) > _MAX_GROUP_DEPTH:
        raise Undecidable(f"pattern nests groups more than {_MAX_GROUP_DEPTH} deep")
    meter.charge(len(regex))
    try:
        from greenery import parse

        tree = parse(regex)
    except RecursionError:
        raise
    except Exception as exc:  # greenery's parse errors: syntax it does not model
        raise Undecidable(f"greenery cannot parse it ({type(exc).__name__})") from None
    return _Automaton(tree, meter)


def _alphabet(automata: list[_Automaton], meter: _Meter) -> list[tuple[int, ...]]:
    """The symbols that tell the automata apart: for each, the positions of each automaton that accept it.

    Characters that every class of every automaton treats alike are one symbol; a symbol no position
    accepts leads nowhere and is left out.
    """
    classes: dict = {}
    for index, automaton in enumerate(automata):
        for position, charclass in enumerate(automaton.classes):
            if charclass is not None:
                masks = classes.setdefault(charclass, [0] * len(automata))
                masks[index] |= 1 << position
    cuts = {0}
    for charclass in classes:
        for low, high in charclass.ord_ranges:
            cuts.update((low, high + 1))
    cuts = sorted(cuts)
    meter.charge(len(cuts) * (1 + sum(len(c.ord_ranges) for c in classes)))
    symbols: dict[tuple[int, ...], None] = {}
    for cut in cuts:
        masks = [0] * len(automata)
        for charclass, where in classes.items():
            ranges = charclass.ord_ranges
            inside = any(low <= cut <= high for low, high in ranges) != charclass.negated
            if inside:
                for i, mask in enumerate(where):
                    masks[i] |= mask
        if any(masks):
            symbols[tuple(masks)] = None
    return list(symbols)


@dataclass(frozen=True)
class Decision:
    """How the strings ``new`` accepts relate to those ``old`` accepts, why when undecidable, and the steps it took."""

    relation: str
    reason: str
    cost: int


@lru_cache(maxsize=4096)
def decide(old: str | None, new: str | None) -> Decision:
    """Compare two patterns (``None``: no pattern, every string); see :func:`compare_patterns`."""
    if old == new:
        return Decision(EQUAL, "", 1)
    meter = _Meter()
    try:
        relation = _relate(_compile(old, meter), _compile(new, meter), meter)
    except Undecidable as exc:
        return Decision(UNDECIDABLE, str(exc), meter.steps + 1)
    return Decision(relation, "", meter.steps + 1)


def _relate(old: _Automaton, new: _Automaton, meter: _Meter) -> str:
    symbols = _alphabet([old, new], meter)
    start = (1, 1)
    seen = {start}
    queue = [start]
    new_only = old_only = False     # a string only the new / only the old pattern accepts
    i = 0
    while i < len(queue):
        so, sn = queue[i]
        i += 1
        in_old, in_new = bool(so & old.last), bool(sn & new.last)
        if in_new and not in_old:
            new_only = True
        elif in_old and not in_new:
            old_only = True
        if new_only and old_only:
            break
        follow_o, follow_n = old.step_set(so, meter), new.step_set(sn, meter)
        meter.charge(len(symbols))
        for mo, mn in symbols:
            pair = (follow_o & mo, follow_n & mn)
            if pair not in seen and (pair[0] or pair[1]):
                if len(seen) >= STATE_BUDGET:
                    raise Undecidable(f"pattern automaton exceeds {STATE_BUDGET} states")
                seen.add(pair)
                queue.append(pair)
    if new_only and old_only:
        return INCOMPARABLE
    if new_only:
        return WIDER
    if old_only:
        return NARROWER
    return EQUAL


def compare_patterns(old: str | None, new: str | None) -> tuple[str, str]:
    """``(relation, reason)``: how the strings ``new`` accepts relate to those ``old`` accepts.

    ``None`` stands for no pattern (every string). ``narrower``: new accepts a
    subset. ``wider``: a superset. ``reason`` explains an ``undecidable``.
    """
    decision = decide(old, new)
    return decision.relation, decision.reason


_MAX_REPEATS = 4   # unbounded (or widely bounded) repetitions in one pattern that backtrack_safe accepts
_MAX_VARIABLE = 8  # parts of variable length (``?``, ``*``, ``{1,3}``, ...) in one pattern, likewise
_MAX_COUNT = 256   # and repetition counts: a{1000000000} is linear to match, but not to generate


@lru_cache(maxsize=1024)
def backtrack_safe(pattern: str) -> bool:
    """Whether a backtracking matcher (Python's ``re``) runs ``pattern`` in bounded time on short strings.

    Conservative: the pattern must be in the regular subset handled here; no repetition may hold a
    part of variable length or alternatives (``(a+)+``, ``(a|ab)*``: exponential; ``(ab)+`` and
    ``(\\d{2})*`` are fine); at most :data:`_MAX_REPEATS` parts may repeat without a tight bound
    (``.*a.*a.*a.*a.*b``: a high polynomial) and at most :data:`_MAX_VARIABLE` have a variable length
    (``a?a?a?...aaa...``: exponential without any nesting); no count may pass :data:`_MAX_COUNT`
    (generators, which draw matching strings, would draw strings that long).
    """
    if len(pattern) > _MAX_PATTERN_LENGTH or _UNSUPPORTED.search(pattern) or _group_depth(pattern) > _MAX_GROUP_DEPTH:
        return False
    try:
        from greenery import Charclass, Pattern, parse
        from greenery.rxelems import Conc, Mult

        tree = parse(_ecma_to_greenery(pattern))
    except RecursionError:
        raise
    except Exception:
        return False
    loose = variables = 0

    def check(node, inside_repeat: bool) -> bool:
        nonlocal loose, variables
        if isinstance(node, Charclass):
            return True
        if isinstance(node, Pattern):
            return not (inside_repeat and len(node.concs) > 1) and all(check(c, inside_repeat) for c in node.concs)
        if isinstance(node, Conc):
            return all(check(mult, inside_repeat) for mult in node.mults)
        if isinstance(node, Mult):
            low, high = node.multiplier.min.v, node.multiplier.max.v
            variable = high is None or high != low
            if (variable and inside_repeat) or max(low or 0, high or 0) > _MAX_COUNT:
                return False
            variables += variable
            if high is None or high - low > 16:
                loose += 1
            return check(node.multiplicand, inside_repeat or high is None or high > 1)
        return False

    return check(tree, False) and loose <= _MAX_REPEATS and variables <= _MAX_VARIABLE


@lru_cache(maxsize=512)
def _matcher(pattern: str) -> tuple[_Automaton | None, int]:
    meter = _Meter()
    try:
        automaton = _compile(pattern, meter)
    except Undecidable:
        return None, meter.steps + 1
    return automaton, meter.steps + 1


@lru_cache(maxsize=8192)
def search(pattern: str, text: str) -> tuple[bool | None, int]:
    """``(found, cost)``: whether ``pattern`` matches somewhere in ``text`` (ECMA-262, in linear time).

    ``found`` is None when the pattern is outside the regular subset or the match would take more than
    :data:`STEP_BUDGET` steps; ``cost`` counts the steps (building the automaton included, every time).
    """
    automaton, cost = _matcher(pattern)
    if automaton is None:
        return None, cost
    meter = _Meter()
    classes = [(c, 1 << p) for p, c in enumerate(automaton.classes) if c is not None]
    masks: dict[str, int] = {}
    states = 1
    try:
        for char in text:
            mask = masks.get(char)
            if mask is None:
                code = ord(char)
                mask = 0
                for charclass, bit in classes:
                    if any(low <= code <= high for low, high in charclass.ord_ranges) != charclass.negated:
                        mask |= bit
                meter.charge(len(classes))
                masks[char] = mask
            states = automaton.step_set(states, meter) & mask
            if not states:
                break
    except Undecidable:
        return None, cost + meter.steps
    return bool(states & automaton.last), cost + meter.steps
