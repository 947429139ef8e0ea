"""Compose files as Docker Compose reads them, for the questions the integration rules ask.

Input is the plain data of :mod:`.yaml_loader` (anchors and ``<<`` merge keys already applied). Top-level
extension fields (``x-…``) are not services; a service's ``extends`` (``extends: name`` or
``extends: {service: name, file: other.yml}``) is resolved so that a service inherits ``image`` / ``build``
from the one it extends, across files when ``read`` can open the other file, with cycles detected.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Service:
    name: str
    line: int | None
    image: str | None          # the image it runs (own or inherited), None when none
    build: Any                 # the build it declares (own or inherited), None when none
    resolved: bool = True      # False when an ``extends`` could not be followed (another file unreadable…)
    profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class External:
    kind: str                  # 'network' or 'volume'
    name: str
    line: int | None


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def services_of(doc) -> dict:
    """The ``services`` mapping of a compose document (empty when it has none)."""
    return {k: v for k, v in _mapping(_mapping(doc).get("services")).items() if isinstance(k, str)}


def read_services(path: str, doc, read: Callable[[str], Any] | None = None, _depth: int = 0) -> list[Service]:
    """Every service of a compose document with what it runs; ``read(path)`` gives another compose file's
    document (or None) for ``extends.file``."""
    from .yaml_loader import line_of

    raw = services_of(doc)
    out: list[Service] = []
    for name, body in raw.items():
        image, build, resolved = _resolve(path, name, raw, read, set(), _depth)
        profiles = tuple(str(p) for p in _mapping(body).get("profiles") or () if isinstance(p, (str, int)))
        out.append(Service(name, line_of(_mapping(doc).get("services"), name), image, build, resolved, profiles))
    return out


def _resolve(path: str, name: str, raw: dict, read, seen: set, depth: int):
    body = _mapping(raw.get(name))
    image = body.get("image") if isinstance(body.get("image"), str) and body.get("image").strip() else None
    build = body.get("build") if body.get("build") not in (None, "", {}) else None
    if image is not None or build is not None:
        return image, build, True
    extends = body.get("extends")
    if extends is None:
        return None, None, True
    key = (path, name)
    if key in seen or depth > 10:
        return None, None, False
    seen = seen | {key}
    if isinstance(extends, str):
        target, other = extends, None
    elif isinstance(extends, dict) and isinstance(extends.get("service"), str):
        target, other = extends["service"], extends.get("file")
    else:
        return None, None, False
    if other is None:
        if target not in raw:
            return None, None, False
        return _resolve(path, target, raw, read, seen, depth + 1)
    if read is None or not isinstance(other, str):
        return None, None, False
    other_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), other))
    other_doc = read(other_path)
    other_raw = services_of(other_doc)
    if target not in other_raw:
        return None, None, False
    return _resolve(other_path, target, other_raw, read, seen, depth + 1)


def externals(doc) -> list[External]:
    """Top-level networks and volumes declared ``external`` (they must exist before ``up``)."""
    from .yaml_loader import line_of

    out: list[External] = []
    for kind, key in (("network", "networks"), ("volume", "volumes")):
        table = _mapping(_mapping(doc).get(key))
        for name, body in table.items():
            flag = _mapping(body).get("external")
            if flag is True or (isinstance(flag, dict) and flag):
                out.append(External(kind, str(name), line_of(table, name)))
    return out
