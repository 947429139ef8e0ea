"""Configuration: ``[tool.observatory-invariants]`` in pyproject.toml or ``.observatory-invariants.toml``.

The file is validated against the tool's own config schema
(``contracts/schemas/config.json``); an unknown key is a :class:`ConfigError`
naming the key, which the CLI turns into exit code 2.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import ConfigError
from .layout import CONFIG_FILE, DEFAULT_PATHS, DEFAULT_ROOT_MARKERS, PYPROJECT
from .patterns import PatternIndex

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Mapping
    from typing import Any

TOOL_KEY = "observatory-invariants"
# No default: rule documentation ships inside the package (`explain ID`, SARIF `help`); a team that publishes
# the pages somewhere sets docs-url, and only then does SARIF carry a helpUri.
DEFAULT_DOCS_URL = None

MAX_CONFIG_BYTES = 10_000_000   # a config file is small; this bounds parsing and validation
MAX_CONFIG_VALUES = 100_000    # table entries and list items in the tool's table, all levels together
MAX_GLOBS = 25_000             # globs in exclude, per-path-ignores, paths and contracts.instances together
MAX_CONFIG_DEPTH = 32           # the deepest real table is 3 levels
MAX_GLOB_LENGTH = 4096


def _load_toml(path: Path) -> dict:
    """A TOML file as data: a regular file (links followed; the caller confines them), under the size cap;
    anything else is a ConfigError naming the file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    from .errors import UnreadableFile
    from .repo import read_regular_file

    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES, shown=str(path))
    except UnreadableFile as exc:
        raise ConfigError(f"{path}: {exc.reason}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8; save it as UTF-8") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None
    except ValueError as exc:   # an integer of more digits than Python converts (4,300)
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


@dataclass(frozen=True)
class Config:
    source: str | None = None
    root_markers: tuple[str, ...] = DEFAULT_ROOT_MARKERS
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_path_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity: Mapping[str, str] = field(default_factory=dict)
    max_file_size: int = 5_000_000
    docs_url: str | None = DEFAULT_DOCS_URL
    baseline: str | None = None        # a baseline file (relative to the root): its findings are not reported
    paths: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType(dict(DEFAULT_PATHS)))
    # The rule options' tables as written ([tool.observatory-invariants.<section>]); typed through options().
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    _typed: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def patterns(self, layout_key: str) -> tuple[str, ...]:
        return self.paths[layout_key]

    def options(self, cls):
        """A rule's typed options (an :class:`~observatory_invariants.declare.Options` subclass) as configured."""
        if cls not in self._typed:
            self._typed[cls] = cls.from_section(self.sections.get(cls.section))
        return self._typed[cls]

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """The selectors ``per-path-ignores`` turns off for ``path`` (its patterns have gitignore semantics).

        The patterns are compiled once per config and matched in one pass per path, so 20,000 entries cost
        what 20 do per finding."""
        if not self.per_path_ignores:
            return ()
        index = self._typed.get(PatternIndex)
        if index is None:
            index = self._typed[PatternIndex] = PatternIndex(tuple(self.per_path_ignores))
        ids = list(self.per_path_ignores.values())
        return tuple(dict.fromkeys(s for i in index.matching(path) for s in ids[i]))

    def section(self, name: str) -> Mapping[str, Any]:
        """A whole options section, every declared key with its configured (or default) value."""
        from .registry import option_sections

        values: dict[str, Any] = {}
        for cls in option_sections().get(name, ()):
            values.update(self.options(cls).to_section())
        return MappingProxyType(values)


def _config_path(root: Path, name: str) -> Path | None:
    """``root/name`` when it exists; a link must stay inside the root (a committed link to an outside file
    must not bring in settings nobody reviewed: name such a file with --config)."""
    path = root / name
    if not os.path.lexists(path):
        return None
    from .repo import inside

    target = Path(os.path.realpath(path))
    if not inside(target, root.resolve()):
        raise ConfigError(f"{path}: a symbolic link to {target}, outside the repository; not read (pass an outside "
                          "config file with --config)")
    return path


def find_config_file(root: Path) -> tuple[Path, dict] | None:
    """The config file at ``root`` and its raw table, or None when there is none."""
    dedicated = _config_path(root, CONFIG_FILE)
    if dedicated is not None:
        return dedicated, _load_toml(dedicated)
    pyproject = _config_path(root, PYPROJECT)
    if pyproject is not None and not os.path.isdir(pyproject):
        data = _load_toml(pyproject)
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{pyproject}: [tool] must be a table")
        table = tool.get(TOOL_KEY)
        if table is not None:
            return pyproject, table
    return None


def _validation_error_text(error, dedicated: bool) -> str:
    parts = list(error.absolute_path)
    table = ".".join(str(p) for p in parts if isinstance(p, str))
    if dedicated:
        where = f"[{table}]" if table else "the top level"
    else:
        where = f"[tool.{TOOL_KEY}{'.' + table if table else ''}]"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(sorted(error.schema.get("properties", {})))
        names = ", ".join(repr(k) for k in extra)
        hint = (" (this file is the tool's table itself: write its keys without a [tool.…] header)"
                if dedicated and extra == ["tool"] else "")
        return f"unknown key {names} in {where} (known keys: {known}){hint}"
    from .contracts_data import load_contract

    if error.schema == load_contract("config")["$defs"]["globs"]:
        return f"{where}: {error.instance!r} must be a glob string or a list of glob strings"
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        error = best_match(error.context)
    return f"{where}: {error.message}"


def validate_raw(raw: dict, source: str, dedicated: bool = False) -> None:
    """Raise ConfigError for the first problem of ``raw`` against the config schema, then for values
    the schema cannot judge (glob syntax, the docs URL template, format names)."""
    import jsonschema

    from .contracts_data import load_contract

    _check_size(raw, source)
    schema = load_contract("config")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError(f"{source}: {_validation_error_text(errors[0], dedicated)}")
    _check_values(raw, source)


def _check_size(raw: dict, source: str) -> None:
    """Bound what validation and matching will do: the number of values and the nesting of the table."""
    count = 0
    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise ConfigError(f"{source}: nested more than {MAX_CONFIG_DEPTH} levels deep; the config's tables and "
                              "lists are at most 3 levels deep")
        children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else ()
        count += len(children)
        if count > MAX_CONFIG_VALUES:
            raise ConfigError(f"{source}: more than {MAX_CONFIG_VALUES} values (keys, list items); use folder "
                              "globs such as 'vendor/**' rather than listing files one by one")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def _glob_problem(glob: str) -> str | None:
    """Why a configured glob can never select a file inside the root, or is unusable; None when it is fine."""
    if len(glob) > MAX_GLOB_LENGTH:
        return f"is longer than {MAX_GLOB_LENGTH} characters"
    if "\0" in glob:
        return "contains a NUL character"
    if ".." in glob.replace("\\", "/").split("/"):
        return "climbs out with '..': globs are relative to the repository root and never leave it"
    return None


def _check_values(raw: dict, source: str) -> None:
    import jsonschema
    from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

    from .textio import MAX_FILE_SIZE_CEILING

    globs = [("exclude", g) for g in raw.get("exclude", ())]
    globs += [("per-path-ignores", g) for g in raw.get("per-path-ignores", {})]
    for key, value in raw.get("paths", {}).items():
        globs += [(f"paths.{key}", g) for g in ([value] if isinstance(value, str) else value)]
    globs += [("contracts.instances", g) for g in raw.get("contracts", {}).get("instances", {})]
    if len(globs) > MAX_GLOBS:
        raise ConfigError(f"{source}: {len(globs)} globs in exclude, per-path-ignores, paths and contracts.instances, "
                          f"over the limit of {MAX_GLOBS}; use folder globs such as 'vendor/**' rather than listing "
                          "files one by one")
    for key, glob in globs:
        problem = _glob_problem(glob)
        if problem:
            raise ConfigError(f"{source}: {key}: glob {glob[:200]!r} {problem}")
        try:
            regex, _ = GitIgnoreBasicPattern.pattern_to_regex(glob)
            if regex is not None and "[" in glob:
                re.compile(regex)   # a bracket expression is the only part pathspec does not escape: [z-a]
        except Exception as exc:  # pathspec's own errors name the pattern problem
            raise ConfigError(f"{source}: {key}: invalid glob {glob!r}: {exc}") from None
    if raw.get("max-file-size", 0) > MAX_FILE_SIZE_CEILING:
        raise ConfigError(f"{source}: max-file-size: {raw['max-file-size']} is over the ceiling of "
                          f"{MAX_FILE_SIZE_CEILING} bytes (a repository's files are read whole)")
    if "docs-url" in raw:
        try:
            raw["docs-url"].format(rule="C1")
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{source}: docs-url: {raw['docs-url']!r} is not a valid template (use {{rule}} "
                              f"for the rule id and double other braces): {exc!r}") from None
    unknown = [f for f in raw.get("contracts", {}).get("formats", ()) if f not in jsonschema.FormatChecker.checkers]
    if unknown:
        known = ", ".join(sorted(jsonschema.FormatChecker.checkers))
        raise ConfigError(f"{source}: contracts.formats: no checker for {', '.join(map(repr, unknown))} "
                          f"(known: {known})")


def build_config(raw: dict | None, source: str | None = None) -> Config:
    """A Config from a raw (already validated) table; ``None`` gives the defaults."""
    if not raw:
        return Config(source=source)
    paths = dict(DEFAULT_PATHS)
    for key, value in raw.get("paths", {}).items():
        paths[key] = (value,) if isinstance(value, str) else tuple(value)
    from .registry import option_section_names

    sections = {name: MappingProxyType(dict(raw[name])) for name in option_section_names() if name in raw}
    return Config(
        source=source,
        root_markers=tuple(raw.get("root-markers", DEFAULT_ROOT_MARKERS)),
        select=tuple(raw["select"]) if "select" in raw else None,
        ignore=tuple(raw.get("ignore", ())),
        exclude=tuple(raw.get("exclude", ())),
        per_path_ignores=MappingProxyType({k: tuple(v) for k, v in raw.get("per-path-ignores", {}).items()}),
        severity=MappingProxyType(dict(raw.get("severity", {}))),
        max_file_size=int(raw.get("max-file-size", 5_000_000)),
        docs_url=raw.get("docs-url", DEFAULT_DOCS_URL),
        baseline=raw.get("baseline"),
        paths=MappingProxyType(paths),
        sections=MappingProxyType(sections),
    )


_UNREAD = object()


def discover(start: Path, *, root: Path | None = None, config_file: Path | None = None) -> tuple[Path, Config]:
    """The repository root (``root``, or the nearest folder at or above ``start`` with a root marker — the
    config's own ``root-markers`` when it sets them) and its validated config, each config file read once."""
    from .repo import find_root

    found = _UNREAD
    if root is None:
        root = find_root(start, DEFAULT_ROOT_MARKERS)
        found = find_config_file(root)
        markers = found[1].get("root-markers") if found and isinstance(found[1], dict) else None
        if isinstance(markers, list) and markers and all(isinstance(m, str) and m for m in markers) \
                and tuple(markers) != DEFAULT_ROOT_MARKERS:
            other = find_root(start, tuple(markers))
            if other != root:
                root, found = other, find_config_file(other)
    else:
        root = root.resolve()
        try:
            os.scandir(root).close()
        except OSError as exc:
            raise ConfigError(f"{root}: cannot read the folder: {exc.strerror or exc}") from None
        if config_file is None:
            found = find_config_file(root)
    return root, load_config(root, config_file, found=found)


def load_config(root: Path, explicit: Path | None = None, *, found=_UNREAD) -> Config:
    """Load and validate the config for the repository at ``root`` (``found``: what find_config_file gave,
    when the caller already read it)."""
    if explicit is not None:
        if not os.path.exists(explicit):
            raise ConfigError(f"{explicit}: config file not found")
        data = _load_toml(explicit)
        tool = data.get("tool", {}) if explicit.name == PYPROJECT else {}
        if not isinstance(tool, dict):
            raise ConfigError(f"{explicit}: [tool] must be a table")
        raw = tool.get(TOOL_KEY, {}) if explicit.name == PYPROJECT else data
        source = str(explicit)
    else:
        if found is _UNREAD:
            found = find_config_file(root)
        if found is None:
            return Config()
        path, raw = found
        source = str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [tool.{TOOL_KEY}] must be a table")
    if not raw:  # an empty table: nothing to validate (and no reason to import jsonschema)
        return Config(source=source)
    validate_raw(raw, source, dedicated=not source.endswith(PYPROJECT))
    from .registry import unknown_selectors

    for key in ("select", "ignore"):
        bad = unknown_selectors(raw.get(key, ()))
        if bad:
            raise ConfigError(f"{source}: {key}: unknown rule id(s) {', '.join(map(repr, bad))}")
    ignores = raw.get("per-path-ignores", {})
    bad_anywhere = set(unknown_selectors({i for ids in ignores.values() for i in ids}))   # one registry pass
    for pattern, ids in ignores.items() if bad_anywhere else ():
        bad = [i for i in ids if i in bad_anywhere]
        if bad:
            raise ConfigError(f"{source}: per-path-ignores[{pattern!r}]: unknown rule id(s) {', '.join(map(repr, bad))}")
    bad = unknown_selectors(raw.get("severity", {}).keys())
    if bad:
        raise ConfigError(f"{source}: severity: unknown rule id(s) {', '.join(map(repr, bad))}")
    return build_config(raw, source)
