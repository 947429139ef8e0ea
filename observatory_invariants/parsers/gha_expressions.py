"""GitHub Actions expressions (``${{ … }}``, ``if:`` conditions): a parser and a three-valued evaluator.

The grammar is the documented one: literals (``null``, booleans, numbers, ``'strings'`` with ``''``), context
paths (``needs.paths-filter.outputs.services``, ``matrix['os']``), ``!``, comparisons (``==`` ``!=`` ``<``
``<=`` ``>`` ``>=``, strings compared case-insensitively, mixed types compared as numbers), ``&&`` / ``||``
(returning one of their operands, like JavaScript), parentheses and function calls.

:func:`evaluate` takes a resolver that answers context paths. Anything the resolver does not know is
:data:`UNKNOWN`, and unknowns propagate: ``x && false`` is false whatever ``x`` is, ``x == 'a'`` is unknown.
So a caller can tell "this job certainly does not run" from "it depends on something we cannot see".
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any, Callable


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; use truthy()")


UNKNOWN: Any = _Unknown()


class ExpressionError(ValueError):
    """Text that is not a GitHub Actions expression."""


_TOKEN = re.compile(r"""
\s*(?:
 (?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?))
|(?P<string>'(?:[^']|'')*')
|(?P<op>&&|\|\||==|!=|<=|>=|[<>!()\[\],.*])
|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.VERBOSE)

_MAX_DEPTH = 100


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if m is None or m.end() == i:
            raise ExpressionError(f"unexpected character {text[i:].strip()[:1]!r} in {text!r}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        i = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, value: str | None = None):
        if self.i >= len(self.tokens):
            return None
        tok = self.tokens[self.i]
        if value is not None and not (tok[0] == "op" and tok[1] == value):
            return None
        return tok

    def take(self, value: str):
        if self.peek(value) is None:
            raise ExpressionError(f"expected {value!r} in {self.text!r}")
        self.i += 1

    def parse(self):
        node = self.or_(0)
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.i][1]!r} in {self.text!r}")
        return node

    def or_(self, depth):
        if depth > _MAX_DEPTH:
            raise ExpressionError("expression nested too deeply")
        node = self.and_(depth)
        while self.peek("||"):
            self.i += 1
            node = ("or", node, self.and_(depth))
        return node

    def and_(self, depth):
        node = self.equality(depth)
        while self.peek("&&"):
            self.i += 1
            node = ("and", node, self.equality(depth))
        return node

    def equality(self, depth):
        node = self.comparison(depth)
        while self.peek("==") or self.peek("!="):
            op = self.tokens[self.i][1]
            self.i += 1
            node = ("cmp", op, node, self.comparison(depth))
        return node

    def comparison(self, depth):
        node = self.unary(depth)
        while any(self.peek(op) for op in ("<", "<=", ">", ">=")):
            op = self.tokens[self.i][1]
            self.i += 1
            node = ("cmp", op, node, self.unary(depth))
        return node

    def unary(self, depth):
        if self.peek("!"):
            self.i += 1
            return ("not", self.unary(depth + 1))
        return self.postfix(depth)

    def postfix(self, depth):
        node = self.primary(depth)
        while True:
            if self.peek("."):
                self.i += 1
                tok = self.peek()
                if tok is None or tok[0] not in ("name",) and tok != ("op", "*"):
                    raise ExpressionError(f"expected a property name in {self.text!r}")
                self.i += 1
                node = ("index", node, ("lit", tok[1]))
            elif self.peek("["):
                self.i += 1
                key = self.or_(depth + 1)
                self.take("]")
                node = ("index", node, key)
            else:
                return node

    def primary(self, depth):
        tok = self.peek()
        if tok is None:
            raise ExpressionError(f"unexpected end of {self.text!r}")
        kind, value = tok
        self.i += 1
        if kind == "number":
            return ("lit", float(int(value, 16)) if value.lower().startswith(("0x", "-0x")) else float(value))
        if kind == "string":
            return ("lit", value[1:-1].replace("''", "'"))
        if kind == "op" and value == "(":
            node = self.or_(depth + 1)
            self.take(")")
            return node
        if kind == "name":
            low = value.lower()
            if self.peek("("):
                self.i += 1
                args = []
                if not self.peek(")"):
                    args.append(self.or_(depth + 1))
                    while self.peek(","):
                        self.i += 1
                        args.append(self.or_(depth + 1))
                self.take(")")
                return ("call", low, args)
            if low in ("true", "false"):
                return ("lit", low == "true")
            if low == "null":
                return ("lit", None)
            return ("ctx", value)
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")


def parse(text: str):
    """The syntax tree of an expression (``${{ }}`` around it is allowed); ExpressionError otherwise.

    The tree is shared (remembered per text: a workflow's conditions are evaluated once per event, job and example
    change); nothing may modify it."""
    if len(text) > _REMEMBERED_MAX_CHARS:
        return _Parser(strip_braces(text)).parse()
    return _parse_remembered(text)


_REMEMBERED_MAX_CHARS = 4096


@lru_cache(maxsize=4096)
def _parse_remembered(text: str):
    return _Parser(strip_braces(text)).parse()


def strip_braces(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("${{") and stripped.endswith("}}") and stripped.count("${{") == 1:
        return stripped[3:-2]
    return stripped


STATUS_FUNCTIONS = frozenset(("always", "success", "failure", "cancelled"))


def uses_status_function(tree) -> bool:
    """Whether a condition calls success()/always()/failure()/cancelled() (else GitHub adds ``success() &&``)."""
    if not isinstance(tree, tuple):
        return False
    if tree[0] == "call" and tree[1] in STATUS_FUNCTIONS:
        return True
    return any(uses_status_function(part) for part in tree[1:] if isinstance(part, (tuple, list))) or any(
        uses_status_function(arg) for part in tree[1:] if isinstance(part, list) for arg in part)


# --- values ---------------------------------------------------------------------------------------------

def truthy(value) -> bool | Any:
    """True / False, or UNKNOWN."""
    if value is UNKNOWN:
        return UNKNOWN
    if value is None or value is False:
        return False
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def _number(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def _compare(op: str, a, b):
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, bool) != isinstance(b, bool) or type(a) is not type(b) and not (
            isinstance(a, (int, float)) and isinstance(b, (int, float))):
        if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
            left, right = id(a), id(b)
        else:
            left, right = _number(a), _number(b)
    elif isinstance(a, str):
        left, right = a.lower(), b.lower()
    elif isinstance(a, (dict, list)):
        left, right = id(a), id(b)
    else:
        left, right = a, b
    if isinstance(left, float) and (math.isnan(left) or math.isnan(right)):
        return op == "!="
    return {"==": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
            ">": left > right, ">=": left >= right}[op]


def to_string(value) -> str | Any:
    """A value as GitHub turns it into text (outputs, ``${{ }}`` inside strings)."""
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


Resolver = Callable[[tuple[str, ...]], Any]


def evaluate(tree, resolve: Resolver, functions: dict[str, Callable] | None = None):
    """The value of a parsed expression; ``resolve(path)`` answers context paths (``("needs", "x", "result")``)."""
    functions = functions or {}

    def path_of(node):
        if node[0] == "ctx":
            return (node[1],)
        if node[0] == "index" and node[2][0] == "lit" and isinstance(node[2][1], str):
            base = path_of(node[1])
            return base + (node[2][1],) if base is not None else None
        return None

    def ev(node):
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind in ("ctx", "index"):
            path = path_of(node)
            if path is not None and "*" not in path:
                return resolve(path)
            if kind == "index":
                base, key = ev(node[1]), ev(node[2])
                if base is UNKNOWN or key is UNKNOWN:
                    return UNKNOWN
                if isinstance(base, dict) and isinstance(key, str):
                    return next((v for k, v in base.items() if k.lower() == key.lower()), None)
                if isinstance(base, list) and isinstance(key, float) and key.is_integer() and 0 <= key < len(base):
                    return base[int(key)]
                return None
            return UNKNOWN
        if kind == "not":
            value = truthy(ev(node[1]))
            return UNKNOWN if value is UNKNOWN else not value
        if kind == "and":
            left = ev(node[1])
            t = truthy(left)
            if t is False:
                return left
            right = ev(node[2])
            if t is True:
                return right
            return right if truthy(right) is False else UNKNOWN
        if kind == "or":
            left = ev(node[1])
            t = truthy(left)
            if t is True:
                return left
            right = ev(node[2])
            if t is False:
                return right
            return right if truthy(right) is True else UNKNOWN
        if kind == "cmp":
            return _compare(node[1], ev(node[2]), ev(node[3]))
        if kind == "call":
            name, args = node[1], [ev(a) for a in node[2]]
            if name in functions:
                return functions[name](*args)
            return _builtin(name, args)
        raise ExpressionError(f"unknown node {kind}")

    return ev(tree)


def _builtin(name: str, args: list):
    if any(a is UNKNOWN for a in args):
        return UNKNOWN
    try:
        if name == "contains" and len(args) == 2:
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_compare("==", item, needle) is True for item in haystack)
            return to_string(needle).lower() in to_string(haystack).lower()
        if name == "startswith" and len(args) == 2:
            return to_string(args[0]).lower().startswith(to_string(args[1]).lower())
        if name == "endswith" and len(args) == 2:
            return to_string(args[0]).lower().endswith(to_string(args[1]).lower())
        if name == "fromjson" and len(args) == 1:
            value = json.loads(to_string(args[0]))
            return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if name == "tojson" and len(args) == 1:
            return json.dumps(args[0])
    except (ValueError, TypeError):
        return UNKNOWN
    return UNKNOWN


def interpolate(text: str, resolve: Resolver, functions: dict[str, Callable] | None = None):
    """A string with ``${{ }}`` parts (a job output, an input) as GitHub expands it; UNKNOWN when a part is."""
    parts = re.split(r"\$\{\{(.*?)\}\}", text, flags=re.S)
    if len(parts) == 3 and parts[0].strip() == "" and parts[2].strip() == "":
        # the whole value is one expression: keep its type until the caller stringifies it
        return evaluate(parse(parts[1]), resolve, functions)
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(part)
            continue
        value = to_string(evaluate(parse(part), resolve, functions))
        if value is UNKNOWN:
            return UNKNOWN
        out.append(value)
    return "".join(out)
