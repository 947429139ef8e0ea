"""V1–V6 / V2a ``.docs``: documented thresholds agree with ``coverage-config.json``.

Two shapes of markdown table are read (any ``coverage-docs`` file; the layout default is every ``*.md``, and only
files holding such a table are looked at closely):

- a threshold table — a header with a service column (``Service``, ``Component``) and a ``Min`` column
  (``Min Threshold``, ``Minimum``), optionally ``Warn``: each row naming a configured service (``Processor
  (Python)`` is ``processor``; ``metrics-engine/validator`` is that service's sub-path) must give its numbers;
- the invariant map — ``| ID | Invariant | … |`` rows of the V rules that state a threshold (``≥ 80%``): the number
  must be the min of the service (or sub-path) mapped to that id; a row marked enforced (✅) whose id no
  threshold in the config carries is a finding too (the seed's V2a).

Pure functions take the parsed config and the document text; the adapter reads the files.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ...errors import UnreadableFile
from ...findings import Finding, finding
from ...workspace import Workspace
from .inputs import PATH_RULES, CoverageInputs

# A cell holding one percentage: "80%", "80 %", "≥ 80%", "80", "**80%**".
_CELL_PERCENT = re.compile(r"^(?:≥|>=|=>)?\s*(\d{1,3}(?:\.\d+)?)\s*%?$")
# Threshold columns: "Min", "Minimum", "Min Threshold", "Min %", "Min coverage (%)"; "Warn", "Warn Threshold".
_MIN_HEADER = re.compile(r"(?i)^min(?:imum)?(?:\s+(?:threshold|coverage|cov))?\s*(?:\(?%\)?)?$")
_WARN_HEADER = re.compile(r"(?i)^warn(?:ing)?(?:\s+(?:threshold|level|coverage|cov))?\s*(?:\(?%\)?)?$")
_MAP_THRESHOLD = re.compile(r"(?:≥|>=|=>|at least)\s*(\d{1,3}(?:\.\d+)?)\s*%")
_PREFILTER = re.compile(r"(?i)\bmin|\|\s*V\d")


def _norm(text: str) -> str:
    from ...parsers.markdown_tables import plain_text

    text = re.sub(r"\([^)]*\)", " ", plain_text(text)).lower()
    return re.sub(r"[^a-z0-9/]+", "-", text).strip("-/")


def _percent(cell: str) -> Fraction | None:
    from ...parsers.markdown_tables import plain_text

    match = _CELL_PERCENT.match(plain_text(cell))
    if match is None:
        return None   # "—", empty, a version, several numbers: not one threshold
    value = Fraction(match.group(1))
    return value if 0 <= value <= 100 else None


_GENERIC = frozenset(("service", "services", "lib", "library", "package", "module", "app", "api", "server"))


def match_row(name: str, inputs: CoverageInputs):
    """What a table row names: ``(service, sub-path or None, unmatched rest or None)``, or None. The row's normalised name is a service's
    (``Processor (Python)`` → processor), or a service's followed by a generic word (``gateway service``), or a
    service's followed by one of its sub-path patterns (``metrics-engine/validator``, ``Metrics Engine
    Validator``); a service's name followed by anything else is ``(service, None, rest)``. Anything else is None."""
    config = inputs.config
    by_norm = {_norm(s): s for s in config.services}
    if name in by_norm:
        return by_norm[name], None, None
    for norm in sorted(by_norm, key=len, reverse=True):
        if not norm or not (name.startswith(norm + "-") or name.startswith(norm + "/")):
            continue
        service = by_norm[norm]
        rest = name[len(norm) + 1:].strip("-/")
        if rest in _GENERIC:
            return service, None, None
        for sub in config.services[service].paths:
            if _norm(sub.pattern) == rest or _norm(sub.pattern).replace("/", "-") == rest.replace("/", "-"):
                return service, sub, None
        return service, None, rest
    return None


def check_threshold_tables(path: str, text: str, inputs: CoverageInputs) -> list[Finding]:
    """Rows of Service | Min | Warn tables that disagree with the config."""
    from ...engines.coverage import exact_percent
    from ...parsers.markdown_tables import tables

    config = inputs.config
    services = list(config.services)
    out: list[Finding] = []
    for table in tables(text):
        name_col = table.column(lambda h: re.fullmatch(r"(?i)(service|component|module|package|app)s?", h) is not None)
        min_col = table.column(lambda h: _MIN_HEADER.match(h) is not None)
        warn_col = table.column(lambda h: _WARN_HEADER.match(h) is not None)
        if name_col is None or min_col is None:
            continue
        for row in table.rows:
            raw_name = row.text(name_col)
            if raw_name is None:
                continue
            name = _norm(raw_name)
            numbers = {"min": _percent(row.text(min_col) or ""),
                       "warn": _percent(row.text(warn_col) or "") if warn_col is not None else None}
            if all(v is None for v in numbers.values()):
                continue
            matched = match_row(name, inputs)
            if matched is None:
                first = next(iter(config.services), None)
                out.append(finding(first_enabled_for(inputs, first, "docs"), path,
                                   f"the threshold table names {raw_name!r}, which is neither a service of "
                                   f"{inputs.config_path} ({', '.join(services)}) nor one of their sub-path "
                                   "thresholds, so nothing enforces its numbers; add it to the config or fix the "
                                   "name", row.line, row.cells[name_col].column, "warning"))
                continue
            service, sub, rest = matched
            if rest is not None:
                rule = inputs.rules[service]
                out.append(finding(f"{'V2a' if rule == 'V2' else rule}.docs", path,
                                   f"the threshold table documents {raw_name!r} — a part of {service} — but "
                                   f"{inputs.config_path} has no sub-path threshold for it (thresholds.{service}.paths)"
                                   ", so nothing enforces those numbers; add one (\"paths\": {\"" + rest + "/\": "
                                   "{\"min\": …}}) or drop the row", row.line, row.cells[name_col].column, "warning"))
                continue
            entry = config.services[service]
            rule = inputs.rules[service]
            label, keys = service, ["thresholds", service]
            if sub is not None:
                entry, rule = sub, inputs.path_rule(service, sub)
                label, keys = f"{service} {sub.pattern}", keys + ["paths", sub.pattern]
            for key, col in (("min", min_col), ("warn", warn_col)):
                documented = numbers[key]
                if documented is None or col is None:
                    continue
                actual = getattr(entry, key)
                if documented != exact_percent(actual):
                    out.append(finding(f"{rule}.docs", path,
                                       f"documents {label}'s {key} as {float(documented):g}% but {inputs.config_path} "
                                       f"says {actual:g} ({'.'.join(keys)}.{key}); the config is the source of "
                                       "truth: update the table (or the config)", row.line, row.cells[col].column))
    return out


def first_enabled_for(inputs: CoverageInputs, service: str | None, suffix: str) -> str:
    return f"{inputs.rules.get(service, 'V1') if service else 'V1'}.{suffix}"


def check_map_rows(path: str, text: str, inputs: CoverageInputs) -> list[Finding]:
    """``| V1 | Processor coverage ≥ 80% | … |`` rows whose number is not the mapped threshold's min."""
    from ...engines.coverage import exact_percent
    from ...parsers.markdown_tables import plain_text, tables

    config = inputs.config
    holders: dict[str, list[tuple[str, object, list[str]]]] = {}
    for name, service in config.services.items():
        holders.setdefault(inputs.rules[name], []).append((name, service, ["thresholds", name]))
        for sub in service.paths:
            holders.setdefault(inputs.path_rule(name, sub), []).append(
                (f"{name} {sub.pattern}", sub, ["thresholds", name, "paths", sub.pattern]))
    out: list[Finding] = []
    for table in tables(text):
        id_col = table.column(lambda h: h.lower() in ("id", "rule", "invariant id"))
        if id_col is None:
            continue
        for row in table.rows:
            rule = plain_text(row.text(id_col) or "")
            if rule not in PATH_RULES:
                continue
            cells = [plain_text(c.text) for i, c in enumerate(row.cells) if i != id_col]
            hit = next(((i, m) for i, cell in enumerate(cells) for m in [_MAP_THRESHOLD.search(cell)] if m), None)
            if hit is None:
                continue
            documented = Fraction(hit[1].group(1))
            if documented > 100:
                continue
            column = next((c.column for i, c in enumerate(row.cells) if i != id_col and _MAP_THRESHOLD.search(
                plain_text(c.text))), None)
            owners = holders.get(rule, [])
            if not owners:
                enforced = any("✅" in c for c in cells)
                out.append(finding(f"{rule}.docs", path,
                                   f"documents {rule} as coverage ≥ {float(documented):g}%"
                                   + (" (marked enforced)" if enforced else "")
                                   + f", but no threshold in {inputs.config_path} carries {rule}, so nothing "
                                   "enforces it; add the threshold (a sub-path one for V2a: \"paths\": "
                                   "{\"validator/\": {\"min\": …}}) or correct the row", row.line, column,
                                   "error" if enforced else "warning"))
                continue
            if len(owners) != 1:
                continue
            label, entry, keys = owners[0]
            if documented != exact_percent(entry.min):
                out.append(finding(f"{rule}.docs", path,
                                   f"documents {rule} ({label}) as coverage ≥ {float(documented):g}% but "
                                   f"{inputs.config_path} says min {entry.min:g} ({'.'.join(keys)}.min); the config "
                                   "is the source of truth: update the row (or the config)", row.line, column))
    return out


def gather_docs_findings(ws: Workspace, inputs: CoverageInputs, targets: list[str] | None) -> list[Finding]:
    paths = targets if targets is not None else ws.glob("coverage-docs")
    out: list[Finding] = []
    for path in paths:
        try:
            text = ws.read_text(path)
        except UnreadableFile:
            continue   # markdown that cannot be read documents nothing checkable
        if "|" not in text or not _PREFILTER.search(text):
            continue
        out += check_threshold_tables(path, text, inputs)
        out += check_map_rows(path, text, inputs)
    return out
