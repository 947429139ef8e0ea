"""A small JavaScript / TypeScript tokenizer: enough to find call sites and literal arguments without mistaking
comments, strings, template literals or regular expressions for code.

Tokens: ``ident`` (identifiers and keywords), ``number``, ``string`` (``'…'`` and ``"…"``, ``value`` = the
decoded text), ``template`` (a back-quoted literal: ``value`` is its text when it has no ``${…}``, else None, and
the tokens of each substitution follow it between ``template-expr`` / ``template-end`` markers), ``regex``,
``punct`` (operators and brackets, longest match first). Comments are dropped. Never raises: an unterminated
string, comment or template runs to the end of the input. No JSX awareness beyond what these rules need (text
between tags may tokenize loosely; call sites with literal arguments are unaffected).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

IDENT, NUMBER, STRING, TEMPLATE, REGEX, PUNCT = "ident", "number", "string", "template", "regex", "punct"

_PUNCTS = ("...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=",
           "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "**")
_PUNCT = re.compile("|".join(re.escape(p) for p in _PUNCTS))
_SPACE = re.compile(r"[ \t\r\n\f\v\ufeff\u00a0\u2028\u2029]+")
# An identifier: [A-Za-z_$\u00a0-\uffff] then [\w$\u00a0-\uffff]*, spelled with negated classes: re compiles a
# class holding the range \u00a0-\uffff by visiting its 65,000 code points (9 ms at every start-up), a negated class
# of small ranges at once. (The same code points: tests/test_jsts.py.)
_IDENT_START = r"[^\x00-\x23\x25-\x40\x5b-\x5e\x60\x7b-\x9f\U00010000-\U0010ffff]"
_IDENT_PART = r"(?:[\w$]|[^\x00-\x9f\U00010000-\U0010ffff])"
_IDENT = re.compile(f"{_IDENT_START}{_IDENT_PART}*")
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)n?")
# After these, a '/' starts a regular expression; after anything else it divides.
_REGEX_AFTER_PUNCT = frozenset("( , = : [ ! & | ? { } ; + - * % < > ~ ^ => == === != !== <= >= && || ?? += -= *= "
                               "/= %= &= |= ^= ... **".split())
_REGEX_AFTER_WORD = frozenset(("return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw",
                               "case", "do", "else", "yield", "await"))
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MAX_DEPTH = 64
UNKNOWN = object()          # a value the static reader cannot know


@dataclass
class JsToken:
    kind: str
    text: str                 # the source text of the token
    line: int
    column: int
    value: str | None = None  # decoded string / static template text


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.n = len(text)
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.tokens: list[JsToken] = []

    def pos(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def add(self, kind: str, start: int, end: int, value: str | None = None) -> None:
        self.tokens.append(JsToken(kind, self.text[start:end], *self.pos(start), value))

    def regex_allowed(self) -> bool:
        if not self.tokens:
            return True
        last = self.tokens[-1]
        if last.kind == PUNCT:
            return last.text in _REGEX_AFTER_PUNCT
        return last.kind == IDENT and last.text in _REGEX_AFTER_WORD

    def run(self, i: int = 0, depth: int = 0, stop_at_brace: bool = False) -> int:
        """Tokenize from ``i``; inside a template substitution, stop after its closing ``}``."""
        text, n = self.text, self.n
        braces = 0
        while i < n:
            c = text[i]
            if c in " \t\r\n\f\v\ufeff\u00a0\u2028\u2029":
                i = _SPACE.match(text, i).end()
                continue
            if text.startswith("//", i):
                end = text.find("\n", i)
                i = n if end < 0 else end
                continue
            if text.startswith("/*", i):
                end = text.find("*/", i + 2)
                i = n if end < 0 else end + 2
                continue
            if c in "'\"":
                i = self.string(i)
                continue
            if c == "`":
                i = self.template(i, depth)
                continue
            if c == "/" and self.regex_allowed():
                i = self.regex(i)
                continue
            m = _IDENT.match(text, i)
            if m:
                self.add(IDENT, i, m.end())
                i = m.end()
                continue
            if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
                m = _NUMBER.match(text, i)
                end = m.end() if m and m.end() > i else i + 1
                self.add(NUMBER, i, end)
                i = end
                continue
            if c == "#" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):   # private names
                m = _IDENT.match(text, i + 1)
                self.add(IDENT, i, m.end() if m else i + 1)
                i = m.end() if m else i + 1
                continue
            m = _PUNCT.match(text, i)
            op = m.group() if m else c
            if stop_at_brace:
                if op == "{":
                    braces += 1
                elif op == "}":
                    if braces == 0:
                        return i + 1
                    braces -= 1
            self.add(PUNCT, i, i + len(op))
            i += len(op)
        return n

    def string(self, i: int) -> int:
        text, n = self.text, self.n
        quote = text[i]
        j = i + 1
        out: list[str] = []
        while j < n:
            c = text[j]
            if c == "\\" and j + 1 < n:
                nxt = text[j + 1]
                if nxt == "\n":
                    j += 2
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                j += 2
                continue
            if c == quote or c == "\n":   # a raw newline ends a (broken) string literal
                j += 1 if c == quote else 0
                break
            out.append(c)
            j += 1
        self.add(STRING, i, j, "".join(out))
        return j

    def template(self, i: int, depth: int) -> int:
        text, n = self.text, self.n
        index = len(self.tokens)
        self.add(TEMPLATE, i, i + 1)
        j = i + 1
        out: list[str] = []
        dynamic = False
        while j < n:
            c = text[j]
            if c == "\\" and j + 1 < n:
                out.append(_ESCAPES.get(text[j + 1], text[j + 1]))
                j += 2
                continue
            if c == "`":
                j += 1
                break
            if c == "$" and text.startswith("${", j):
                dynamic = True
                if depth >= _MAX_DEPTH:
                    end = text.find("}", j)
                    j = n if end < 0 else end + 1
                    continue
                self.add(PUNCT, j, j + 2)
                self.tokens[-1].kind = "template-expr"
                j = self.run(j + 2, depth + 1, stop_at_brace=True)
                self.add(PUNCT, j - 1, j)
                self.tokens[-1].kind = "template-end"
                continue
            out.append(c)
            j += 1
        token = self.tokens[index]
        token.text = text[i:j] if not dynamic else token.text
        token.value = None if dynamic else "".join(out)
        return j

    def regex(self, i: int) -> int:
        text, n = self.text, self.n
        j = i + 1
        in_class = False
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "\n":
                break
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                j += 1
                while j < n and (text[j].isalnum() or text[j] == "_"):
                    j += 1
                break
            j += 1
        self.add(REGEX, i, min(j, n))
        return j


class Tokens(list):
    """A token list that computes its bracket pairs once, when first asked."""

    _pairs: dict | None = None

    @property
    def pairs(self) -> dict[int, int]:
        if self._pairs is None:
            self._pairs = bracket_pairs(self)
        return self._pairs


def tokenize(text: str) -> Tokens:
    """The tokens of a JavaScript or TypeScript source (comments dropped)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lexer = _Lexer(text)
    lexer.run()
    return Tokens(lexer.tokens)


def bracket_pairs(tokens: list[JsToken]) -> dict[int, int]:
    """{index of an opening bracket: index of its closer} for every bracket of the token list (one pass; an
    unclosed or mismatched bracket maps to len(tokens))."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    closers = {")": "(", "]": "[", "}": "{"}
    for j, tok in enumerate(tokens):
        if tok.kind != PUNCT:
            continue
        if tok.text in ("(", "[", "{"):
            stack.append(j)
        elif tok.text in closers:
            if stack and tokens[stack[-1]].text == closers[tok.text]:
                pairs[stack.pop()] = j
            else:
                while stack:           # a mismatch: everything still open is unclosed
                    pairs[stack.pop()] = len(tokens)
    for j in stack:
        pairs[j] = len(tokens)
    return pairs


def matching(tokens: list[JsToken], index: int) -> int:
    """The index of the bracket closing the one at ``index`` (``(``, ``[`` or ``{``), or len(tokens) if none.
    On what :func:`tokenize` returns the pairs are computed once per token list."""
    pairs = tokens.pairs if isinstance(tokens, Tokens) else bracket_pairs(tokens)
    return pairs.get(index, len(tokens))


def static_string(tok: JsToken) -> str | None:
    """The value of a string literal or a template literal without substitutions; None otherwise."""
    if tok.kind == STRING or tok.kind == TEMPLATE:
        return tok.value
    return None


def split_arguments(tokens: list[JsToken], open_index: int) -> list[tuple[int, int]]:
    """``(start, end)`` token ranges of the arguments of the call whose ``(`` is at ``open_index``."""
    return _members(tokens, open_index, matching(tokens, open_index))


# --- object literals (configs) --------------------------------------------------------------------------------------

def literal(tokens: list[JsToken], i: int, end: int, depth: int = 0) -> object:
    """The value of the expression ``tokens[i:end]`` when it is a literal (strings, numbers, booleans, null,
    arrays and objects of literals; spreads and computed parts make the container hold UNKNOWN), else UNKNOWN.
    Nesting deeper than 64 levels is UNKNOWN (no recursion limit is ever reached)."""
    if i >= end or depth > _MAX_DEPTH:
        return UNKNOWN
    tok = tokens[i]
    # Type assertions and `satisfies` after a literal do not change it: `{…} as const`, `{…} satisfies Config`.
    if tok.kind == PUNCT and tok.text in ("{", "["):
        close = matching(tokens, i)
        if close >= end:
            return UNKNOWN
        rest = tokens[close + 1:end]
        if rest and not (rest[0].kind == IDENT and rest[0].text in ("as", "satisfies")):
            return UNKNOWN
        return _object(tokens, i, close, depth) if tok.text == "{" else _array(tokens, i, close, depth)
    if end - i == 1 or (end - i > 1 and tokens[i + 1].kind == IDENT and tokens[i + 1].text in ("as", "satisfies")):
        if tok.kind in (STRING, TEMPLATE):
            value = static_string(tok)
            return UNKNOWN if value is None else value
        if tok.kind == NUMBER:
            try:
                return float(tok.text.replace("_", "")) if "." in tok.text else int(tok.text.replace("_", ""), 0)
            except ValueError:
                return UNKNOWN
        if tok.kind == IDENT and tok.text in ("true", "false"):
            return tok.text == "true"
        if tok.kind == IDENT and tok.text in ("null", "undefined"):
            return None
        if tok.kind == REGEX:
            return Regex(tok.text)
    return UNKNOWN


@dataclass(frozen=True)
class Regex:
    source: str


class Obj(dict):
    """An object literal: its literal keys; ``open`` when a spread or computed key may add others;
    ``positions``: each key's (line, column)."""

    open = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.positions: dict[str, tuple[int, int]] = {}


def _object(tokens: list[JsToken], start: int, close: int, depth: int = 0) -> Obj:
    out = Obj()
    for a, b in _members(tokens, start, close):
        if a >= b:
            continue
        first = tokens[a]
        if first.kind == PUNCT and first.text == "...":
            out.open = True
            continue
        if first.kind in (IDENT, STRING, NUMBER) and a + 1 < b and tokens[a + 1].text == ":":
            key = first.value if first.kind == STRING else first.text
            out[key] = literal(tokens, a + 2, b, depth + 1)
            out.positions[key] = (first.line, first.column)
        elif first.kind == IDENT and a + 1 == b:          # shorthand `{ name }`
            out[first.text] = UNKNOWN
        elif first.kind == PUNCT and first.text == "[":
            out.open = True
        elif first.kind == IDENT:                          # a method `name() {…}` or `get x() {…}`
            out[first.text] = UNKNOWN
    return out


def _members(tokens: list[JsToken], start: int, close: int) -> list[tuple[int, int]]:
    """Comma-separated member ranges of the bracket pair ``start``..``close``."""
    ranges = []
    depth = 0
    begin = start + 1
    for j in range(start + 1, close):
        tok = tokens[j]
        if tok.kind in (PUNCT, "template-expr", "template-end"):
            if tok.text in ("(", "[", "{", "${"):
                depth += 1
            elif tok.text in (")", "]", "}"):
                depth -= 1
            elif tok.text == "," and depth == 0:
                ranges.append((begin, j))
                begin = j + 1
    if begin < close:
        ranges.append((begin, close))
    return ranges


def _array(tokens: list[JsToken], start: int, close: int, depth: int = 0) -> list:
    out: list = []
    for a, b in _members(tokens, start, close):
        if a < b and tokens[a].kind == PUNCT and tokens[a].text == "...":
            out.append(UNKNOWN)
        elif a < b:
            out.append(literal(tokens, a, b, depth + 1))
    return out


def exported_object(tokens: list[JsToken]) -> Obj | None:
    """A config file's object literal: ``defineConfig({…})``, ``export default {…}``, ``module.exports = {…}``, or
    the ``const NAME = {…}`` that ``export default NAME`` / ``defineConfig(NAME)`` names."""
    n = len(tokens)
    names: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.kind != IDENT:
            continue
        start = None
        if tok.text == "defineConfig" and i + 1 < n and tokens[i + 1].text == "(":
            start = i + 2
        elif tok.text == "default" and i > 0 and tokens[i - 1].text == "export":
            start = i + 1
        elif tok.text == "exports" and i > 1 and tokens[i - 1].text == "." and tokens[i - 2].text == "module" \
                and i + 1 < n and tokens[i + 1].text == "=":
            start = i + 2
        if start is None or start >= n:
            continue
        if tokens[start].text == "{":
            value = literal(tokens, start, matching(tokens, start) + 1)
            if isinstance(value, Obj):
                return value
        elif tokens[start].kind == IDENT and tokens[start].text == "defineConfig":
            continue
        elif tokens[start].kind == IDENT:
            names.append(tokens[start].text)
    for name in names:
        for i, tok in enumerate(tokens[:-2]):
            if tok.kind == IDENT and tok.text == name and i > 0 and tokens[i - 1].text in ("const", "let", "var"):
                j = i + 1
                if tokens[j].text == ":":       # a type annotation: skip to the '='
                    while j < n and tokens[j].text != "=":
                        j += 1
                if j + 1 < n and tokens[j].text == "=" and tokens[j + 1].text == "{":
                    value = literal(tokens, j + 1, matching(tokens, j + 1) + 1)
                    if isinstance(value, Obj):
                        return value
    return None


