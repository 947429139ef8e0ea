"""The invariant map, collected from the rules' own declarations.

Every rule module under ``observatory_invariants/rules/<family>/`` declares its :class:`~.declare.Rule`
objects at module level; each family package's ``__init__`` declares its pre-commit hooks (``HOOKS``).
:func:`declared` imports them all and is the source of truth; ``python -m observatory_invariants.generate``
writes what it finds to ``rule_index.py`` (tests keep the two equal), and a run reads that index, so a rule's
module — and the engines and parsers it needs — is imported only when the rule runs. The rules are ordered
as the seed map does (C, X, V, I, A, B, R, then any others); this module answers the questions the runner,
the config and the CLI ask: which ids exist, which are enabled, which hooks run what.
"""

from __future__ import annotations

import importlib
import re

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:   # (typing itself is not imported at run time: start-up cost)
    from collections.abc import Iterable

    from .declare import Hook, Options, Rule, SubRule

# The declarations' names, re-exported (``registry.AUTOMATED``): the declare module and the Rule objects are made
# on first use, so that a run which only validates ids and answers from the run cache never builds them.
_DECLARE_NAMES = ("AUTOMATED", "GOVERNANCE", "GOVERNANCE_ONLY", "IMPLEMENTED", "PLANNED", "Hook", "Options", "Rule",
                  "SubRule")

_SEED_ORDER = "CXVIABR"
_ID = re.compile(r"([A-Za-z]+)(\d*)(.*)")


class UnknownRuleId(ConfigError, KeyError):
    """An id no rule declares; its message is the one the CLI prints."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0] if self.args else ""


def _seed_key(rule: Rule) -> tuple:
    prefix, number, rest = _ID.fullmatch(rule.id).groups()
    rank = _SEED_ORDER.index(prefix) if prefix in _SEED_ORDER else len(_SEED_ORDER)
    return rank, prefix, int(number or 0), rest


def declared() -> tuple[tuple[Rule, ...], tuple[Hook, ...]]:
    """Every rule and family hook *as declared*: imports every rule module. The source of truth, read by
    ``generate`` (which writes rule_index.py from it) and by the tests; a run uses the index instead."""
    import dataclasses
    import pkgutil

    from . import rules as rules_package
    from .declare import Rule

    found: list[Rule] = []
    hooks: list[Hook] = []
    for family in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        if not family.ispkg:
            continue
        package = importlib.import_module(f"{rules_package.__name__}.{family.name}")
        hooks.extend(getattr(package, "HOOKS", ()))
        for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{mod.name}")
            for value in vars(module).values():
                if isinstance(value, Rule) and not value.module:
                    found.append(dataclasses.replace(value, module=module.__name__))
    ids = [r.id for r in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"rule ids declared twice: {', '.join(duplicates)}")
    return tuple(sorted(found, key=_seed_key)), tuple(sorted(hooks, key=lambda h: (h.order, h.id)))


def _from_index() -> tuple[tuple[Rule, ...], tuple[Hook, ...]]:
    """The rules and hooks from the generated index: no rule module is imported until its check runs."""
    from . import rule_index
    from .declare import Hook, Rule, SubRule

    rules = tuple(Rule(id=r["id"], title=r["title"], family=r["family"], reads=r["reads"], check=r["check"],
                       subrules=tuple(SubRule(*s) for s in r["subrules"]), hooks=r["hooks"],
                       enforcement=r["enforcement"], seed_check=r["seed_check"],
                       shebang_scripts=r["shebang_scripts"], default_enabled=r["default_enabled"],
                       module=r["module"])
                  for r in rule_index.RULES)
    return rules, tuple(Hook(**h) for h in rule_index.HOOKS)


def index_entries(rules: tuple[Rule, ...], hooks: tuple[Hook, ...]) -> tuple[list[dict], list[dict], dict]:
    """What rule_index.py holds, from the declarations: rules, hooks and where each options class lives."""
    rule_rows = [{"id": r.id, "title": r.title, "family": r.family, "reads": r.reads,
                  "check": r.check_target if r.check else None,
                  "subrules": tuple((s.id, s.title, s.default_enabled) for s in r.subrules),
                  "options": tuple(f"{c.__module__}:{c.__qualname__}" for c in r.options),
                  "hooks": r.hooks, "enforcement": r.enforcement, "seed_check": r.seed_check,
                  "shebang_scripts": r.shebang_scripts, "default_enabled": r.default_enabled,
                  "module": r.module} for r in rules]
    import dataclasses

    hook_rows = [dataclasses.asdict(h) for h in hooks]
    return rule_rows, hook_rows, {}


_MAP: dict = {}   # the module's lazily made attributes (see _invariant_map); filled once


def _invariant_map() -> dict:
    """RULES, HOOKS and their lookup tables, made on first use (registry.RULES, or any function needing Rules)."""
    if not _MAP:
        try:
            rules, family_hooks = _from_index()
        except (ImportError, KeyError, TypeError):  # an index never generated, or of an older shape: regenerate it
            rules, family_hooks = declared()
        from .declare import Hook

        # The one hook that is no family's: every automated rule over the whole repository.
        whole = Hook("observatory-invariants", "observatory invariants (whole repository)",
                     "Run every automated invariant over the whole repository.", pass_filenames=False, order=0)
        _MAP.update(RULES=rules, _FAMILY_HOOKS=family_hooks, WHOLE_REPOSITORY_HOOK=whole,
                    HOOKS=(whole, *family_hooks), _BY_ID={rule.id.lower(): rule for rule in rules},
                    _SUBRULES={sub.id.lower(): sub for rule in rules for sub in rule.subrules})
    return _MAP


_MAP_NAMES = ("RULES", "_FAMILY_HOOKS", "WHOLE_REPOSITORY_HOOK", "HOOKS", "_BY_ID", "_SUBRULES")


def __getattr__(name: str):
    if name in _DECLARE_NAMES:
        from . import declare

        return getattr(declare, name)
    if name in _MAP_NAMES:
        return _invariant_map()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_DECLARE_NAMES, *_MAP_NAMES})


def hook_rules(hook: Hook) -> tuple[str, ...]:
    """The rule ids a hook runs (empty for the whole-repository hook: every automated rule)."""
    return tuple(r.id for r in _invariant_map()["RULES"] if hook.id in r.hooks)


def get(rule_id: str) -> Rule:
    """The rule for an id or sub-rule id (``B3.latest-tag`` gives B3), case-insensitively; UnknownRuleId else."""
    tables = _invariant_map()
    rule = tables["_BY_ID"].get(rule_id.split(".", 1)[0].lower())
    if rule is None or ("." in rule_id and rule_id.lower() not in tables["_SUBRULES"]):
        raise UnknownRuleId(f"unknown rule id {rule_id!r} (see `observatory-invariants list`)")
    return rule


def all_ids() -> list[str]:
    """Every id users can type: rules and their sub-rules (from the index when there is one: no Rule is made)."""
    if not _MAP:
        try:
            from . import rule_index

            return [i for row in rule_index.RULES for i in (row["id"], *(s[0] for s in row["subrules"]))]
        except (ImportError, KeyError, TypeError, IndexError):   # no index, or an older shape: the Rules say
            pass
    return [i for rule in _invariant_map()["RULES"] for i in rule.ids()]


def is_declared(rule_id: str) -> bool:
    """Whether a finding may carry this id: a rule's id or one of its sub-rules' ids, exactly as declared."""
    rule = _invariant_map()["_BY_ID"].get(rule_id.split(".", 1)[0].lower())
    return rule is not None and rule_id in rule.ids()


def canonical(selector: str) -> str:
    """A selector spelled as the map spells it (``b3`` → ``B3``, ``v2A`` → ``V2a``, ``c`` → ``C``)."""
    known = {i.lower(): i for i in all_ids()}
    return known.get(selector.lower(), selector.upper() if selector.isalpha() else selector)


def selector_matches(selector: str, rule_id: str) -> bool:
    """``B3`` matches B3 and B3.latest-tag; ``C`` matches every C rule; ``ALL`` matches everything."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    if rule_id == sel or rule_id.startswith(sel + "."):
        return True
    return sel.isalpha() and _ID.match(rule_id).group(1) == sel


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    ids = all_ids()
    return [s for s in selectors if not any(selector_matches(s, i) for i in ids)]


def subrule(rule_id: str) -> SubRule | None:
    return _invariant_map()["_SUBRULES"].get(rule_id.lower())


def is_enabled(rule_id: str, select: Iterable[str] | None, ignore: Iterable[str]) -> bool:
    """Whether findings of ``rule_id`` are reported, ruff-style: the most specific selector wins.

    ``select=None`` means the default set (every automated rule, every sub-rule that is on by default).
    A sub-rule that is off by default is only turned on by naming it exactly; an opt-in rule
    (``default_enabled=False``) by naming it or one of its sub-rules (families and ``ALL`` do not). An id no rule declares
    raises UnknownRuleId (it is a bug to ask, never a silent "enabled").
    """
    if not is_declared(rule_id):
        raise UnknownRuleId(f"unknown rule id {rule_id!r} (see `observatory-invariants list`)")
    sub = subrule(rule_id)
    rule = _invariant_map()["_BY_ID"][rule_id.split(".", 1)[0].lower()]
    default_on = rule.default_enabled and (sub is None or sub.default_enabled)
    best: tuple[int, bool] | None = None
    for selectors, verdict in ((select or (), True), (ignore, False)):
        for sel in selectors:
            if selector_matches(sel, rule_id):
                specificity = 0 if sel.upper() == "ALL" else len(sel)
                if best is None or specificity >= best[0]:
                    best = (specificity, verdict)
    if best is None:
        return select is None and default_on
    specificity, verdict = best
    if verdict and not default_on:
        if not rule.default_enabled and (sub is None or sub.default_enabled):
            return specificity >= len(rule.id)   # an opt-in rule: a selector naming the rule turns it all on
        return specificity == len(rule_id)
    return verdict


def option_classes() -> list[type[Options]]:
    """Every options class the rules declare, once each, in rule order (imports the modules that declare them)."""
    from . import rule_index

    seen: list[type[Options]] = []
    for row in rule_index.RULES:
        for ref in row["options"]:
            module, _, name = ref.partition(":")
            cls = getattr(importlib.import_module(module), name)
            if cls not in seen:
                seen.append(cls)
    return seen


def option_section_names() -> list[str]:
    """The config sections rule options live in, without importing any rule module."""
    from . import rule_index

    return list(rule_index.OPTION_SECTIONS)


def option_sections() -> dict[str, list[type[Options]]]:
    """Config section name → the options classes that live in it (sections in first-use order)."""
    sections: dict[str, list[type[Options]]] = {}
    for cls in option_classes():
        sections.setdefault(cls.section, []).append(cls)
    return sections


def rules_using(cls: type[Options]) -> list[str]:
    from . import rule_index

    ref = f"{cls.__module__}:{cls.__qualname__}"
    return [row["id"] for row in rule_index.RULES if ref in row["options"]]


# `from registry import *` names the lazy attributes too (they are made then)
__all__ = sorted(name for name in __dir__()
                 if not name.startswith("_") and name not in ("TYPE_CHECKING", "annotations", "importlib", "re"))
