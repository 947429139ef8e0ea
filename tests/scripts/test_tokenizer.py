"""The PowerShell tokenizer: kinds, positions, hostile input."""

from __future__ import annotations

import random
import time

import pytest

from observatory_invariants.parsers.powershell import (COMMENT, KEYWORD, NEWLINE, OPERATOR, PARAMETER, STRING, VARIABLE,
                                               WORD, blocks, command_positions, if_chains, requires_version,
                                               tokenize, walk)


def kinds(text):
    return [(t.kind, t.text) for t in tokenize(text) if t.kind != NEWLINE]


def test_comments_line_and_block():
    toks = tokenize("# a C:\\x\n<# block\nC:\\y #>\nGet-Item")
    assert [t.kind for t in toks] == [COMMENT, NEWLINE, COMMENT, NEWLINE, WORD]
    assert toks[-1].line == 4 and toks[-1].column == 1


def test_hash_inside_a_word_is_not_a_comment():
    assert kinds("echo a#b") == [(WORD, "echo"), (WORD, "a#b")]


def test_single_quoted_with_doubled_quote():
    (tok,) = tokenize("'it''s'")
    assert tok.kind == STRING and tok.value == "it's"


def test_double_quoted_subexpression_is_tokenized_with_positions():
    (tok,) = tokenize('"a $(Get-Item "C:\\y") b"')
    assert tok.kind == STRING and tok.value == "a $() b"
    inner = tok.nested[0]
    assert [(t.kind, t.text) for t in inner] == [(WORD, "Get-Item"), (STRING, '"C:\\y"')]
    assert inner[1].column == 15


def test_backtick_escapes_the_quote():
    (tok,) = tokenize('"say `"hi`""')
    assert tok.kind == STRING and not tok.unterminated


def test_here_strings_are_one_token_each():
    toks = tokenize("$a = @'\nexport X=1\n'@\n$b = @\"\nx $(Get-Date)\n\"@\nls")
    strings = [t for t in toks if t.kind == STRING]
    assert [s.value for s in strings] == ["export X=1", "x $()"]
    assert strings[1].nested[0][0].line == 5
    assert toks[-1].text == "ls" and toks[-1].line == 7


@pytest.mark.parametrize("text, name", [
    ("$env:PATH", "env:PATH"), ("${x y}", "x y"), ("$script:count", "script:count"), ("$_", "_"),
    ("$global:a", "global:a"), ("@splat", "splat"), ("$?", "?"),
])
def test_variables(text, name):
    (tok,) = tokenize(text)
    assert tok.kind == VARIABLE and tok.value == name


@pytest.mark.parametrize("op", ["&&", "||", "??", "??=", "?.", "::", "..", "2>&1", "+="])
def test_operators(op):
    toks = tokenize(f"$a {op} $b" if op not in ("?.", "::") else f"${{a}}{op}b")
    assert any(t.kind == OPERATOR and t.text == op for t in toks)


def test_dash_words_operators_and_parameters():
    toks = tokenize("Get-Item -Path x -ErrorAction:Stop; $a -match 'b' -and -not $c")
    assert [(t.kind, t.value) for t in toks if t.text.startswith("-")] == [
        (PARAMETER, "-path"), (PARAMETER, "-erroraction:"), (OPERATOR, "-match"), (OPERATOR, "-and"),
        (OPERATOR, "-not")]


def test_line_continuation_is_not_a_newline():
    toks = tokenize("Get-Item `\n  -Path x\nls")
    assert [t.kind for t in toks].count(NEWLINE) == 1
    assert toks[1].line == 2 and toks[1].column == 3


def test_crlf_bom_and_no_trailing_newline():
    toks = tokenize("\ufeffif ($x) {\r\n  'C:\\a'\r\n}")
    assert toks[0].kind == KEYWORD and (toks[0].line, toks[0].column) == (1, 1)
    s = next(t for t in toks if t.kind == STRING)
    assert (s.line, s.column) == (2, 3) and "\r" not in s.value
    assert toks[-1].text == "}" and toks[-1].line == 3


def test_lone_cr_counts_as_a_line_break():
    assert tokenize("a\rb")[-1].line == 2


@pytest.mark.parametrize("text", ["'abc", '"abc $(x', "<# never closed", "@'\nbody", '@"\n$(x', "${abc", "`"])
def test_unterminated_runs_to_the_end(text):
    toks = tokenize(text)
    assert toks and toks[0].end <= len(text)
    if text not in ("`",):
        assert toks[0].unterminated


def test_random_input_never_crashes_or_hangs():
    rng = random.Random(5)
    alphabet = "$@(){}[]'\"`#<>|&?:;-.\\/ \n\r\tabcC0=+%!,"
    start = time.perf_counter()
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        toks = tokenize(text)
        for tok, _host in walk(toks):
            assert tok.line >= 1 and tok.column >= 1
    assert time.perf_counter() - start < 10


def test_deeply_nested_subexpressions_do_not_recurse_forever():
    text = '"$(' * 500 + "x" + ')"' * 500
    assert tokenize(text)


def test_blocks_and_if_chains_for_try_finally_and_else():
    toks = tokenize("try { a } catch [System.Exception] { b } finally { c }\n"
                    "if ($x) { 1 } elseif ($y) { 2 } else { 3 }\nfunction Get-Root($p) { 4 }")
    found = blocks(toks)
    assert [b.keyword for b in found] == ["try", "catch", "finally", "if", "elseif", "else", "function"]
    finally_block = found[2]
    assert [toks[i].text for i in range(finally_block.open + 1, finally_block.close)] == ["c"]
    assert found[-1].name == "Get-Root" and found[-1].header is None
    (chain,) = if_chains(toks, found)
    assert [b.kind for b in chain.branches] == ["if", "elseif", "else"] and chain.has_else


def test_command_positions():
    toks = tokenize("$x = Get-Item a | Select-Object b; & 'tool.exe' c\n. ./lib.ps1")
    names = [toks[i].text for i in command_positions(toks)]
    assert names == ["$x", "Get-Item", "Select-Object", "&", "'tool.exe'", ".", "./lib.ps1"]


@pytest.mark.parametrize("text, version", [
    ("#Requires -Version 7\n", (7, 0)), ("#requires -version 7.2\n", (7, 2)), ("#Requires -Version 5.1", (5, 1)),
    ("# Requires -Version 7", None), ("ls", None)])
def test_requires_version(text, version):
    assert requires_version(tokenize(text)) == version


def test_positions_after_multi_line_strings_are_those_of_the_original_text():
    """Plain strings are matched inside the master pattern: the lines they span still count."""
    text = "a 'one\ntwo' b\r\n\"three\r\nfour\" c\n'x''y' \"p\"\"q\" d"
    toks = [t for t in tokenize(text) if t.kind != NEWLINE]
    where = {t.text: (t.line, t.column) for t in toks}
    assert where["a"] == (1, 1) and where["'one\ntwo'"] == (1, 3)
    assert where["b"] == (2, 6)
    assert where['"three\nfour"'] == (3, 1) and where["c"] == (4, 7)
    assert where["d"] == (5, 15)
    values = {t.text: t.value for t in toks if t.kind == STRING}
    assert values["'x''y'"] == "x'y" and values['"p""q"'] == 'p""q'


def test_only_marked_tokens_store_subexpressions_and_unterminated():
    toks = tokenize("a \"x $(b) y\" 'open")
    plain, with_sub, open_string = toks[0], toks[1], toks[-1]
    assert plain.nested == () and not plain.unterminated
    assert with_sub.nested and [t.text for t in with_sub.nested[0]] == ["b"] and not with_sub.unterminated
    assert open_string.unterminated and open_string.value == "open"


def test_guard_marks_equal_the_branch_and_early_exit_definition():
    """GuardIndex.guarded (merged spans, slice stores) says what branch_for / guarded_by_exit say, token by token."""
    from observatory_invariants.parsers.powershell.structure import GuardIndex

    def classify(cond):
        text = "".join(t.text for t in cond)
        return 1 if "$Yes" in text else -1 if "$No" in text else 0

    rng = random.Random(11)

    def script(depth):
        parts = []
        for _ in range(rng.randint(1, 4)):
            pick = rng.random()
            if depth < 4 and pick < 0.45:
                cond = rng.choice(["$Yes", "$No", "$Other", "-not $Yes"])
                parts.append(f"if ({cond}) {{\n{script(depth + 1)}}}")
                if rng.random() < 0.5:
                    parts.append(f" else {{\n{script(depth + 1)}}}")
                parts.append("\n")
            elif depth < 4 and pick < 0.6:
                parts.append(f"if ($No) {{ {rng.choice(['exit 1', 'return', 'x'])} }}\n")
            elif depth < 4 and pick < 0.75:
                parts.append(f"function f{rng.randint(0, 9)} {{\n{script(depth + 1)}}}\n")
            else:
                parts.append(f"Write-Host {rng.randint(0, 99)}\n")
        return "".join(parts)

    for _ in range(200):
        toks = tokenize(script(0))
        found = blocks(toks)
        index = GuardIndex(toks, found, if_chains(toks, found), classify)
        expected = [index.branch_for(i) is not None or index.guarded_by_exit(i) for i in range(len(toks))]
        assert [index.guarded(i) for i in range(len(toks))] == expected
