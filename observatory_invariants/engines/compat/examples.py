"""A counterexample for an incompatible pair: an instance one schema accepts and the other rejects.

Optional and best effort (the ``compat`` command's explain output): instances
are drawn with hypothesis-jsonschema when it is installed, under a small,
fixed budget and with no example database, and checked with jsonschema.
Returns None when nothing turns up (or the libraries are missing).
"""

from __future__ import annotations

import copy
from typing import Any

_MISSING = object()


def _validator(schema: Any, registry: Any = None):
    import jsonschema
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=jsonschema.Draft202012Validator) if isinstance(schema, dict) else \
        jsonschema.Draft202012Validator
    kwargs = {"format_checker": cls.FORMAT_CHECKER}
    if registry is not None:
        kwargs["registry"] = registry
    return cls(schema, **kwargs)


def find_counterexample(accepting: Any, rejecting: Any, *, max_examples: int = 300) -> Any:
    """An instance ``accepting`` accepts and ``rejecting`` rejects, or ``_MISSING``-free None when none is found.

    The returned value is wrapped in a 1-tuple so that a JSON ``null`` counterexample is distinguishable
    from "none found" (None).
    """
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample
        from hypothesis_jsonschema import from_schema
    except ImportError:
        return None
    try:
        # hypothesis-jsonschema rewrites the schema it is given in place (it "canonicalises" it, e.g. merging
        # a draft-07 $ref's ignored siblings into it): give it a copy, and validate with the originals.
        strategy = from_schema(copy.deepcopy(accepting))
        accepts = _validator(accepting)
        rejects = _validator(rejecting)
    except Exception:   # a schema hypothesis-jsonschema cannot generate from (recursive $ref, odd regex, ...)
        return None

    def condition(value):
        try:
            return accepts.is_valid(value) and not rejects.is_valid(value)
        except Exception:
            return False

    config = settings(max_examples=max_examples, database=None, deadline=None, derandomize=True,
                      phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    try:
        return (find(strategy, condition, settings=config),)
    except NoSuchExample:
        return None
    except Exception:
        return None
