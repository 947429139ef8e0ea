"""The JavaScript/TypeScript lexer's identifier pattern: spelled for a cheap compile, the same code points as the
plain spelling (``[A-Za-z_$\\u00a0-\\uffff][\\w$\\u00a0-\\uffff]*``)."""

from __future__ import annotations

import re

from observatory_invariants.parsers import jsts

EVERY_CODE_POINT = "".join(map(chr, range(0x110000)))


def test_identifiers_take_the_same_code_points_as_the_plain_spelling():
    assert re.findall(jsts._IDENT_START, EVERY_CODE_POINT) == re.findall(r"[A-Za-z_$\u00a0-\uffff]", EVERY_CODE_POINT)
    assert re.findall(jsts._IDENT_PART, EVERY_CODE_POINT) == re.findall(r"[\w$\u00a0-\uffff]", EVERY_CODE_POINT)


def test_identifiers_in_code():
    names = [t.text for t in jsts.tokenize("const $x = café_1 + \u00a0y\U0001d465;") if t.kind == jsts.IDENT]
    assert names == ["const", "$x", "café_1", "y\U0001d465"]   # (\u00a0 is a space; 𝑥 is a word character)
