"""Arrays: ``items``/``prefixItems`` (and draft-07 tuple ``items``/``additionalItems``), ``minItems``/``maxItems``,
``uniqueItems``, ``contains`` with ``minContains``/``maxContains``, ``unevaluatedItems``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .combinators import compare_unevaluated
from .numbers import compare_counts
from .schema import same, where

if TYPE_CHECKING:
    from .context import Context
    from .refs import Node


def _array_shape(schema: dict):
    items, prefix = schema.get("items"), schema.get("prefixItems")
    if isinstance(items, list):      # draft-07 tuple form
        return items, schema.get("additionalItems", True), "items", "additionalItems"
    if isinstance(prefix, list):
        return prefix, items if items is not None else True, "prefixItems", "items"
    return [], items if items is not None else True, "prefixItems", "items"


def compare_arrays(cx: Context, o: Node, n: Node, ip: str) -> None:
    compare_counts(cx, o, n, ip, (("minItems", False), ("maxItems", True)))
    ou, nu = o.schema.get("uniqueItems") is True, n.schema.get("uniqueItems") is True
    if ou != nu:
        cx.emit("bound-tightened" if nu else "bound-relaxed", n, ip,
                f"uniqueItems {where(ip)} {'now required' if nu else 'no longer required'}", nu, ou)
    opre, orest, opk, ork = _array_shape(o.schema)
    npre, nrest, npk, nrk = _array_shape(n.schema)
    for i in range(max(len(opre), len(npre))):
        oi = o.child(opre[i], opk, i) if i < len(opre) else o.child(orest, ork)
        ni = n.child(npre[i], npk, i) if i < len(npre) else n.child(nrest, nrk)
        cx.compare(oi, ni, f"{ip}/{i}")
    if not same(orest, nrest):
        on, nn = o.child(orest, ork), n.child(nrest, nrk)
        if nrest is False and orest is not False:
            cx.emit("items-closed", nn, ip, f"arrays {where(ip)} may no longer have items beyond the first "
                    f"{len(npre)}", True, False)
        elif orest is False and nrest is not False:
            cx.emit("items-opened", nn, ip, f"arrays {where(ip)} may now have items beyond the first "
                    f"{len(opre)}", False, True)
        else:
            cx.compare(on, nn, f"{ip}/*")
    oc, nc = o.schema.get("contains"), n.schema.get("contains")
    if oc is not None or nc is not None:
        if oc is None:
            cx.emit("contains-added", n, ip, f"arrays {where(ip)} must now contain a matching item", True, False)
        elif nc is None:
            cx.emit("contains-removed", o, ip, f"arrays {where(ip)} no longer need a matching item", False, True)
        else:
            cx.compare(o.child(oc, "contains"), n.child(nc, "contains"), f"{ip}/*")
            # minContains defaults to 1 (contains alone needs one matching item)
            om, nm = o.schema.get("minContains", 1), n.schema.get("minContains", 1)
            if om != nm:
                compare_counts(cx, o.with_schema({"minContains": om}), n.with_schema({"minContains": nm}), ip,
                               (("minContains", False),))
            compare_counts(cx, o, n, ip, (("maxContains", True),))
    compare_unevaluated(cx, o, n, ip, "unevaluatedItems")
