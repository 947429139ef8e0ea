"""Fuzz targets, one per reader of untrusted input (issue 15, "Also").

Each draws inputs biased toward its grammar's own characters (brackets, quotes, escapes, indicators) and holds
the reader to its contract: no exception but the documented one, and bounded time. Deterministic
(``derandomize``, no example database) and bounded (``max_examples``): the same examples on every run, so a
failure here is a regression, never a flake of the draw. The whole module runs in well under a minute.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

PER_EXAMPLE_SECONDS = 2.0   # inputs are at most a few KB: anything super-linear shows up far past this


def fuzz(examples: int):
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def grammar_text(alphabet: str, words: tuple[str, ...] = (), max_size: int = 2000):
    """Text mostly made of ``alphabet`` (the grammar's characters) and ``words`` (its tricky tokens), with runs
    of one character (deep nesting, long lines) and some arbitrary unicode mixed in."""
    symbol = st.sampled_from(list(alphabet))
    chunk = st.one_of(symbol, symbol.map(lambda c: c * 40), st.text(max_size=8),
                      *([st.sampled_from(words)] if words else []))
    return st.lists(chunk, max_size=max_size // 8).map("".join)


class bounded_time:
    def __enter__(self):
        self.started = time.monotonic()

    def __exit__(self, *exc):
        elapsed = time.monotonic() - self.started
        assert exc[0] is not None or elapsed < PER_EXAMPLE_SECONDS, f"took {elapsed:.2f} s"


# -- JSON with positions ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30)


@st.composite
def json_texts(draw):
    text = json.dumps(draw(json_values), indent=draw(st.sampled_from([None, 1, 2])))
    for _ in range(draw(st.integers(0, 3))):   # mutations: break it in the places a parser cares about
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(list('{}[]":,\\ \n') + ["NaN", "1e999", "9" * 5000, '"\\ud800"'])) + text[at:]
    return text


@fuzz(500)
@given(json_texts(), st.lists(st.one_of(st.text(max_size=5), st.integers(-1, 5)), max_size=6))
def test_fuzz_json_with_positions(text, parts):
    from observatory_invariants.parsers.jsonpos import locate
    from observatory_invariants.parsers.strict_json import parse_json

    with bounded_time():
        value, problem = parse_json(text)         # never raises: a value or a problem
        assert (value is None) or problem is None
        if problem is not None:
            assert problem.line is None or problem.line >= 1
        line, column = locate(text, parts)         # never raises, on good or broken JSON
        assert line >= 1 and column >= 1


# -- YAML loader --------------------------------------------------------------------------------------------

_YAML_WORDS = ("2001-13-45", "2001-12-14t21:59:43.10-05:00", "9" * 4301, "0x" + "f" * 5000, "&a ", "*a", "<<: *a",
               "<<: [*a, *b]", "!!binary ", "!!python/object ", "!!int ", "!!float ", "!!timestamp ", "? ", "---\n",
               "...\n", "|-\n", ">+\n", "%YAML 1.1\n", ".inf", ".nan", "~", "null", "\t")


@fuzz(500)
@given(grammar_text("-:?[]{},&*!|>'\"#%@` \n\t<=.eE+~\\a1", _YAML_WORDS, max_size=1500))
def test_fuzz_yaml_loader(text):
    from observatory_invariants.parsers.yaml_loader import YamlError, compose, scalars

    with bounded_time():
        parsed = compose(text)                     # never raises: nodes or a problem
        list(scalars(parsed.nodes))
        try:
            parsed.data()
        except YamlError:                          # the documented error of to_data
            pass


# -- Dockerfile reader ----------------------------------------------------------------------------------------

_DOCKER_WORDS = ["FROM ", "COPY ", "ADD ", "ARG ", "ENV ", "RUN ", "--from=", "--chmod=", "AS ", "${", "$", "}",
                 ":-", ":+", "<<EOF\n", "EOF\n", "# escape=`\n", "\\\n", "`\n", "[", "]", '"', ",", "*", "**", "?",
                 "..", "/", "\n", " ", "a", "b"]


@fuzz(500)
@given(st.lists(st.sampled_from(_DOCKER_WORDS) | st.text(max_size=4), max_size=150).map("".join),
       st.dictionaries(st.sampled_from(["A", "B", "VERSION"]), st.text(max_size=10), max_size=3))
def test_fuzz_dockerfile_reader(text, build_args):
    from observatory_invariants.parsers.dockerfile import context_sources, parse_dockerfile

    with bounded_time():
        model = parse_dockerfile("Dockerfile", text)   # never raises: problems are in the model
        context_sources(model, build_args)


# -- dockerignore matcher ---------------------------------------------------------------------------------------

@fuzz(500)
@given(grammar_text("*?[]^!-\\/.#a b\n", ("**/", "**", "*" * 30, "[a-", "[^", "\\", "!", "../"), max_size=600),
       st.lists(grammar_text("ab/.*?[]\\", max_size=40), min_size=1, max_size=5))
def test_fuzz_dockerignore_matcher(text, paths):
    from observatory_invariants.parsers.dockerignore import DockerIgnore, parse_dockerignore

    with bounded_time():
        rules, problems = parse_dockerignore(text)     # refused patterns are returned, not raised
        matcher = DockerIgnore(rules)
        for path in paths:
            matcher.excludes(path)


# -- PowerShell tokenizer -------------------------------------------------------------------------------------

_PS_WORDS = ("@'\n", "\n'@", '@"\n', '\n"@', "$(", "${", "<#", "#>", "`", "-Parallel", "#Requires -Version 7\n",
             "$PSScriptRoot", "function f {", "if (", "} else {", "&&", "||", "??", "? :", "::", "[int]", "@{", "@(")


@fuzz(500)
@given(grammar_text("$(){}[]@'\"`#<>|&;,.-+=!?:\n\r\t 0aZ", _PS_WORDS, max_size=2000))
def test_fuzz_powershell_tokenizer(text):
    from observatory_invariants.parsers.powershell.structure import blocks, if_chains, match_brackets
    from observatory_invariants.parsers.powershell.tokenizer import tokenize

    with bounded_time():
        tokens = tokenize(text)
        pairs = match_brackets(tokens)
        if_chains(tokens, blocks(tokens, pairs))
        assert all(t.start <= t.end for t in tokens)


# -- sh lexer ---------------------------------------------------------------------------------------------------

_SH_WORDS = ("<<EOF\n", "<<-'EOF'\n", "\nEOF\n", "$((", "))", "${a:-", "${#a}", "$'", "[[", "]]", "==", "{a,b}",
             "case x in", "esac", "#!/bin/sh\n", "function f", "<(", ">(", "&>", "\\\n")


@fuzz(500)
@given(grammar_text("$(){}[]'\"`\\#<>|&;=!*?~\n\t a1", _SH_WORDS, max_size=2000))
def test_fuzz_sh_lexer(text):
    from observatory_invariants.parsers.shell.lexer import command_positions, lex, shebang_shell

    with bounded_time():
        tokens = lex(text)
        command_positions(tokens)
        shebang_shell(text)


# -- compat ----------------------------------------------------------------------------------------------------

_types = st.sampled_from(["string", "integer", "number", "object", "array", "boolean", "null"])
schemas = st.recursive(
    st.fixed_dictionaries({}, optional={"type": _types | st.lists(_types, max_size=3), "minimum": st.integers(-5, 5),
                                        "maxLength": st.integers(0, 5), "enum": st.lists(st.integers(0, 3), max_size=3),
                                        "pattern": st.sampled_from(["^a+$", "^[a-z]*$", "b", "^(a|ab)*$", "(", ""]),
                                        "const": st.integers(0, 2), "format": st.sampled_from(["uuid", "date-time"])})
    | st.booleans(),
    lambda inner: st.fixed_dictionaries({}, optional={
        "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
        "required": st.lists(st.sampled_from("abc"), max_size=3), "items": inner,
        "additionalProperties": inner, "anyOf": st.lists(inner, min_size=1, max_size=3),
        "oneOf": st.lists(inner, min_size=1, max_size=3), "allOf": st.lists(inner, min_size=1, max_size=2),
        "$defs": st.dictionaries(st.sampled_from("xy"), inner, max_size=2),
        "$ref": st.sampled_from(["#/$defs/x", "#/$defs/y", "#", "#/nope"])}),
    max_leaves=12)


@fuzz(200)
@given(schemas, schemas, st.sampled_from(["seed", "backward", "forward", "full"]))
def test_fuzz_compat(old, new, policy):
    from observatory_invariants.engines.compat import InvalidSchema, diff_schemas

    with bounded_time():
        try:
            changes = diff_schemas(old, new, policy=policy)
        except InvalidSchema:                         # the documented error: input that is not a schema
            return
        assert all(change.bump is not None for change in changes)


@fuzz(400)
@given(grammar_text("*?[]^-\\/.ab", ("**/", "**", "[a-", "[^", "\\"), max_size=30),
       st.lists(grammar_text("ab/.*?[]\\-\n", max_size=20), min_size=1, max_size=6))
def test_fuzz_dockerignore_engines_agree(pattern, names):
    """The compiled matcher (Python re for one wildcard, RE2 for more) answers like the pure-Python NFA."""
    from observatory_invariants.parsers.dockerignore import Glob, run_glob

    for double_star in (True, False):
        try:
            glob = Glob(pattern, double_star=double_star)
        except ValueError:   # Docker refuses the pattern: nothing to compare
            continue
        for name in names:
            assert glob.match(name) == run_glob(glob.prog, name), (pattern, name, double_star)


def test_dockerignore_names_that_are_not_utf8_use_the_nfa():
    """Git paths are decoded with surrogateescape; RE2 takes UTF-8 only, so such a name goes to the NFA."""
    from observatory_invariants.parsers.dockerignore import Glob, run_glob

    glob = Glob("*a*", double_star=True)
    assert glob.match("xa\udcffy") is True is run_glob(glob.prog, "xa\udcffy")
    assert Glob("**/*.pyc", double_star=True).match("d/f\udcff.pyc") is True
