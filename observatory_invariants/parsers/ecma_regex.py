"""ECMA-262 regular expressions — JSON Schema's ``pattern`` and ``patternProperties`` — run in linear time.

JSON Schema defines those keywords as ECMA-262 regexes. Python's ``re`` is a backtracking engine: ``^(a+)+$``
against ``"aaaa…a!"`` takes exponential time (ReDoS), and a fixture or an event is input an attacker can choose.
So patterns are translated to RE2 syntax and evaluated with RE2 (``google-re2``), whose running time is linear in
the input, whatever the pattern. :func:`search` is the one entry point; :func:`compile_ecma` gives the compiled
pattern or raises.

The semantics are ECMA-262's with the ``u`` flag (what JSON Schema validators such as Ajv use), not Python's:

* ``.`` matches any code point except the line terminators ``\\n``, ``\\r``, U+2028 and U+2029;
* ``\\d``, ``\\w`` and ``\\b`` are ASCII; ``\\s`` is ECMA's white space (``\\v``, NBSP, U+FEFF and the Unicode
  space separators included);
* ``$`` matches only at the end of the string (Python's also matches before a final newline);
* escapes ``\\uXXXX`` (surrogate pairs combined), ``\\u{…}``, ``\\xHH``, ``\\cX``, ``\\0``, ``[\\b]``; named groups
  ``(?<name>…)``; ``\\p{…}``/``\\P{…}`` for general categories (short or long names, ``gc=``) and scripts
  (``sc=``/``Script=``); ``[]`` matches nothing and ``[^]`` any code point.
* Strings are matched as code points; a lone surrogate (JSON allows ``"\\ud800"``) is matched as U+FFFD.
* An escaped character that is neither a letter nor a digit (``\\@``, ``\\:``, ``\\_``) is that character, as in
  ECMA-262's Annex B; an unknown escaped letter (``\\Z``, ``\\A``, ``\\q``) is an error, since other regex dialects
  give those a meaning ECMA-262 does not.

Not supported, because no linear-time engine can have them: backreferences (``\\1``, ``\\k<name>``) and
lookaround (``(?=``, ``(?!``, ``(?<=``, ``(?<!``); RE2 also refuses repetition counts over 1000 and patterns over
its memory budget. Those raise :class:`UnsupportedPattern`; a pattern that is not ECMA-262 at all raises
:class:`InvalidPattern`. Neither is ever evaluated some other way.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN_LENGTH = 10_000
_RE2_MAX_MEM = 2 << 20   # per compiled pattern; the DFA falls back to RE2's (still linear) NFA past it

# ECMA-262 WhiteSpace and LineTerminator code points (\s).
_WHITE_SPACE = ((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
                (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF))
_MAX_CODE_POINT = 0x10FFFF
_SYNTAX = set("^$\\.*+?()[]{}|/")
_GENERAL_CATEGORIES = {
    "Letter": "L", "Cased_Letter": "LC", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll", "Titlecase_Letter": "Lt",
    "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Mark": "M", "Combining_Mark": "M", "Nonspacing_Mark": "Mn",
    "Spacing_Mark": "Mc", "Enclosing_Mark": "Me", "Number": "N", "Decimal_Number": "Nd", "digit": "Nd",
    "Letter_Number": "Nl", "Other_Number": "No", "Punctuation": "P", "punct": "P", "Connector_Punctuation": "Pc",
    "Dash_Punctuation": "Pd", "Open_Punctuation": "Ps", "Close_Punctuation": "Pe", "Initial_Punctuation": "Pi",
    "Final_Punctuation": "Pf", "Other_Punctuation": "Po", "Symbol": "S", "Math_Symbol": "Sm",
    "Currency_Symbol": "Sc", "Modifier_Symbol": "Sk", "Other_Symbol": "So", "Separator": "Z",
    "Space_Separator": "Zs", "Line_Separator": "Zl", "Paragraph_Separator": "Zp", "Other": "C", "Control": "Cc",
    "cntrl": "Cc", "Format": "Cf", "Surrogate": "Cs", "Private_Use": "Co", "Unassigned": "Cn",
}


class InvalidPattern(ValueError):
    """Not an ECMA-262 regular expression."""


class UnsupportedPattern(ValueError):
    """A valid ECMA-262 pattern that cannot be evaluated in linear time (backreference, lookaround, too big)."""


def _cp(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _ranges(ranges) -> str:
    return "".join(_cp(lo) if lo == hi else f"{_cp(lo)}-{_cp(hi)}" for lo, hi in ranges)


def _complement(ranges) -> list[tuple[int, int]]:
    out, start = [], 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= _MAX_CODE_POINT:
        out.append((start, _MAX_CODE_POINT))
    return out


_S = _ranges(_WHITE_SPACE)
_NOT_S = _ranges(_complement(_WHITE_SPACE))
_DOT = "[^\\n\\r\\x{2028}\\x{2029}]"
_ANY = f"[{_cp(0)}-{_cp(_MAX_CODE_POINT)}]"
_NOTHING = f"[^{_cp(0)}-{_cp(_MAX_CODE_POINT)}]"
_HEX = re.compile(r"[0-9A-Fa-f]+")
_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
_GROUP_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


class _Translator:
    def __init__(self, pattern: str):
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.depth = 0
        self.can_repeat = False   # whether the last token is an atom a quantifier may follow

    def fail(self, message: str) -> InvalidPattern:
        return InvalidPattern(f"{message} at position {self.i}")

    def translate(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            atom = True
            if c == "\\":
                token = self.escape(in_class=False)
                atom = token not in ("\\b", "\\B")
            elif c == "[":
                token = self.char_class()
            elif c == "(":
                token = self.group()
                atom = False
            elif c == ")":
                if self.depth == 0:
                    raise self.fail("unmatched ')'")
                self.depth -= 1
                token = ")"
                self.i += 1
            elif c == ".":
                token = _DOT
                self.i += 1
            elif c == "{" and _QUANTIFIER.match(p, self.i):
                match = _QUANTIFIER.match(p, self.i)
                self.check_quantifier(match)
                self.out.append(match.group(0))
                self.i = match.end()
                self.lazy()
                continue
            elif c in "*+?":
                self.check_quantifiable()
                self.out.append(c)
                self.i += 1
                self.lazy()
                continue
            elif c in "{}]":                # Annex B: a brace or bracket that ends or starts nothing is a literal
                token = "\\" + c
                self.i += 1
            elif c in "^$|":
                token = c
                atom = False
                self.i += 1
            else:
                token = self.literal(ord(c))
                self.i += 1
            self.out.append(token)
            self.can_repeat = atom
        if self.depth:
            raise self.fail("missing ')'")
        return "".join(self.out)

    def lazy(self) -> None:
        self.can_repeat = False
        if self.i < len(self.p) and self.p[self.i] == "?":
            self.out.append("?")
            self.i += 1

    def check_quantifiable(self) -> None:
        if not self.can_repeat:
            raise self.fail("nothing to repeat")

    def check_quantifier(self, match) -> None:
        self.check_quantifiable()
        low = int(match.group(1)) if len(match.group(1)) < 10 else 10 ** 9
        high = match.group(3)
        if high:
            high_value = int(high) if len(high) < 10 else 10 ** 9
            if high_value < low:
                raise self.fail("numbers out of order in {} quantifier")

    @staticmethod
    def literal(code: int) -> str:
        char = chr(code)
        if char in _SYNTAX or char in "-#&~ \t\n\r\f\v" or code < 0x20 or code == 0x7F:
            return _cp(code)
        return char

    def group(self) -> str:
        p = self.p
        self.depth += 1
        if p.startswith("(?:", self.i):
            self.i += 3
            return "(?:"
        if p.startswith(("(?=", "(?!", "(?<=", "(?<!"), self.i):
            raise UnsupportedPattern(f"lookaround {p[self.i:self.i + 4].rstrip()!r} at position {self.i} cannot be "
                                     "evaluated in linear time")
        if p.startswith("(?<", self.i):
            match = _GROUP_NAME.match(p, self.i + 3)
            if not match or not p.startswith(">", match.end()):
                raise self.fail("invalid capture group name")
            self.i = match.end() + 1
            name = match.group(0).replace("$", "_S_")
            return f"(?P<{name}>"
        if p.startswith("(?", self.i):
            raise self.fail("invalid group")
        self.i += 1
        return "("

    def escape(self, in_class: bool) -> str:
        p = self.p
        self.i += 1
        if self.i >= len(p):
            raise self.fail("\\ at end of pattern")
        c = p[self.i]
        self.i += 1
        if c in "dDwW":
            return "\\" + c
        if c == "s":
            return _S if in_class else f"[{_S}]"
        if c == "S":
            return _NOT_S if in_class else f"[{_NOT_S}]"
        if c == "b":
            return _cp(8) if in_class else "\\b"
        if c == "B":
            if in_class:
                raise self.fail("\\B in a character class")
            return "\\B"
        simple = {"n": 0x0A, "r": 0x0D, "t": 0x09, "f": 0x0C, "v": 0x0B}
        if c in simple:
            return _cp(simple[c])
        if c == "0" and not (self.i < len(p) and p[self.i].isdigit()):
            return _cp(0)
        if c.isdigit():
            if in_class:
                raise self.fail("a decimal escape in a character class")
            raise UnsupportedPattern(f"backreference \\{c} at position {self.i - 2} cannot be evaluated in linear time")
        if c == "k":
            raise UnsupportedPattern(f"named backreference \\k at position {self.i - 2} cannot be evaluated in "
                                     "linear time")
        if c == "x":
            digits = p[self.i:self.i + 2]
            if len(digits) != 2 or not _HEX.fullmatch(digits):
                raise self.fail("invalid \\x escape")
            self.i += 2
            return _cp(int(digits, 16))
        if c == "u":
            return _cp(self.unicode_escape())
        if c == "c":
            if self.i < len(p) and p[self.i].isascii() and p[self.i].isalpha():
                self.i += 1
                return _cp(ord(p[self.i - 1]) % 32)
            raise self.fail("invalid \\c escape")
        if c in "pP":
            return self.property(c)
        if c in _SYNTAX or c == "-":
            return "\\" + c
        if not c.isalnum():
            # Annex B identity escape (\@, \:, \_ …): the character itself. Common in real schemas, unambiguous;
            # letters and digits are not accepted: \Z or \A mean something else in other regex dialects.
            return self.literal(ord(c))
        raise self.fail(f"invalid escape \\{c}")

    def unicode_escape(self) -> int:
        p = self.p
        if p.startswith("{", self.i):
            end = p.find("}", self.i)
            digits = p[self.i + 1:end] if end > 0 else ""
            if not _HEX.fullmatch(digits) or int(digits[-8:], 16) > _MAX_CODE_POINT or len(digits.lstrip("0")) > 6:
                raise self.fail("invalid \\u{…} escape")
            self.i = end + 1
            return int(digits, 16)
        digits = p[self.i:self.i + 4]
        if len(digits) != 4 or not _HEX.fullmatch(digits):
            raise self.fail("invalid \\u escape")
        self.i += 4
        code = int(digits, 16)
        if 0xD800 <= code <= 0xDBFF and p.startswith("\\u", self.i):
            low = p[self.i + 2:self.i + 6]
            if len(low) == 4 and _HEX.fullmatch(low) and 0xDC00 <= int(low, 16) <= 0xDFFF:
                self.i += 6
                return 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        if 0xD800 <= code <= 0xDFFF:
            return 0xFFFD   # a lone surrogate: strings are matched with U+FFFD in its place
        return code

    def property(self, c: str) -> str:
        p = self.p
        end = p.find("}", self.i)
        if not p.startswith("{", self.i) or end < 0:
            raise self.fail(f"invalid \\{c} escape")
        body = p[self.i + 1:end]
        self.i = end + 1
        name, _, value = body.partition("=")
        if value:
            if name not in ("General_Category", "gc", "Script", "sc"):
                raise UnsupportedPattern(f"property {body!r} is not supported")
            body = value
        body = _GENERAL_CATEGORIES.get(body, body)
        if not re.fullmatch(r"[A-Za-z_]+", body):
            raise self.fail(f"invalid property name {body!r}")
        return f"\\{c}{{{body}}}"

    def char_class(self) -> str:
        p = self.p
        self.i += 1
        negated = p.startswith("^", self.i)
        if negated:
            self.i += 1
        if p.startswith("]", self.i):     # [] matches nothing, [^] any code point
            self.i += 1
            return _ANY if negated else _NOTHING
        items: list[str] = []
        sets: set[int] = set()   # indices of items that are sets (\d, \s, \p{…}), which cannot end a range
        while True:
            if self.i >= len(p):
                raise self.fail("missing ']'")
            c = p[self.i]
            if c == "]":
                self.i += 1
                break
            if c == "\\":
                if p[self.i + 1:self.i + 2] in tuple("dDwWsSpP"):
                    sets.add(len(items))
                items.append(self.escape(in_class=True))
            elif c == "-":
                after = p[self.i + 1:self.i + 3]
                range_ok = (items and len(items) - 1 not in sets and items[-1] != "-" and after[:1] not in ("]", "")
                            and not (after[:1] == "\\" and after[1:2] in tuple("dDwWsSpP")))
                items.append("-" if range_ok else "\\-")
                self.i += 1
            else:
                items.append(self.literal(ord(c)) if c not in "^[" else "\\" + c)
                self.i += 1
        body = "".join(items)
        if body.startswith("-"):
            body = "\\" + body
        return f"[{'^' if negated else ''}{body}]"


def translate(pattern: str) -> str:
    """The RE2 syntax for an ECMA-262 pattern; InvalidPattern or UnsupportedPattern otherwise."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsupportedPattern(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    return _Translator(pattern).translate()


@lru_cache(maxsize=128)
def compile_ecma(pattern: str):
    """The compiled RE2 pattern for an ECMA-262 ``pattern`` (cached); InvalidPattern / UnsupportedPattern."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = _RE2_MAX_MEM
    translated = translate(pattern)
    try:
        return re2.compile(translated, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "invalid character class range" in reason:
            raise InvalidPattern(reason) from None
        raise UnsupportedPattern(f"RE2 cannot evaluate it ({reason})") from None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` (ECMA-262) matches somewhere in ``text``, in time linear in ``text``."""
    regex = compile_ecma(pattern)
    try:
        return regex.search(text) is not None
    except UnicodeEncodeError:   # lone surrogates cannot be UTF-8: match U+FFFD in their place
        return regex.search(re.sub("[\ud800-\udfff]", "\ufffd", text)) is not None
