"""The repository's evidence of where and how its scripts run (see context.py for what the rules make of it).

Pure functions over texts and paths; the adapter (lint.py) reads the files. For every PowerShell script it works
out a :class:`~.context.ScriptContext` from:

- the config: ``windows-only`` and ``portable-scripts`` globs, ``b4-entry-points``; ``skip-paths`` and
  ``.gitattributes`` (``linguist-vendored`` / ``linguist-generated``) for files that are not the repository's own
  code (test data, vendored, generated);
- what runs the script: a GitHub workflow ``run:`` step (its job's runners: Windows, Linux/macOS, or both), a POSIX
  shell script, Dockerfile or Makefile (Linux/macOS), a ``bash``/``sh``/``console`` block of a Markdown document
  (Linux/macOS), a ``.cmd``/``.bat`` file (Windows), another PowerShell script (whatever runs that one);
  ``powershell -File x.ps1`` or a ``shell: powershell`` step means Windows PowerShell 5.1;
  ``irm …/x.ps1 | iex``, ``iex (Get-Content x.ps1 -Raw)``, ``[ScriptBlock]::Create(…)`` or
  ``Get-Content x.ps1 | pwsh -Command -`` run its code without a script file (B4);
- a script only ever run from Windows jobs and Windows-only scripts is Windows-only; a ``.ps1`` that tests only
  pass to a command as data (``Invoke-ScriptAnalyzer -Path …\\Rule.ps1``) is a test input, not code.

References are found by file name (``…/name.ps1``), resolved against the caller's folder, the working directory
and the repository root, else by a unique path suffix among the repository's scripts.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .context import NO_EVIDENCE, ScriptContext

# --- path sets ---------------------------------------------------------------------------------------------------


def glob_matcher(patterns) -> "callable":
    """A case-insensitive git-wildmatch matcher for a pattern list (Windows folders are 'Windows' or 'windows')."""
    from ...patterns import compile_patterns

    lowered = tuple(p.lower() for p in patterns)
    if not lowered:
        return lambda path: False
    spec = compile_patterns(lowered)
    return lambda path: spec.match_file(path.lower())


def linguist_patterns(gitattributes: str) -> list[tuple[str, bool]]:
    """(pattern, skipped?) from a .gitattributes text, in order: ``linguist-vendored`` / ``linguist-generated``
    set (``x``, ``x=true``) skip; unset (``-x``, ``x=false``) un-skip. Later lines win, as in git."""
    out = []
    for raw in gitattributes.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        pattern, attributes = parts[0], parts[1:]
        for attribute in attributes:
            name = attribute.lstrip("-!").split("=", 1)[0]
            if name not in ("linguist-vendored", "linguist-generated"):
                continue
            value = attribute.split("=", 1)[1].lower() if "=" in attribute else None
            skipped = not attribute.startswith(("-", "!")) and value not in ("false", "0")
            out.append((pattern, skipped))
    return out


def linguist_matcher(rules: list[tuple[str, bool]]):
    """path -> 'linguist-vendored/generated (.gitattributes)' or '' following gitattributes' pattern rules."""
    if not rules:
        return lambda path: ""
    from ...patterns import compile_patterns

    compiled = []
    for pattern, skipped in rules:
        # gitattributes: a pattern without '/' matches the name at any depth; a trailing '/**' or '/' a folder.
        spec = compile_patterns((pattern if "/" in pattern.rstrip("/") else pattern,))
        compiled.append((spec, skipped, pattern))

    def match(path: str) -> str:
        verdict = ""
        for spec, skipped, pattern in compiled:
            if spec.match_file(path):
                verdict = f"marked vendored or generated in .gitattributes ('{pattern}')" if skipped else ""
        return verdict

    return match


# --- references ----------------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"""[^\s'"`;|&()<>=,\[\]{}]*[\w.-]\.psm?1(?![\w.])""", re.IGNORECASE)
_RUNNERS = re.compile(r"(?:^|[\s;&|(`'\"])(?:&|\.|pwsh(?:\.exe)?|powershell(?:\.exe)?|import-module|ipmo|"
                      r"start-process|invoke-pester|sudo|exec|call|xargs|bash|sh)\s+(?:-[\w:]+\s+)*$", re.IGNORECASE)
_HOST = re.compile(r"(?:^|[\s;&|(`'\"/\\])(pwsh|powershell)(?:\.exe)?\b[^|;&]*$", re.IGNORECASE)
_NO_FILE = re.compile(r"\b(?:iex|invoke-expression)\b|scriptblock\]::create|-c(?:ommand)?\s+-(?:\s|$)", re.IGNORECASE)
_READS = re.compile(r"\b(?:get-content|gc|cat|type|irm|iwr|invoke-restmethod|invoke-webrequest|curl|wget|"
                    r"downloadstring)\b|https?://", re.IGNORECASE)
_POSIX_FENCES = frozenset(("bash", "sh", "shell", "console", "zsh", "shell-session", "sh-session", "terminal", "ksh"))


def may_run_code_without_its_file(text: str, *, yaml: bool = False) -> bool:
    """Whether a text can hold a reference that runs a script's code without its file (``irm … | iex``): every such
    reference is on a line `_NO_FILE` matches. A YAML text's strings can spell one with escapes (``"\\x69ex"``, an
    escaped line break), so one with a backslash counts too."""
    return bool(_NO_FILE.search(text)) or (yaml and "\\" in text)


@dataclass(frozen=True)
class Reference:
    caller: str            # repository path of the file the reference is in
    line: int
    target: str            # repository path of the referenced script
    runs: bool             # the script is run there (not only named as data)
    platform: str          # 'unix', 'windows', 'mixed', 'unknown' or 'inherit' (whatever runs the caller)
    desktop: bool = False  # Windows PowerShell 5.1 runs it
    no_file: bool = False  # its code runs without a script file
    how: str = ""          # for messages: "job 'test' (ubuntu-latest) in .github/workflows/ci.yml"
    windows: bool = False  # an 'irm … | iex' install documented for Windows ("# Windows (PowerShell)" just above)


class ScriptIndex:
    """Resolves a reference text to one of the repository's PowerShell scripts."""

    def __init__(self, scripts: list[str]):
        self.scripts = set(scripts)
        self.by_name: dict[str, list[str]] = {}
        for path in scripts:
            self.by_name.setdefault(posixpath.basename(path).lower(), []).append(path)
        self.lower = {p.lower(): p for p in scripts}

    def resolve(self, text: str, bases: tuple[str, ...]) -> str | None:
        ref = text.strip("'\"`").replace("\\", "/")
        url = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+", ref, flags=re.IGNORECASE)
        if url:
            ref = ref[url.end():]   # a URL: its path's tail names the file (raw.githubusercontent.com/o/r/main/x.ps1)
        segments = [s for s in ref.split("/") if s]
        if not segments:
            return None
        name = segments[-1].lower()
        candidates = self.by_name.get(name)
        if not candidates:
            return None
        # drop a leading variable part ($PSScriptRoot, ${{ github.workspace }}, $(dirname "$0"), %~dp0 …)
        start = 0
        for k, seg in enumerate(segments[:-1]):
            if any(c in seg for c in "$%{}~") or seg.endswith(":"):
                start = k + 1
        rest = segments[start:]
        for base in bases:
            joined = posixpath.normpath(posixpath.join(base, *rest)).lstrip("/")
            if joined.lower() in self.lower:
                return self.lower[joined.lower()]
        tail = [s for s in rest if s not in (".", "..")]
        suffix = "/".join(tail).lower()
        matches = [p for p in candidates if p.lower() == suffix or p.lower().endswith("/" + suffix)]
        if len(matches) == 1:
            return matches[0]
        # a URL or an absolute path: the longest suffix that names one script (a URL may end in a unique name)
        if len(tail) > 1:
            for k in range(1, len(tail)):
                suffix = "/".join(tail[k:]).lower()
                matches = [p for p in candidates if p.lower() == suffix or p.lower().endswith("/" + suffix)]
                if len(matches) == 1 and (len(tail) - k > 1 or url):
                    return matches[0]
        return None


def references_in_text(caller: str, text: str, index: ScriptIndex, platform: str, *, how: str = "",
                       first_line: int = 1, bases: tuple[str, ...] | None = None,
                       desktop_shell: bool = False) -> list[Reference]:
    """References to scripts in ``text`` (a script, a run: step, a Markdown code block…)."""
    if ".ps" not in text.lower():
        return []
    folder = posixpath.dirname(caller)
    bases = bases if bases is not None else (folder, "")
    out = []
    lines = text.split("\n")
    for offset, line in enumerate(lines):
        low = line.lower()
        if ".ps1" not in low and ".psm1" not in low:
            continue
        stripped = line.lstrip()
        if stripped.startswith("#") and not stripped.startswith("#!") or stripped.startswith("//"):
            continue
        for m in _REFERENCE.finditer(line):
            target = index.resolve(m.group(), bases)
            if target is None or target == caller:
                continue
            before = line[:m.start()]
            bare = before.rstrip("'\"` ")
            runs = not bare.strip() or bool(_RUNNERS.search(bare + " ")) or bare.endswith(("&&", "||", ";", "|", "-File",
                                                                                          "-file", "-f"))
            no_file = bool(_NO_FILE.search(line)) and bool(_READS.search(line))
            host = _HOST.search(before)
            desktop = (host is not None and host.group(1).lower() == "powershell") or \
                (desktop_shell and runs and host is None)
            windows = no_file and any("windows" in near.lower() for near in lines[max(0, offset - 3):offset + 1])
            out.append(Reference(caller, first_line + offset, target, runs or no_file, platform, desktop, no_file, how,
                                 windows))
    return out


def markdown_references(path: str, text: str, index: ScriptIndex) -> list[Reference]:
    """Scripts run in a POSIX-shell code block of a Markdown document (Linux/macOS), and ``irm … | iex``
    instructions anywhere (code run without a script file)."""
    if ".ps" not in text.lower():
        return []
    out = []
    fence = None
    info = ""
    recent: list[str] = []   # this line and the three before it ("**Windows (PowerShell):**" above an irm | iex)
    for number, line in enumerate(text.split("\n"), 1):
        recent = (recent + [line])[-4:]
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if fence is None:
                fence, info = marker, stripped[3:].strip().split(" ")[0].lower().strip("{}.")
            elif marker == fence:
                fence, info = None, ""
            continue
        low = line.lower()
        if ".ps1" not in low:
            continue
        posix = fence is not None and info in _POSIX_FENCES
        platform = "unix" if posix else "unknown"
        how = f"a {info} block of {path}" if posix else path
        windows = any("windows" in near.lower() for near in recent)
        for ref in references_in_text(path, line, index, platform, how=how, first_line=number, bases=("",)):
            if posix and not _runs_in_shell(line, ref):
                ref = Reference(ref.caller, ref.line, ref.target, False, "unknown", False, ref.no_file, ref.how,
                                ref.no_file and windows)
            elif not posix:
                # prose or a PowerShell block: no platform evidence; 'powershell -File x.ps1' in a code block is 5.1
                desktop = ref.desktop and fence is not None
                ref = Reference(ref.caller, ref.line, ref.target, ref.no_file, "unknown", desktop, ref.no_file, ref.how,
                                ref.no_file and windows)
            out.append(ref)
    return out


def _runs_in_shell(line: str, ref: Reference) -> bool:
    """A POSIX-shell line runs the script: ``pwsh ./x.ps1``, ``./x.ps1``, ``pwsh -File x.ps1``."""
    low = line.strip().lower()
    low = re.sub(r"^(?:\$|>|%|#)\s+", "", low)   # a prompt
    return bool(re.match(r"(?:sudo\s+)?(?:pwsh|\./|\.\\|[\w/.-]+\.ps1)", low))


# --- putting it together -----------------------------------------------------------------------------------------------

@dataclass
class Evidence:
    """Per-file evidence of a run: :meth:`context` answers for any path."""

    contexts: dict[str, ScriptContext] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def context(self, path: str) -> ScriptContext:
        reason = self.skipped.get(path)
        if reason:
            return ScriptContext(skipped=reason)
        return self.contexts.get(path, NO_EVIDENCE)


def _is_test_file(path: str) -> bool:
    low = path.lower()
    name = posixpath.basename(low)
    return name.endswith((".tests.ps1", ".test.ps1")) or "/tests/" in f"/{low}" or "/test/" in f"/{low}"


def combine(scripts: list[str], references: list[Reference], *, windows_only=None, portable=None,
            entry_points=None, skipped: dict[str, str] | None = None,
            windows_callers: set[str] | None = None) -> Evidence:
    """Evidence per script from the references and the config's path sets.

    ``windows_only`` / ``portable`` / ``entry_points``: path -> bool matchers from the config;
    ``windows_callers``: non-script files that only run on Windows (a .cmd, a script under a windows-only path)."""
    windows_only = windows_only or (lambda p: False)
    portable = portable or (lambda p: False)
    entry_points = entry_points or (lambda p: False)
    skipped = dict(skipped or {})
    by_target: dict[str, list[Reference]] = {}
    for ref in references:
        by_target.setdefault(ref.target, []).append(ref)

    # test inputs: named by tests only as data, never run
    for target, refs in by_target.items():
        if target in skipped or not refs:
            continue
        if all(not r.runs and r.caller.lower().endswith((".tests.ps1", ".test.ps1")) for r in refs):
            skipped[target] = f"a test input of {refs[0].caller} (named there as data, never run)"

    portable_why: dict[str, str] = {}
    windows_why: dict[str, str] = {}
    for path in scripts:
        if portable(path):
            portable_why[path] = "listed in portable-scripts"
        elif windows_only(path):
            windows_why[path] = "it sits where the windows-only setting says code runs on Windows only"

    # direct evidence
    for target, refs in by_target.items():
        for r in refs:
            if r.runs and r.platform in ("unix", "mixed") and target not in portable_why:
                portable_why[target] = f"run by {r.how or r.caller}:{r.line}"
    # what runs a script runs the scripts it calls (a fixpoint over 'inherit' references)
    def called_from_portable(target: str, refs) -> str:
        if target in portable_why:
            return ""
        caller = next((r for r in refs if r.runs and r.platform == "inherit" and r.caller in portable_why
                       and r.caller not in windows_why), None)
        return f"called by {caller.caller}:{caller.line}, which runs on Linux/macOS" if caller else ""

    _fixpoint(by_target, called_from_portable, portable_why)
    # an installer documented for Windows: 'irm …/install.ps1 | iex' under a "Windows" heading
    for target, refs in by_target.items():
        doc = next((r for r in refs if r.windows), None)
        if doc is not None and target not in portable_why and target not in windows_why:
            windows_why[target] = f"it is the Windows installer run with irm | iex ({doc.caller}:{doc.line})"
    # run only from Windows: every run reference comes from a Windows job, a .cmd or a Windows-only script
    windows_callers = windows_callers or set()

    def run_only_from_windows(target: str, refs) -> str:
        if target in windows_why or target in portable_why:
            return ""
        runs = [r for r in refs if r.runs]
        if runs and all(r.platform == "windows" or r.caller in windows_callers or
                        (r.platform == "inherit" and r.caller in windows_why) for r in runs):
            return f"only Windows runs it ({runs[0].how or runs[0].caller}:{runs[0].line})"
        return ""

    _fixpoint(by_target, run_only_from_windows, windows_why)

    contexts: dict[str, ScriptContext] = {}
    for path in scripts:
        refs = by_target.get(path, [])
        desktop = next((f"run with Windows PowerShell in {r.caller}:{r.line}" for r in refs if r.desktop), "")
        no_file = next((f"{r.caller}:{r.line} runs its code without a script file" for r in refs if r.no_file), "")
        context = ScriptContext(portable=portable_why.get(path, ""), windows_only=windows_why.get(path, ""),
                                desktop=desktop, no_file=no_file,
                                entry_point="listed in b4-entry-points" if entry_points(path) else "")
        if context != NO_EVIDENCE:
            contexts[path] = context
    return Evidence(contexts, skipped)


def _fixpoint(by_target: dict, reason_for, why: dict[str, str], rounds: int = 50) -> None:
    """Propagate along call references until nothing changes (at most ``rounds`` passes): ``reason_for(target,
    refs)`` gives why a target now qualifies ('' if not), recorded in ``why``."""
    for _ in range(rounds):
        changed = False
        for target, refs in by_target.items():
            reason = reason_for(target, refs)
            if reason:
                why[target] = reason
                changed = True
        if not changed:
            return


# --- shell scripts that run under busybox ash --------------------------------------------------------------------

_ASH_IMAGE = re.compile(r"(?:^|/)(?:alpine|busybox)(?:[:@]|$)|-alpine", re.IGNORECASE)
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)
_COPY = re.compile(r"^\s*(?:COPY|ADD)\s+(.*)$", re.IGNORECASE)


def ash_scripts(dockerfile: str, text: str, scripts: set[str]) -> dict[str, str]:
    """Shell scripts a Dockerfile copies into an Alpine or BusyBox stage, where /bin/sh is busybox ash (which
    accepts ``&>``, ``[[ ]]``, ``source``, ``$'…'``, ``${x/a/b}`` …): path -> evidence."""
    found: dict[str, str] = {}
    stages: dict[str, bool] = {}
    current = False
    folder = posixpath.dirname(dockerfile)
    logical = text.replace("\\\r\n", " ").replace("\\\n", " ")
    for number, line in enumerate(logical.split("\n"), 1):
        m = _FROM.match(line)
        if m:
            image = m.group(1)
            current = stages.get(image.lower(), bool(_ASH_IMAGE.search(image)))
            if m.group(2):
                stages[m.group(2).lower()] = current
            continue
        m = _COPY.match(line)
        if not m or not current:
            continue
        args = m.group(1).strip()
        if args.startswith("["):
            words = re.findall(r'"([^"]*)"', args)
        else:
            words = args.split()
        if any(w.startswith("--from") for w in words):
            continue
        sources = [w for w in words if not w.startswith("--")][:-1]
        for source in sources:
            for base in ("", folder):
                candidate = posixpath.normpath(posixpath.join(base, source)).lstrip("./") if source else ""
                if candidate in scripts:
                    found[candidate] = f"copied into an Alpine/BusyBox image by {dockerfile}:{number}, whose /bin/sh " \
                                       "is busybox ash"
    return found
