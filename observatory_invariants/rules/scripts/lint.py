"""The adapter for X1, X2, X3, X4 and B4: one pass over the files, each read and lexed once.

It sorts the files it is given (or the whole repository) by kind and hands their text to the pure
functions of the rule modules (x1_x2_pwsh_portability, x3_windows_paths, x4_bashisms, b4_root_resolution,
and workflow_steps for ``run:`` steps). The runner keeps the findings of the rules that were selected.
Rule modules are imported inside functions here: they import this module's options at their top.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from ...findings import Finding, finding
from ...errors import UnreadableFile
from ...patterns import path_matches
from ...workspace import Workspace
from .files import ScriptFileOptions

if TYPE_CHECKING:  # the rule modules import this one; at run time they are imported inside functions
    from .b4_root_resolution import B4Options
    from .x3_windows_paths import X3Options
    from .x4_bashisms import X4Options

POWERSHELL = "powershell"
SHELL = "shell"
WORKFLOW = "workflow"
DOCKERFILE = "dockerfile"
PYTHON = "python"
YAML = "yaml"



def _script_options():
    from .b4_root_resolution import B4Options
    from .x3_windows_paths import X3Options
    from .x4_bashisms import X4Options

    return X3Options, X4Options, B4Options


@dataclass(frozen=True)
class ScriptOptions:
    """Every script rule's options at once: what :func:`check_script_file` and the adapter hand the rules.

    ``ScriptOptions()`` are the configured defaults; :meth:`from_section` reads a ``[scripts]`` table.
    """

    x3: "X3Options" = field(default_factory=lambda: _script_options()[0]())
    x4: "X4Options" = field(default_factory=lambda: _script_options()[1]())
    b4: "B4Options" = field(default_factory=lambda: _script_options()[2]())
    files: ScriptFileOptions = field(default_factory=ScriptFileOptions)

    @classmethod
    def from_section(cls, raw) -> "ScriptOptions":
        x3, x4, b4 = _script_options()
        return cls(x3.from_section(raw), x4.from_section(raw), b4.from_section(raw), ScriptFileOptions.from_section(raw))

    @classmethod
    def coerce(cls, value) -> "ScriptOptions":
        """``None`` (the defaults), a ScriptOptions, or a ``[scripts]``-style mapping of config keys."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        return cls.from_section(value)

    @classmethod
    def of(cls, ws) -> "ScriptOptions":
        x3, x4, b4 = _script_options()
        return cls(ws.options(x3), ws.options(x4), ws.options(b4), ws.options(ScriptFileOptions))


_SHELL_EXTENSIONS = (".sh", ".bash", ".zsh", ".ksh", ".dash")
_PS_EXTENSIONS = (".ps1", ".psm1")


def _kind(ws: Workspace, path: str) -> str | None:
    """What a file is, by layout pattern and extension (None: nothing to check)."""
    from .x3_windows_paths import EXTENSION_FAMILY

    lower = path.lower()
    if lower.endswith(_PS_EXTENSIONS):
        return POWERSHELL
    if ws.matches("workflows", path) or ws.matches("composite-actions", path):
        return WORKFLOW
    if ws.matches("dockerfiles", path):
        return DOCKERFILE
    if lower.endswith(_SHELL_EXTENSIONS) or ws.matches("shell-scripts", path):
        return SHELL
    ext = posixpath.splitext(lower)[1]
    if ext == ".py":
        return PYTHON
    if ext in (".yml", ".yaml"):
        return YAML
    if ext in EXTENSION_FAMILY:
        return EXTENSION_FAMILY[ext]
    return None


def _wanted(ws: Workspace, path: str, kind: str | None) -> bool:
    if kind in (POWERSHELL, WORKFLOW, DOCKERFILE, SHELL):
        return True
    if kind is None:
        return False
    return ws.matches("source-files", path) or ws.matches("config-files", path)


def gather_script_files(ws: Workspace, targets: list[str] | None, options: ScriptOptions) -> list[tuple[str, str | None]]:
    paths = ws.repo.files if targets is None else targets
    found = []
    for path in paths:
        kind = _kind(ws, path)
        if _wanted(ws, path, kind):
            found.append((path, kind))
        elif kind is None and "." not in posixpath.basename(path) and \
                (targets is not None or options.files.scan_shebangs):
            found.append((path, None))  # maybe a script with a shebang and no extension
        elif any(path.startswith(f.rstrip("/") + "/") for f in options.x4.powershell_only_folders):
            found.append((path, kind))
    return found


def check_script_file(path: str, text: str, kind: str | None, options: ScriptOptions | Mapping | None = None, *,
              yaml=None) -> list[Finding]:
    """Every script rule for one file's text (pure).

    ``yaml`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` for workflow and YAML files when the
    caller has it (the adapter gets it from ``yaml_loader.load``, one parse per file and run); else it is parsed here.
    """
    from . import x3_windows_paths as paths
    from .x4_bashisms import POSIX_SHELLS, bashisms, powershell_only_violations
    from ...parsers.shell.lexer import shebang_shell

    options = ScriptOptions.coerce(options)
    types = set(options.x3.file_types)
    out: list[Finding] = []
    out.extend(powershell_only_violations(path, text, list(options.x4.powershell_only_folders)))
    if kind is None or kind == SHELL:
        shell = shebang_shell(text)
        if kind is None:
            if shell in ("pwsh", "powershell"):
                kind = POWERSHELL
            elif shell is not None and (shell in POSIX_SHELLS or shell in ("bash", "zsh", "ksh")):
                kind = SHELL
            else:
                return out
    if kind == POWERSHELL:
        b4 = path_matches(options.b4.paths, path)
        found = check_powershell(path, text, options, b4=b4)
        if POWERSHELL not in types:
            found = [f for f in found if not f.rule.startswith("X3")]
        out.extend(found)
    elif kind == SHELL:
        if shebang_shell(text) in POSIX_SHELLS:
            out.extend(bashisms(path, text))
        if SHELL in types:
            out.extend(paths.shell_paths(path, text, options.x3))
    elif kind == WORKFLOW:
        from .workflow_steps import workflow_findings

        out.extend(workflow_findings(path, text, options.x3, check_paths=WORKFLOW in types, parsed=yaml))
    elif kind == DOCKERFILE:
        if DOCKERFILE in types:
            out.extend(paths.shell_paths(path, text, options.x3))
    elif kind == PYTHON:
        if PYTHON in types:
            out.extend(paths.python_paths(path, text, options.x3))
    elif kind == YAML:
        if YAML in types:
            out.extend(paths.yaml_paths(path, text, options.x3, yaml))
    elif kind in types:
        out.extend(paths.source_paths(path, text, kind, options.x3))
    return out


def run(ws: Workspace, targets: list[str] | None) -> list[Finding]:
    """The registry's adapter for X1, X2, X3, X4 and B4."""
    return run_kinds(ws, targets, None)


def run_kinds(ws: Workspace, targets: list[str] | None, kinds: set | None) -> list[Finding]:
    """Lint the files of the given kinds (None: all kinds)."""
    from ...parsers import yaml_loader

    options = ScriptOptions.of(ws)
    types = set(options.x3.file_types)
    out: list[Finding] = []
    for path, kind in gather_script_files(ws, targets, options):
        if kinds is not None and kind not in kinds:
            continue
        try:
            text = ws.read_text(path)
        except UnreadableFile as exc:
            if kind is None:
                continue  # an extension-less binary or data file: not a script
            rule = "X3" if kind not in (POWERSHELL, SHELL, WORKFLOW) else "X4"
            out.append(finding(rule, path, f"{exc.reason}; it cannot be checked"))
            continue
        parsed = yaml_loader.load(ws, path) if kind == WORKFLOW or (kind == YAML and YAML in types) else None
        out.extend(check_script_file(path, text, kind, options, yaml=parsed))
    return out


def check_powershell(path: str, text: str, options: ScriptOptions | Mapping | None = None, *,
                    b4: bool = True, tokens: list | None = None) -> list[Finding]:
    """All PowerShell rules (X1, X2, X3, X4, B4) for one script's text."""
    from ...parsers.powershell import structure as st
    from .b4_root_resolution import root_findings
    from .powershell_script import ParsedScript, windows_condition
    from .x1_x2_pwsh_portability import version_findings, windows_only_calls
    from .x3_windows_paths import powershell_paths
    from .x4_bashisms import bash_in_tokens

    options = ScriptOptions.coerce(options)
    parsed = ParsedScript(text, tokens)
    out = []
    out.extend(windows_only_calls(path, parsed))
    out.extend(version_findings(path, parsed))
    out.extend(bash_in_tokens(path, parsed.tokens, parsed.pairs, parsed.commands, parsed.bash_candidates))
    for group in parsed.nested_groups:
        out.extend(bash_in_tokens(path, group, st.match_brackets(group)))
    out.extend(powershell_paths(path, parsed.tokens, options.x3, parsed.guard("windows", windows_condition),
                                flat=parsed.interesting))
    if b4:
        out.extend(root_findings(path, parsed))
    return out
