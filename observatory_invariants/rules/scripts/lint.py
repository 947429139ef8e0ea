"""The adapter for X1, X2, X3, X4 and B4: one pass over the files, each read and lexed once.

It sorts the files it is given (or the whole repository) by kind and hands their text to the pure
functions of the rule modules (x1_x2_pwsh_portability, x3_windows_paths, x4_bashisms, b4_root_resolution,
and workflow_steps for ``run:`` steps). The runner keeps the findings of the rules that were selected.
Rule modules are imported inside functions here: they import this module's options at their top.
"""

from __future__ import annotations

import contextlib
import functools
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from ...findings import Finding, finding
from ...errors import UnreadableFile
from ...patterns import path_matches
from ...workspace import Workspace
from .files import SKIP_DEFAULTS, WINDOWS_ONLY_DEFAULTS, ScriptFileOptions  # noqa: F401 (re-exported)

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


def _kinds(ws: Workspace):
    """``kind(path)``: what a file is, by layout pattern and extension (None: nothing to check); one function per
    run, remembering its answers (the file list and the evidence both ask)."""
    return ws.memo(("scripts", "kind-of"), lambda: _kind_function(ws))


def _kind_function(ws: Workspace):
    from .x3_windows_paths import EXTENSION_FAMILY

    workflow, action, dockerfile, shell_script = (ws.matcher(key) for key in (
        "workflows", "composite-actions", "dockerfiles", "shell-scripts"))
    splitext = posixpath.splitext

    @functools.cache
    def kind(path: str) -> str | None:
        lower = path.lower()
        if lower.endswith(_PS_EXTENSIONS):
            return POWERSHELL
        if workflow(path) or action(path):
            return WORKFLOW
        if dockerfile(path):
            return DOCKERFILE
        if lower.endswith(_SHELL_EXTENSIONS) or shell_script(path):
            return SHELL
        ext = splitext(lower)[1]
        if ext == ".py":
            return PYTHON
        if ext in (".yml", ".yaml"):
            return YAML
        return EXTENSION_FAMILY.get(ext)

    return kind


def gather_script_files(ws: Workspace, targets: list[str] | None, options: ScriptOptions,
                        kinds: set | None = None) -> list[tuple[str, str | None]]:
    """(path, kind) of the files the script rules look at; with ``kinds``, only those of these kinds."""
    paths = ws.repo.files if targets is None else targets
    kind_of = _kinds(ws)
    source, config = ws.matcher("source-files"), ws.matcher("config-files")
    # Only PowerShell and extension-less files wanted (X1, X2, B4): a file with another extension is neither,
    # whatever the layout says (unless a PowerShell-only folder holds it), so its kind is not asked.
    by_name_only = kinds is not None and kinds <= {POWERSHELL, None}
    ps_only_folders = tuple(f.rstrip("/") + "/" for f in options.x4.powershell_only_folders)
    found = []
    for path in paths:
        if by_name_only and "." in posixpath.basename(path) and not path.lower().endswith(_PS_EXTENSIONS) and \
                not path.startswith(ps_only_folders):
            continue
        kind = kind_of(path)
        if kind in (POWERSHELL, WORKFLOW, DOCKERFILE, SHELL) or kind is not None and (source(path) or config(path)):
            found.append((path, kind))
        elif kind is None and "." not in posixpath.basename(path) and \
                (targets is not None or options.files.scan_shebangs):
            found.append((path, None))  # maybe a script with a shebang and no extension
        elif path.startswith(ps_only_folders):
            found.append((path, kind))
    return found


def check_script_file(path: str, text: str, kind: str | None, options: ScriptOptions | Mapping | None = None, *,
                      yaml=None, context=None, rules=None) -> list[Finding]:
    """Every script rule for one file's text (pure).

    ``yaml`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` for workflow and YAML files when
    the caller has it (the adapter gets it from ``yaml_loader.load``, one parse per file and run); else it is parsed
    here. ``context`` is the repository's evidence about the file (a :class:`~.context.ScriptContext`: where it runs,
    whether it is test data or vendored); ``rules`` limits the work to those rule ids (X1 … X4, B4).
    """
    from . import x3_windows_paths as paths
    from .context import NO_EVIDENCE
    from .x4_bashisms import POSIX_SHELLS, bashisms, powershell_only_violations
    from ...parsers.shell.lexer import shebang_shell

    options = ScriptOptions.coerce(options)
    context = context or NO_EVIDENCE
    if context.skipped:
        return []
    wanted = (lambda rule: True) if rules is None else (lambda rule: rule in rules)
    types = set(options.x3.file_types)
    out: list[Finding] = []
    if wanted("X4"):
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
    x3 = wanted("X3") and kind in types and not context.windows_only
    if kind == POWERSHELL:
        b4 = path_matches(options.b4.paths, path)
        chosen = rules if rules is not None else frozenset(("X1", "X2", "X3", "X4", "B4"))
        if POWERSHELL not in types:
            chosen = chosen - {"X3"}
        out.extend(check_powershell(path, text, options, b4=b4, context=context, rules=frozenset(chosen)))
    elif kind == SHELL:
        if wanted("X4") and shebang_shell(text) in POSIX_SHELLS:
            out.extend(bashisms(path, text, ash=context.ash))
        if x3:
            out.extend(paths.shell_paths(path, text, options.x3, evidence="a shell script: it runs on Linux/macOS"))
    elif kind == WORKFLOW:
        from .workflow_steps import workflow_findings

        if wanted("X3") or wanted("X4"):
            out.extend(workflow_findings(path, text, options.x3, check_paths=wanted("X3") and WORKFLOW in types,
                                         parsed=yaml, check_steps=wanted("X4")))
    elif kind == DOCKERFILE:
        if x3:
            platform = paths.dockerfile_platform(text)
            if platform != "windows":
                out.extend(paths.shell_paths(path, text, options.x3, evidence=platform))
    elif not x3:
        pass
    elif kind == PYTHON:
        out.extend(paths.with_tail(paths.python_paths(path, text, options.x3), paths.SOURCE_TAIL))
    elif kind == YAML:
        if paths.yaml_could_hold_windows_path(text):   # else no value can be a path: no parse, no note
            out.extend(paths.with_tail(paths.yaml_paths(path, text, options.x3, yaml), paths.SOURCE_TAIL))
    else:
        out.extend(paths.with_tail(paths.source_paths(path, text, kind, options.x3), paths.SOURCE_TAIL))
    return once(out)


def once(findings: list[Finding]) -> list[Finding]:
    """The same finding never twice: one per (rule, line, message), the first column kept."""
    seen: set = set()
    kept = []
    for f in findings:
        key = (f.rule, f.path, f.line, f.message)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


# Which file kinds each rule reads (None: extension-less files found by their #! line).
_KINDS_OF = {
    "X1": {POWERSHELL, None}, "X2": {POWERSHELL, None}, "B4": {POWERSHELL, None},
    "X4": {POWERSHELL, SHELL, WORKFLOW, None},
}


def run(ws: Workspace, targets: list[str] | None) -> list[Finding]:
    """The registry's adapter for X1, X2, X3, X4 and B4: only the work of the rules the run selected."""
    return run_kinds(ws, targets, None, None if ws.selected_rules is None else ws.selected_rules & _RULES)


_RULES = frozenset({"X1", "X2", "X3", "X4", "B4"})


def skip_matcher(ws: Workspace, options: ScriptOptions):
    """path -> why the script rules leave it alone ('' to check it): test data, vendored or generated code."""
    from .evidence import glob_matcher, linguist_matcher, linguist_patterns

    def compute():
        globbed = glob_matcher(options.files.skip_paths)
        linguist = lambda p: ""  # noqa: E731
        if options.files.skip_linguist and ws.repo.exists(".gitattributes"):
            try:
                linguist = linguist_matcher(linguist_patterns(ws.read_text(".gitattributes")))
            except UnreadableFile:
                pass

        def reason(path: str) -> str:
            if globbed(path):
                return "test data, vendored or generated (skip-paths)"
            return linguist(path)

        return reason

    return ws.memo(("scripts", "skip", options.files), compute)


def run_kinds(ws: Workspace, targets: list[str] | None, kinds: set | None,
              rules: frozenset[str] | set[str] | None = None) -> list[Finding]:
    """Lint the files of the given kinds (None: all kinds) for the given rules (None: X1-X4 and B4).

    Only the work those rules need is done: no repository evidence without X1/X2/X3/B4, no source scan without X3,
    no PowerShell parse without a PowerShell rule.
    """
    from ...parsers import yaml_loader
    from ...parsers.shell.lexer import shebang_shell
    from .x3_windows_paths import powershell_could_hold_windows_path, yaml_could_hold_windows_path

    options = ScriptOptions.of(ws)
    types = set(options.x3.file_types)
    rules = frozenset(r.split(".", 1)[0] for r in rules) if rules is not None else None
    wanted_kinds = None
    if rules is not None:
        wanted_kinds = set()
        for rule in rules:
            wanted_kinds |= _KINDS_OF.get(rule, set(types) | {POWERSHELL, SHELL, WORKFLOW, DOCKERFILE, PYTHON, YAML,
                                                                None})
    skipped = skip_matcher(ws, options)
    asked = wanted_kinds if kinds is None else set(kinds) if wanted_kinds is None else wanted_kinds & set(kinds)
    files = [(p, k) for p, k in gather_script_files(ws, targets, options, asked)
             if (kinds is None or k in kinds) and (wanted_kinds is None or k in wanted_kinds)]
    # The repository evidence, gathered when the first file needs it (memoised per run). X4 needs it too: it says
    # which files are test data (read, never run), so X4 alone gives what X4 gives in a full run. X3 alone needs
    # none for the scripts it skips below.
    needs_evidence = rules is None or bool(rules & {"X1", "X2", "X3", "X4", "B4"})
    # B4 alone reads only the evidence of code run without its file (see gather_evidence)
    no_file_only = rules is not None and "B4" in rules and not rules & {"X1", "X2", "X3", "X4"}
    # X3 is the only rule for PowerShell and extension-less scripts: one without a candidate has nothing to find
    x3_only = rules is not None and not rules & {"X1", "X2", "X4", "B4"}
    # busybox ash (a script copied into an Alpine image) matters to X4's bashisms only
    ash_of = (lambda path: ash_shells(ws).get(path, "")) if rules is None or "X4" in rules else (lambda path: "")
    windows_only = _windows_only_matcher(ws, options)
    out: list[Finding] = []
    batch: list = []
    for path, kind in files:
        reason = skipped(path)
        if reason:
            continue
        try:
            text = read_script(ws, path) if kind in (POWERSHELL, None) else ws.read_text(path)
        except UnreadableFile as exc:
            if kind is None:
                continue  # an extension-less binary or data file: not a script
            if kind in (POWERSHELL, SHELL, WORKFLOW):
                out.append(finding("X4", path, f"{exc.reason}; it cannot be checked"))
            else:
                out.append(finding("X3", path, f"{exc.reason}; X3 cannot check it", severity="note"))
            continue
        from .context import ScriptContext

        if kind is None and shebang_shell(text) is None:
            continue   # no interpreter named, so not a script: check_script_file gives nothing whatever the evidence
        if x3_only and kind in (POWERSHELL, None) and not powershell_could_hold_windows_path(text):
            continue
        if needs_evidence and kind in (POWERSHELL, None):
            context = gather_evidence(ws, options, no_file_only=no_file_only).context(path)
            if kind is None and not context.skipped:   # an extension-less #!/bin/sh script copied into Alpine
                context = context.merged(ScriptContext(ash=ash_of(path)))
        else:
            context = ScriptContext(windows_only="windows-only path" if windows_only(path) else "",
                                    ash=ash_of(path) if kind in (SHELL, None) else "")
        if kind == POWERSHELL:
            batch.append((path, text, kind, context))   # the heavy kind: possibly in parallel, below
            continue
        parsed = yaml_loader.load(ws, path) if kind == WORKFLOW or (
            kind == YAML and YAML in types and yaml_could_hold_windows_path(text)) else None
        out.extend(check_script_file(path, text, kind, options, yaml=parsed, context=context, rules=rules))
    for found in check_many(batch, options, rules):
        out.extend(found)
    return out


# Parallel linting of PowerShell files (files are independent). The pool pays off above this much text on this
# kind of machine (benchmarks/bench_scripts.py --break-even measures it); below it, one process is faster.
PARALLEL_MIN_BYTES = 3_000_000
PARALLEL_MIN_FILES = 40


def _jobs(total_bytes: int, count: int) -> int:
    import os

    from ...processes import available_cores, configured_jobs

    asked = configured_jobs()
    if asked:
        return asked
    if total_bytes < PARALLEL_MIN_BYTES or count < PARALLEL_MIN_FILES:
        return 1
    cpus = available_cores()
    try:
        busy = int(os.getloadavg()[0])   # cores other work keeps busy: a pool there only adds overhead
    except OSError:  # pragma: no cover
        busy = 0
    return max(1, min(cpus - busy, 8))


_BATCH: list = []   # the work of a forked pool: inherited by the workers, never pickled


def _check_at(index: int):
    path, text, kind, context, options, rules = _BATCH[index]
    return check_script_file(path, text, kind, options, context=context, rules=rules)


@contextlib.contextmanager
def _rare_collections():
    """Tokenizing allocates millions of long-lived tokens and almost no cycles: with the default gen-0 threshold
    (700) the collector would walk the growing token lists again and again (~10 % of a large batch). For the
    batch only, collect as rarely as the command line does (``cli._tune_garbage_collector``); then restore."""
    import gc

    before = gc.get_threshold()
    if before[0] and before[0] < 100_000:
        gc.set_threshold(100_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def check_many(items: list[tuple[str, str, str, object]], options: ScriptOptions | None = None,
               rules: frozenset[str] | None = None, jobs: int | None = None) -> list[list[Finding]]:
    """:func:`check_script_file` for many ``(path, text, kind, context)`` items, in their order.

    Above :data:`PARALLEL_MIN_BYTES` (or with ``jobs`` / ``OBSERVATORY_JOBS``) the files are linted by a pool of
    forked processes, one per available core; the result is the same list, in the same order, as one process
    gives. Where ``fork`` is not available the work stays in this process.
    """
    global _BATCH
    options = ScriptOptions.coerce(options)
    if jobs is None:
        jobs = _jobs(sum(len(item[1]) for item in items), len(items))
    if jobs > 1 and len(items) > 1:
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - platforms without fork
            ctx = None
        if ctx is not None:
            _BATCH = [(path, text, kind, context, options, rules) for path, text, kind, context in items]
            try:
                with _rare_collections(), ctx.Pool(processes=min(jobs, len(items))) as pool:
                    return pool.map(_check_at, range(len(items)), chunksize=max(1, len(items) // (jobs * 32)))
            finally:
                _BATCH = []
    with _rare_collections():
        return [check_script_file(path, text, kind, options, context=context, rules=rules)
                for path, text, kind, context in items]


def read_script(ws: Workspace, path: str) -> str:
    """A PowerShell (or shebang) script's text: UTF-8, or UTF-16 / Windows-1252 as Windows tools write them."""
    from ...textio import decode_script

    try:
        return ws.read_text(path)
    except UnreadableFile as exc:
        if "binary" not in exc.reason and "UTF-8" not in exc.reason:
            raise
        return ws.memo(("scripts", "decoded", path), lambda: decode_script(path, ws.repo.read_bytes(path)))


def ash_shells(ws: Workspace) -> dict[str, str]:
    """Shell scripts the repository's Dockerfiles copy into Alpine/BusyBox images (busybox ash runs them)."""
    from .evidence import ash_scripts

    def compute():
        files = set(ws.repo.files)
        found: dict[str, str] = {}
        for dockerfile in ws.glob("dockerfiles"):
            try:
                text = ws.read_text(dockerfile)
            except UnreadableFile:
                continue
            if "alpine" in text.lower() or "busybox" in text.lower():
                for path, why in ash_scripts(dockerfile, text, files).items():
                    found.setdefault(path, why)
        if found:
            # a script also run outside the image (docs, workflows, other scripts name it) meets dash too
            names = {posixpath.basename(p): p for p in found}
            dockerfiles = set(ws.glob("dockerfiles"))
            for other in ws.repo.files:
                low = other.lower()
                if other in dockerfiles or other in found or not (
                        low.endswith((".md", ".sh", ".yml", ".yaml", ".mk")) or posixpath.basename(low) == "makefile"):
                    continue
                try:
                    text = ws.read_text(other)
                except UnreadableFile:
                    continue
                folder = posixpath.dirname(other)
                for name in [n for n in names if n in text]:
                    for m in re.finditer(r"[\w./-]*" + re.escape(name) + r"(?![\w.-])", text):
                        word = m.group()
                        if any(posixpath.normpath(posixpath.join(base, word)).lstrip("/") == names[name]
                               for base in (folder, "")):
                            found.pop(names.pop(name), None)
                            break
                if not names:
                    break
        return found

    return ws.memo(("scripts", "ash"), compute)


def _windows_only_matcher(ws: Workspace, options: ScriptOptions):
    from .evidence import glob_matcher

    return ws.memo(("scripts", "windows-only", options.files.windows_only),
                   lambda: glob_matcher(options.files.windows_only))


def gather_evidence(ws: Workspace, options: ScriptOptions, *, no_file_only: bool = False):
    """The repository's evidence about its PowerShell scripts (evidence.py), gathered once per run.

    ``no_file_only``: only what B4 reads of it (code run without its script file; the config's entry points and
    skipped paths), for a run whose only evidence-reading rule is B4: sources that cannot hold such a reference
    are not parsed."""
    return ws.memo(("scripts", "evidence", options.files, options.b4, no_file_only),
                   lambda: _gather_evidence(ws, options, no_file_only))


_MAKEFILES = ("makefile", "gnumakefile")


def _gather_evidence(ws: Workspace, options: ScriptOptions, no_file_only: bool = False):
    from . import evidence as ev
    from ...parsers import yaml_loader
    from ...parsers.workflows import run_steps, _shell_name

    files = ws.repo.files
    scripts = [p for p in files if p.lower().endswith((".ps1", ".psm1"))]
    if not scripts:
        return ev.Evidence()
    index = ev.ScriptIndex(scripts)
    windows_only = _windows_only_matcher(ws, options)
    skipped = skip_matcher(ws, options)
    kind_of = _kinds(ws)   # the layout's workflows and Dockerfiles, as the file list already classified them
    references: list = []
    for path in files:
        low = path.lower()
        name = posixpath.basename(low)
        kind = kind_of(path)
        if kind == POWERSHELL:
            source = "ps"
        elif kind == WORKFLOW:
            source = "workflow"
        elif low.endswith((".md", ".markdown")):
            source = "markdown"
        elif low.endswith((".sh", ".bash", ".zsh", ".ksh")) or name in _MAKEFILES or low.endswith(".mk") or \
                kind == DOCKERFILE:
            source = "unix"
        elif low.endswith((".cmd", ".bat")):
            source = "windows"
        else:
            continue
        if skipped(path):
            continue
        try:
            text = read_script(ws, path) if source == "ps" else ws.read_text(path)
        except UnreadableFile:
            continue
        if ".ps" not in text and ".PS" not in text and ".Ps" not in text:
            continue
        if no_file_only and not ev.may_run_code_without_its_file(text, yaml=source == "workflow"):
            continue
        if source == "ps":
            references += ev.references_in_text(path, text, index, "inherit", how=path)
        elif source == "markdown":
            references += ev.markdown_references(path, text, index)
        elif source == "unix":
            platform = "windows" if windows_only(path) else "unix"
            references += ev.references_in_text(path, text, index, platform, how=path)
        elif source == "windows":
            references += ev.references_in_text(path, text, index, "windows", how=path)
        else:
            try:
                steps = run_steps(text, yaml_loader.load(ws, path))
            except Exception:  # noqa: BLE001 - a broken workflow gives no evidence (X4 reports it)
                continue
            for step in steps:
                runners = ", ".join(step.runners) or "runner unknown"
                how = f"job '{step.job}' ({runners}) in {path}" if step.job else f"a step of {path}"
                base = (step.working_directory or "").strip("./") if step.working_directory and \
                    "${{" not in step.working_directory else ""
                references += ev.references_in_text(
                    path, step.script, index, step.platform, how=how, first_line=step.line,
                    bases=(base, ""), desktop_shell=_shell_name(step.shell) == "powershell")
    windows_callers = {p for p in files if windows_only(p) and not p.lower().endswith((".ps1", ".psm1"))}
    return ev.combine(scripts, references, windows_only=windows_only,
                      portable=ev.glob_matcher(options.files.portable_scripts),
                      entry_points=ev.glob_matcher(options.b4.entry_points),
                      skipped={p: skipped(p) for p in scripts if skipped(p)}, windows_callers=windows_callers)


def check_powershell(path: str, text: str, options: ScriptOptions | Mapping | None = None, *,
                     b4: bool = True, tokens: list | None = None, context=None,
                     rules: frozenset[str] | None = None) -> list[Finding]:
    """All PowerShell rules (X1, X2, X3, X4, B4) for one script's text.

    ``context`` is what the repository shows about where and how the script runs (a
    :class:`~.context.ScriptContext`, from the adapter's evidence); the script's own evidence (shebang,
    ``#Requires``, version and platform checks) is added here. ``rules`` limits the work to those rule ids.
    """
    from ...parsers.powershell import structure as st
    from .b4_root_resolution import root_findings
    from .context import NO_EVIDENCE
    from .powershell_script import ParsedScript, file_evidence
    from .x1_x2_pwsh_portability import version_findings, windows_only_calls
    from .x3_windows_paths import powershell_paths
    from .x4_bashisms import bash_in_tokens, may_hold_bash

    options = ScriptOptions.coerce(options)
    context = context or NO_EVIDENCE
    if context.skipped:
        return []
    wanted = (lambda rule: True) if rules is None else (lambda rule: rule in rules)
    parsed = ParsedScript(text, tokens)
    context = resolve_context(context.merged(file_evidence(parsed)))
    out = []
    if wanted("X1"):
        out.extend(windows_only_calls(path, parsed, context))
    if wanted("X2"):
        out.extend(version_findings(path, parsed, context))
    if wanted("X4"):
        out.extend(bash_in_tokens(path, parsed.tokens, parsed.pairs, parsed.commands, parsed.bash_candidates))
        for group in parsed.nested_groups:
            if may_hold_bash(group):
                out.extend(bash_in_tokens(path, group, st.match_brackets(group)))
    if wanted("X3"):
        out.extend(powershell_paths(path, parsed.tokens, options.x3, parsed.platform_guard, flat=parsed.interesting,
                                    context=context, parsed=parsed))
    if b4 and wanted("B4"):
        out.extend(root_findings(path, parsed, options.b4, context))
    return out


def resolve_context(context):
    """Evidence that a script runs on Linux/macOS outweighs a path or naming default saying it is Windows-only;
    ``#Requires -PSEdition Desktop`` (Windows PowerShell only) outweighs everything."""
    import dataclasses

    if context.portable and context.windows_only:
        if "PSEdition Desktop" in context.windows_only:
            return dataclasses.replace(context, portable="")
        return dataclasses.replace(context, windows_only="")
    return context
