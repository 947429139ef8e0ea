"""How a rule declares itself, once, beside its pure function.

A rule module holds module-level :class:`Rule` declarations (and the :class:`SubRule` constants its
findings use); :mod:`observatory_invariants.registry` collects them. Everything generated from the
invariant map — ``list``, ``explain``, ``.pre-commit-hooks.yaml``, the README tables, the options part
of ``contracts/schemas/config.json`` and each rule page's metadata header — comes from these
declarations (``python -m observatory_invariants.generate`` rewrites them; tests compare).

Options are typed: a frozen dataclass subclass of :class:`Options` whose fields are made with
:func:`option` (config key, default, help, JSON-schema fragment). Its defaults *are* the configured
defaults, so a pure function called with ``X3Options()`` behaves exactly like a run with no config.

This module is a leaf: it imports nothing from the package but ``errors``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

AUTOMATED = "automated"
GOVERNANCE = "governance"

IMPLEMENTED = "implemented"
PLANNED = "not implemented yet"
GOVERNANCE_ONLY = "governance only"


@dataclass(frozen=True)
class SubRule:
    """One distinct problem under a rule id: ``B3.latest-tag``. Findings carry it (``finding(LATEST_TAG, …)``)."""

    id: str
    title: str
    default_enabled: bool = True

    def __str__(self) -> str:
        return self.id


# --- typed options ---------------------------------------------------------------------------------------

def option(key: str, default: Any, help: str, *, schema: dict | None = None) -> Any:
    """A field of an :class:`Options` dataclass: its config key, default, one-line help and JSON schema.

    Lists and dicts in the config become tuples and read-only mappings here (options are immutable);
    ``schema`` is inferred from the default's type when not given.
    """
    meta = {"key": key, "help": help, "schema": schema if schema is not None else _infer_schema(default)}
    frozen = _freeze(default)
    if isinstance(frozen, (tuple, _FrozenDict)):
        return field(default_factory=lambda: frozen, metadata=meta)
    return field(default=frozen, metadata=meta)


class _FrozenDict(dict):
    """A dict that refuses changes: the shape options keep mappings in (hashable by identity only)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("options are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


def _freeze(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return _FrozenDict({k: _freeze(v) for k, v in value.items()})
    return value


def _infer_schema(default: Any) -> dict:
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer"}
    if isinstance(default, str):
        return {"type": "string"}
    if isinstance(default, (list, tuple)):
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(default, Mapping):
        return {"type": "object", "additionalProperties": {"type": "string"}}
    raise TypeError(f"cannot infer a JSON schema for the default {default!r}: pass schema=")


@dataclass(frozen=True)
class Options:
    """Base of every rule's options: a frozen dataclass bound to one config section.

    ``section`` is the table under ``[tool.observatory-invariants]`` the keys live in (``scripts``,
    ``docker``, ``contracts`` …); several option classes may share a section, never a key.
    """

    section: ClassVar[str] = ""
    description: ClassVar[str] = ""

    @classmethod
    def declared(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if "key" in f.metadata]

    @classmethod
    def keys(cls) -> list[str]:
        return [f.metadata["key"] for f in cls.declared()]

    @classmethod
    def from_section(cls, raw: Mapping[str, Any] | None):
        """The options a config section gives (keys this class does not declare are other classes' business)."""
        raw = raw or {}
        values = {f.name: _freeze(raw[f.metadata["key"]]) for f in cls.declared() if f.metadata["key"] in raw}
        return cls(**values)

    def to_section(self) -> dict[str, Any]:
        """This object's values under their config keys (tuples as lists), e.g. for ``list --format json``."""
        def thaw(v):
            if isinstance(v, tuple):
                return [thaw(x) for x in v]
            if isinstance(v, Mapping):
                return {k: thaw(x) for k, x in v.items()}
            return v
        return {f.metadata["key"]: thaw(getattr(self, f.name)) for f in self.declared()}


# --- hooks ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hook:
    """A pre-commit hook. Its rules are the rules that name it in ``hooks=``; its files, by default, the files
    those rules read (``layout_keys`` overrides; ``types`` selects by pre-commit's file type detection)."""

    id: str
    name: str
    description: str
    pass_filenames: bool = True
    types_or: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()
    staged: bool = False                        # judge the index (what the commit records), deletions included
    always_run: bool = False                    # run even when no file matches (a staged deletion is a change)
    layout_keys: tuple[str, ...] | None = None  # files: from these layout keys instead of the rules' reads
    exclude_keys: tuple[str, ...] = ()          # exclude: files another hook already checks for the same rules
    types: tuple[str, ...] = ()                 # pre-commit `types` (all must match), e.g. ("shell",)
    order: int = 100                            # position in the manifest


# --- rules ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One invariant of the map, declared in its rule module.

    ``check`` names the adapter ``(workspace, targets) -> list[Finding]``: ``"run"`` is a function of the
    declaring module, ``".lint:run"`` one of a sibling module (rules sharing one adapter run it once).
    ``None`` means the rule is registered but not checked (governance, or not implemented yet).
    ``reads`` are layout keys (see layout.py), resolved through the config.
    """

    id: str
    title: str
    family: str
    reads: tuple[str, ...] = ()
    check: str | None = None
    subrules: tuple[SubRule, ...] = ()
    options: tuple[type[Options], ...] = ()
    hooks: tuple[str, ...] = ()
    enforcement: str = AUTOMATED
    seed_check: str = ""              # what the seed repository used to enforce it
    shebang_scripts: bool = False     # also reads extension-less files pre-commit passes by `types: [shell]`
    default_enabled: bool = True      # False: opt-in, run only when a selector names the rule (not a family, not ALL)
    module: str = ""                  # set by the registry: the declaring module

    @property
    def status(self) -> str:
        if self.enforcement == GOVERNANCE:
            return GOVERNANCE_ONLY
        return IMPLEMENTED if self.check else PLANNED

    @property
    def implemented(self) -> bool:
        return self.status == IMPLEMENTED

    @property
    def category(self) -> str:  # the name `list --format json` has always used
        return self.family

    @property
    def check_target(self) -> str:
        """``package.module:function`` of the adapter (the key rules sharing an adapter have in common)."""
        if self.check is None:
            raise ValueError(f"{self.id} has no check")
        module, _, func = self.check.rpartition(":")
        if not module:
            return f"{self.module}:{func}"
        if module.startswith("."):
            package = self.module.rpartition(".")[0]
            return f"{package}{module}:{func}"
        return self.check

    def load_check(self):
        import importlib

        module, _, func = self.check_target.partition(":")
        return getattr(importlib.import_module(module), func)

    def ids(self) -> list[str]:
        return [self.id, *(s.id for s in self.subrules)]
