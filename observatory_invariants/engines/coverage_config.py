"""``coverage-config.json`` and the ratchet's baseline file: raw JSON in, typed and validated values out.

Both are validated against the tool's own schemas (``contracts/schemas/coverage-config.json`` and
``coverage-baseline.json``); what a schema cannot say (``warn`` >= ``min``, glob syntax, a misspelt
measurement name) is checked here. Every problem is a ``CoverageConfigError`` whose message starts
with the dotted key (``thresholds.processor.min: -5 is less than the minimum of 0``).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..parsers.coverage.model import MEASUREMENTS

DEFAULT_BASELINE = "coverage-baseline.json"
RATCHET_MODES = ("warn", "fail")


class CoverageConfigError(ValueError):
    """A malformed coverage config or baseline. ``key`` is the dotted path of the offending value ('' for the
    whole document); ``line`` is its line in the source text when the text was given."""

    def __init__(self, source: str, key: str, message: str, line: int | None = None):
        self.source, self.key, self.message, self.line = source, key, message, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")


@dataclass(frozen=True)
class SubPathThreshold:
    """A threshold for the files matching ``pattern`` (relative to the service root)."""

    pattern: str
    min: float
    warn: float
    measurement: str | None = None
    note: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class ServiceThreshold:
    name: str
    min: float
    warn: float
    tool: str | None = None
    measurement: str | None = None          # a measurement name; None: the report format's own total
    measurement_text: str | None = None     # the raw value when it described tool flags instead
    note: str | None = None
    report: str | None = None
    format: str | None = None
    root: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    paths: tuple[SubPathThreshold, ...] = ()
    rule: str | None = None

    @property
    def effective_exclude(self) -> tuple[str, ...]:
        """``exclude`` plus cargo-tarpaulin ``--exclude-files`` globs named in the measurement text: the config
        says the number is measured without those files, so a report that still has them is filtered to match."""
        return self.exclude + tuple(g for g in tool_flag_excludes(self.tool, self.measurement_text)
                                    if g not in self.exclude)


@dataclass(frozen=True)
class RatchetConfig:
    enabled: bool = False
    mode: str = "warn"
    tolerance: float = 0.0
    baseline: str = DEFAULT_BASELINE


@dataclass(frozen=True)
class CoverageConfig:
    services: Mapping[str, ServiceThreshold]
    ratchet: RatchetConfig = field(default_factory=RatchetConfig)
    source: str = "coverage-config.json"


@dataclass(frozen=True)
class BaselineEntry:
    percent: float
    measurement: str
    covered: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Baseline:
    """Per service (key ``(service, None)``) and per sub-path (key ``(service, pattern)``)."""

    entries: Mapping[tuple[str, str | None], BaselineEntry] = field(default_factory=dict)


def tool_flag_excludes(tool: str | None, text: str | None) -> tuple[str, ...]:
    """The globs a cargo-tarpaulin command line excludes (``--exclude-files A B``, ``--exclude-files=A``)."""
    if not text or not tool or "tarpaulin" not in tool:
        return ()
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    globs: list[str] = []
    taking = False
    for word in words:
        if word.startswith("--exclude-files="):
            globs += [g for g in word.split("=", 1)[1].split(",") if g]
            taking = False
        elif word == "--exclude-files":
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            globs.append(word)
    return tuple(globs)


# --- parsing helpers ---------------------------------------------------------------------------------

def _parse_text(text: str, source: str) -> Any:
    from ..parsers.coverage._input import reject_json_constant
    from ..parsers.strict_json import DuplicateKey, unique_keys

    if not text.strip():
        raise CoverageConfigError(source, "", "the file is empty; expected a JSON object")
    try:
        return json.loads(text, object_pairs_hook=unique_keys, parse_constant=reject_json_constant)
    except json.JSONDecodeError as exc:
        raise CoverageConfigError(source, "", f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except DuplicateKey as exc:
        raise CoverageConfigError(source, "", f"key {exc.key!r} appears twice in one object; keep one") from None
    except (ValueError, RecursionError) as exc:
        raise CoverageConfigError(source, "", f"invalid JSON: {exc}") from None


def _dotted(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(text: str | None, parts) -> int | None:
    if text is None:
        return None
    from ..parsers.jsonpos import locate

    try:
        return locate(text, list(parts))[0]
    except Exception:  # a position is a courtesy; the key already names the place
        return None


def _validate(raw: Any, schema_name: str, source: str, text: str | None) -> None:
    import jsonschema
    from jsonschema.exceptions import best_match

    from ..contracts_data import load_contract

    validator = jsonschema.Draft202012Validator(load_contract(schema_name))
    errors = sorted(validator.iter_errors(raw), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    error = errors[0]
    if error.validator in ("oneOf", "anyOf") and error.context:
        error = best_match(error.context)
    parts = list(error.absolute_path)
    key = _dotted(parts)
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        message = (f"unknown key {', '.join(map(repr, extra))}"
                   + (f" (known keys: {', '.join(known)})" if known else ""))
        parts = parts + extra[:1]
    else:
        message = error.message
    raise CoverageConfigError(source, key, message, _line_of(text, parts))


def _globs(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_globs(globs, source: str, key: str, text: str | None, parts) -> None:
    import pathspec

    for glob in globs:
        try:
            pathspec.PathSpec.from_lines("gitignore", [glob])
        except Exception as exc:  # pathspec's own message names the pattern problem
            raise CoverageConfigError(source, key, f"invalid glob {glob!r}: {exc}", _line_of(text, parts)) from None


def _measurement(value: str | None, source: str, key: str, text, parts) -> tuple[str | None, str | None]:
    """``(name, None)`` for a measurement name, ``(None, text)`` for a description of tool flags."""
    if value is None:
        return None, None
    if value in MEASUREMENTS:
        return value, None
    if value.startswith("-") or any(c.isspace() for c in value):
        return None, value
    raise CoverageConfigError(source, key, f"unknown measurement {value!r} (known: {', '.join(MEASUREMENTS)}; "
                                           "text describing the tool's flags starts with '-' or has a space)",
                              _line_of(text, parts))


def _warn_not_below_min(entry: dict, source: str, key: str, text, parts) -> float:
    minimum = entry["min"]
    warn = entry.get("warn", minimum)
    if warn < minimum:
        raise CoverageConfigError(source, f"{key}.warn", f"{warn} is below min ({minimum}); warn must be >= min",
                                  _line_of(text, parts + ["warn"]))
    return warn


def load_coverage_config(raw: Any, source: str = "coverage-config.json", text: str | None = None) -> CoverageConfig:
    """A CoverageConfig from parsed JSON (``text``, when given, only adds line numbers to errors)."""
    _validate(raw, "coverage-config", source, text)
    services = {}
    for name, entry in raw["thresholds"].items():
        key, parts = f"thresholds.{name}", ["thresholds", name]
        warn = _warn_not_below_min(entry, source, key, text, parts)
        measurement, measurement_text = _measurement(entry.get("measurement"), source, f"{key}.measurement", text,
                                                     parts + ["measurement"])
        include, exclude = _globs(entry.get("include")), _globs(entry.get("exclude"))
        _check_globs(include, source, f"{key}.include", text, parts + ["include"])
        _check_globs(exclude, source, f"{key}.exclude", text, parts + ["exclude"])
        subs = []
        for pattern, sub in entry.get("paths", {}).items():
            sub_key, sub_parts = f"{key}.paths.{pattern}", parts + ["paths", pattern]
            _check_globs([pattern], source, sub_key, text, sub_parts)
            subs.append(SubPathThreshold(pattern, sub["min"], _warn_not_below_min(sub, source, sub_key, text, sub_parts),
                                         sub.get("measurement"), sub.get("note"), sub.get("rule")))
        services[name] = ServiceThreshold(
            name=name, min=entry["min"], warn=warn, tool=entry.get("tool"), measurement=measurement,
            measurement_text=measurement_text, note=entry.get("note"), report=entry.get("report"),
            format=entry.get("format"), root=entry.get("root"), include=include, exclude=exclude,
            paths=tuple(subs), rule=entry.get("rule"))
    ratchet_raw = raw.get("ratchet", {})
    ratchet = RatchetConfig(enabled=ratchet_raw.get("enabled", False), mode=ratchet_raw.get("mode", "warn"),
                            tolerance=ratchet_raw.get("tolerance", 0.0),
                            baseline=ratchet_raw.get("baseline", DEFAULT_BASELINE))
    return CoverageConfig(services, ratchet, source)


def parse_coverage_config(text: str, source: str = "coverage-config.json") -> CoverageConfig:
    """A CoverageConfig from the file's text."""
    return load_coverage_config(_parse_text(text, source), source, text)


def load_baseline(raw: Any, source: str = DEFAULT_BASELINE, text: str | None = None) -> Baseline:
    """A Baseline from parsed JSON."""
    _validate(raw, "coverage-baseline", source, text)
    entries: dict[tuple[str, str | None], BaselineEntry] = {}

    def entry(value: dict) -> BaselineEntry:
        return BaselineEntry(value["percent"], value["measurement"], value.get("covered"), value.get("total"))

    for name, value in raw["services"].items():
        entries[(name, None)] = entry(value)
        for pattern, sub in value.get("paths", {}).items():
            entries[(name, pattern)] = entry(sub)
    return Baseline(entries)


def parse_baseline(text: str, source: str = DEFAULT_BASELINE) -> Baseline:
    return load_baseline(_parse_text(text, source), source, text)


def baseline_document(baseline: Baseline) -> dict:
    """The baseline as the JSON document ``coverage-baseline.json`` holds (services and paths sorted)."""
    def entry(value: BaselineEntry) -> dict:
        out: dict[str, Any] = {"percent": value.percent, "measurement": value.measurement}
        if value.covered is not None:
            out["covered"] = value.covered
        if value.total is not None:
            out["total"] = value.total
        return out

    services: dict[str, dict] = {}
    for (name, pattern) in sorted(baseline.entries, key=lambda k: (k[0], k[1] is not None, k[1] or "")):
        value = baseline.entries[(name, pattern)]
        if pattern is None:
            services[name] = entry(value)
        else:
            services.setdefault(name, {}).setdefault("paths", {})[pattern] = entry(value)
    return {"services": services}


def dump_baseline(baseline: Baseline) -> str:
    return json.dumps(baseline_document(baseline), indent=2, sort_keys=False) + "\n"
