"""A counterexample for an incompatible pair: an instance one schema accepts and the other rejects.

Optional and best effort (the ``compat`` command's explain output): instances
are drawn with hypothesis-jsonschema when it is installed and checked with
jsonschema. Bounded and reproducible, never by the clock:

- only schemas it can handle quickly are searched: local ``$ref``s only (it
  would otherwise try to fetch the others), no recursion, at most
  :data:`MAX_EXPANDED_NODES` schema nodes with every ``$ref`` spelled out (it
  inlines them: a ``$defs`` chain that references the next definition twice
  doubles per level), no instance that must hold more than
  :data:`MAX_INSTANCE_SIZE` values (``minItems`` and the like, multiplied down
  the nesting; 16 times that in characters), and every ``pattern`` / ``patternProperties`` key one that
  a backtracking matcher (Python's ``re``, used by both libraries) runs in
  bounded time (:func:`.regex.backtrack_safe`);
- at most ``max_examples`` instances drawn and checked, and no more than
  :data:`WORK_BUDGET` divided by the size of the accepting schema, between 10
  and :data:`MAX_CHECKS` (drawing one instance of a 40-node object schema takes
  10-20 ms here, of a 150-node one 20-30 ms); the first half with the open
  objects of the accepting schema closed (see :func:`_closed`). Derandomised
  (the same instance on every run), with no example database, and with no
  hypothesis shrinking (not bounded by a count): the instance found is
  simplified here instead, by at most :data:`MAX_SIMPLIFY_CHECKS` validations.

Returns None when nothing turns up, when the schemas are outside what is
searched, or when the libraries are missing.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

MAX_EXPANDED_NODES = 2000
MAX_INSTANCE_SIZE = 256   # values an instance must hold at least (minItems x minItems of its items x ...)
WORK_BUDGET = 5_000       # instances checked x nodes of the accepting schema ($refs spelled out)
MAX_CHECKS = 200


def _validator(schema: Any, registry: Any = None):
    import jsonschema
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=jsonschema.Draft202012Validator) if isinstance(schema, dict) else \
        jsonschema.Draft202012Validator
    kwargs = {"format_checker": cls.FORMAT_CHECKER}
    if registry is not None:
        kwargs["registry"] = registry
    return cls(schema, **kwargs)


def _pointer(root: Any, fragment: str) -> Any:
    """The value at a JSON pointer (``/a/b``) in ``root``; KeyError when there is none."""
    node = root
    for token in fragment.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def searchable(schema: Any) -> int | None:
    """The size of ``schema`` with its ``$ref``s spelled out, or None when :func:`find_counterexample` does
    not search it (see the module docstring)."""
    from urllib.parse import unquote

    from .regex import backtrack_safe

    budget = [MAX_EXPANDED_NODES]

    def walk(node: Any, expanding: tuple, scale: int) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if isinstance(node, list):
            return all(walk(item, expanding, scale) for item in node)
        if not isinstance(node, dict):
            return True
        if "$dynamicRef" in node or "$recursiveRef" in node:
            return False
        # Every instance drawn holds at least this many items/members/characters, times those of its parents:
        # minItems 50 three arrays deep is 125,000 values per draw.
        counts = [node.get(k) for k in ("minItems", "minProperties", "minContains")]
        scale *= max([1] + [int(c) for c in counts if isinstance(c, (int, float)) and not isinstance(c, bool)
                            and 0 <= c < MAX_INSTANCE_SIZE + 1])
        length = node.get("minLength")
        if scale > MAX_INSTANCE_SIZE or (isinstance(length, (int, float)) and not isinstance(length, bool)
                                         and length * scale > MAX_INSTANCE_SIZE * 16):
            return False
        if any(isinstance(c, (int, float)) and not isinstance(c, bool) and c > MAX_INSTANCE_SIZE for c in counts):
            return False
        pattern = node.get("pattern")
        if isinstance(pattern, str) and not backtrack_safe(pattern):
            return False
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and not all(backtrack_safe(p) for p in patterns):
            return False
        ref = node.get("$ref")
        if ref is not None:
            if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")) or ref in expanding:
                return False   # another document (never fetched), or recursion (hypothesis-jsonschema cannot)
            try:
                target = _pointer(schema, unquote(ref[1:]))
            except KeyError:
                return False
            if not walk(target, (*expanding, ref), scale):
                return False
        return all(walk(value, expanding, scale) for key, value in node.items()
                   if key not in ("$defs", "definitions", "enum", "const", "default", "examples"))

    try:
        return MAX_EXPANDED_NODES - budget[0] if walk(schema, (), 1) else None
    except RecursionError:
        return None


def find_counterexample(accepting: Any, rejecting: Any, *, max_examples: int = 300) -> Any:
    """An instance ``accepting`` accepts and ``rejecting`` rejects, as a 1-tuple; None when none is found.

    The 1-tuple tells a JSON ``null`` counterexample apart from "none found" (None).
    """
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample
        from hypothesis_jsonschema import from_schema
    except ImportError:
        return None
    sizes = searchable(accepting), searchable(rejecting)
    if None in sizes:
        return None
    allowed = max(10, min(MAX_CHECKS, WORK_BUDGET // max(1, sizes[0])))
    try:
        accepts = _validator(accepting)
        rejects = _validator(rejecting)
    except Exception:
        return None

    def condition(value):
        return _separates(accepts, rejects, value)

    # Two rounds: first with the accepting schema's open objects closed (instances without random extra
    # members: far cheaper to draw, and where most counterexamples are), then as it is. Instances are
    # always checked against the schemas as given. Each round draws at most its share of ``allowed``
    # (hypothesis stops after max_examples valid draws, or at the first instance found). Generation only:
    # hypothesis's own shrinking is not bounded by a count (it stops after 500 successful steps or 300
    # seconds) and draws anew at every step; _simplify shrinks the instance itself, cheaply.
    closed = _closed(accepting)
    rounds = [(closed, allowed // 2), (accepting, allowed - allowed // 2)] if closed != accepting else \
        [(accepting, allowed)]
    for schema, draws in rounds:
        try:
            # hypothesis-jsonschema rewrites the schema it is given in place (it "canonicalises" it, e.g.
            # merging a draft-07 $ref's ignored siblings into it): give it a copy.
            strategy = from_schema(copy.deepcopy(schema))
        except Exception:   # a schema hypothesis-jsonschema cannot generate from (odd regex, unsatisfiable, ...)
            continue
        config = settings(max_examples=max(1, min(max_examples, draws)), database=None, deadline=None,
                          derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        try:
            found = find(strategy, condition, settings=config)
        except NoSuchExample:
            continue
        except Exception:
            continue
        return (_simplify(found, condition),)
    return None


def _closed(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` on each object schema that lists ``properties`` and
    says nothing about other members, following ``properties``, ``items``, ``prefixItems`` and ``$defs``
    only (never into combinators, where narrowing a member could widen the whole)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _closed(v) for k, v in schema["properties"].items()}
        if not any(k in schema for k in ("additionalProperties", "patternProperties", "unevaluatedProperties")):
            out["additionalProperties"] = False
    for key in ("items", "additionalItems"):
        if isinstance(schema.get(key), dict):
            out[key] = _closed(schema[key])
    for key in ("prefixItems", "items"):
        if isinstance(schema.get(key), list):
            out[key] = [_closed(v) for v in schema[key]]
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            out[key] = {k: _closed(v) for k, v in schema[key].items()}
    return out


def _separates(accepts, rejects, value) -> bool:
    try:
        return accepts.is_valid(value) and not rejects.is_valid(value)
    except Exception:
        return False


MAX_SIMPLIFY_CHECKS = 400


def _simplify(value: Any, keeps: Callable[[Any], bool]) -> Any:
    """A simpler instance for which ``keeps`` still holds: members and items dropped, strings emptied,
    numbers zeroed, depth first, in a fixed order, with at most :data:`MAX_SIMPLIFY_CHECKS` checks."""
    left = [MAX_SIMPLIFY_CHECKS]

    def attempt(candidate) -> bool:
        if left[0] <= 0:
            return False
        left[0] -= 1
        return keeps(candidate)

    def simpler(current, path):
        # the value at ``path`` in ``current``, simplified in place of the whole instance
        target = _get(current, path)
        if isinstance(target, dict):
            for key in sorted(target):
                if key in _get(current, path):
                    smaller = _set(current, path, {k: v for k, v in _get(current, path).items() if k != key})
                    if attempt(smaller):
                        current = smaller
            for key in sorted(_get(current, path)):
                current = simpler(current, (*path, key))
        elif isinstance(target, list):
            i = len(target) - 1
            while i >= 0:
                items = _get(current, path)
                smaller = _set(current, path, items[:i] + items[i + 1:])
                if attempt(smaller):
                    current = smaller
                i -= 1
            for i in range(len(_get(current, path))):
                current = simpler(current, (*path, i))
        elif isinstance(target, str) and target:
            for shorter in ("", target[:1]):
                if shorter != target and attempt(_set(current, path, shorter)):
                    return _set(current, path, shorter)
        elif isinstance(target, (int, float)) and not isinstance(target, bool) and target != 0:
            for plainer in (0, 1, int(target) if isinstance(target, float) and target.is_integer() else None):
                if plainer is not None and plainer != target and attempt(_set(current, path, plainer)):
                    return _set(current, path, plainer)
        return current

    return simpler(value, ())


def _get(value, path):
    for key in path:
        value = value[key]
    return value


def _set(value, path, new):
    """``value`` with the value at ``path`` replaced by ``new`` (copies along the path only)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _set(value[head], rest, new)}
    copy_ = list(value)
    copy_[head] = _set(value[head], rest, new)
    return copy_
