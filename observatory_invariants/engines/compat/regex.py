"""Does one JSON Schema ``pattern`` accept every string another one accepts?

Decided with finite automata (greenery) for the regular subset of ECMA-262
regexes. ``pattern`` is a *search* (unanchored) in JSON Schema, so each
top-level alternative gets ``.*`` on the sides it is not anchored. Whatever
greenery cannot model (look-arounds, back-references, ``\\b``, ``\\p{..}``,
anchors in the middle) is *undecidable*, and so is a pair whose automata grow
past a fixed state budget: some innocent-looking patterns (``.*a.{12}``)
have exponentially large automata, and a check must never hang.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

EQUAL, NARROWER, WIDER, INCOMPARABLE, UNDECIDABLE = "equal", "narrower", "wider", "incomparable", "undecidable"

STATE_BUDGET = 3000          # states per automaton construction; a few ms of work below it
TIME_BUDGET = 2.0            # seconds per decision, a backstop for many mid-sized constructions
_MAX_PATTERN_LENGTH = 500

_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[bBpPkcx0-9]")


class Undecidable(Exception):
    """The pattern is outside the regular subset greenery handles, or too large."""


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


_budget = threading.local()
_patch_lock = threading.Lock()


def _bounded_crawl(alphabet, initial, final, follow):
    """greenery.fsm.crawl with a state budget (and a hash index instead of list.index)."""
    from greenery.fsm import Fsm

    def key(state):
        if isinstance(state, dict):
            return frozenset((k, key(v)) for k, v in state.items())
        if isinstance(state, (set, frozenset)):
            return frozenset(key(v) for v in state)
        if isinstance(state, (list, tuple)):
            return tuple(key(v) for v in state)
        return state

    if time.monotonic() > _budget.deadline:
        raise Undecidable(f"deciding it took over {TIME_BUDGET} s")
    states = [initial]
    index = {key(initial): 0}
    finals, transitions = set(), {}
    symbols = sorted(alphabet)
    i = 0
    while i < len(states):
        state = states[i]
        if final(state):
            finals.add(i)
        transitions[i] = {}
        for symbol in symbols:
            nxt = follow(state, symbol)
            k = key(nxt)
            j = index.get(k)
            if j is None:
                j = len(states)
                if j >= _budget.limit:
                    raise Undecidable(f"pattern automaton exceeds {_budget.limit} states")
                if j % 64 == 0 and time.monotonic() > _budget.deadline:
                    raise Undecidable(f"deciding it took over {TIME_BUDGET} s")
                index[k] = j
                states.append(nxt)
            transitions[i][symbol] = j
        i += 1
    return Fsm(alphabet=alphabet, states=set(range(len(states))), initial=0, finals=finals, map=transitions)


@contextmanager
def _state_budget(limit: int):
    # greenery builds every automaton through its module-level crawl(); swapping in the bounded
    # one for the duration of one decision (under a lock) is how a pathological pattern is cut off.
    import greenery.fsm as fsm

    with _patch_lock:
        original = fsm.crawl
        fsm.crawl = _bounded_crawl
        _budget.limit = limit
        _budget.deadline = time.monotonic() + TIME_BUDGET
        try:
            yield
        finally:
            fsm.crawl = original


@lru_cache(maxsize=2048)
def compare_patterns(old: str | None, new: str | None) -> tuple[str, str]:
    """``(relation, reason)``: how the strings ``new`` accepts relate to those ``old`` accepts.

    ``None`` stands for no pattern (every string). ``narrower``: new accepts a
    subset. ``wider``: a superset. ``reason`` explains an ``undecidable``.
    """
    if old == new:
        return EQUAL, ""
    try:
        from greenery import parse

        with _state_budget(STATE_BUDGET):
            old_fsm = parse(to_search_regex(old if old is not None else "")).to_fsm()
            new_fsm = parse(to_search_regex(new if new is not None else "")).to_fsm()
            new_in_old = new_fsm.issubset(old_fsm)
            old_in_new = old_fsm.issubset(new_fsm)
    except Undecidable as exc:
        return UNDECIDABLE, str(exc)
    except Exception as exc:  # greenery's parse errors: syntax it does not model
        return UNDECIDABLE, f"greenery cannot parse it ({type(exc).__name__})"
    if new_in_old and old_in_new:
        return EQUAL, ""
    if new_in_old:
        return NARROWER, ""
    if old_in_new:
        return WIDER, ""
    return INCOMPARABLE, ""
