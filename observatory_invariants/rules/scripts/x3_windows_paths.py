"""X3: no hardcoded Windows paths (drive letters, UNC shares, %USERPROFILE%-style variables).

Only string literals and command arguments are looked at, found by a lexer of
the file's language: PowerShell (powershell/ tokenizer), POSIX sh and
Dockerfiles (shell/ lexer), Python (stdlib ``tokenize``), C-like languages
(C, C++, C#, Java, JS/TS, Go, Rust, Kotlin, Swift…), JSON, TOML and YAML. So
comments, docs, regex escapes (``\\d+\\\\\\w``) and URLs (``http://c:8080``)
are never paths. Pure functions take text and a path; :func:`run` is the adapter.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Iterable

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from .files import ScriptFileOptions
from ...parsers.yaml_loader import scalar_position

FILE_TYPES = ("powershell", "shell", "workflow", "dockerfile", "yaml", "json", "toml", "python", "c-like", "rust",
              "go", "js")


@dataclass(frozen=True)
class X3Options(Options):
    section = "scripts"
    description = "Options of the script rules X1-X4 and B4."

    severity: str = option("x3-severity", "error", "Severity of X3 findings.",
                           schema={"enum": ["error", "warning", "note"]})
    comments: bool = option("x3-comments", False, "Also look for Windows paths in comments.")
    allow_guarded: bool = option(
        "x3-allow-guarded", True, "Code behind an $IsWindows / os.name == 'nt' / cfg(windows) guard may hold Windows paths.")
    file_types: tuple[str, ...] = option("x3-file-types", FILE_TYPES, "File kinds X3 checks.",
                                         schema={"type": "array", "items": {"enum": list(FILE_TYPES)}})
    source_severity: str = option(
        "x3-source-severity", "warning",
        "Severity of X3 findings in string literals of source code and config files (JSON, TOML, YAML other than "
        "workflows): whether such a string is used as a path on Linux/macOS is not known.",
        schema={"enum": ["error", "warning", "note"]})


DRIVE = SubRule("X3.drive-path", "Drive-letter path in a string or argument")
UNC = SubRule("X3.unc-path", "UNC (network share) path in a string or argument")
ENV_VAR = SubRule("X3.env-var", "Windows-only environment variable (USERPROFILE, APPDATA…)")
X3 = Rule("X3", "No hardcoded Windows paths", "scripts",
          ("powershell-scripts", "shell-scripts", "workflows", "composite-actions", "dockerfiles", "source-files",
           "config-files"), ".lint:run", subrules=(DRIVE, UNC, ENV_VAR), options=(X3Options, ScriptFileOptions),
          hooks=("observatory-powershell", "observatory-shell", "observatory-workflows", "observatory-windows-paths"),
          shebang_scripts=True)
RULE = X3.id

# A drive letter not glued to a longer word or a URL scheme, then a separator
# (C:\, c:/, D:\\ as written in a C string).
_DRIVE_RE = re.compile(r"(?<![A-Za-z0-9_+.\-/\\%$:@])([A-Za-z]):(?:\\\\|\\|/)(?![/\\>])")
# \\server\share, or \\\\server\\share as written in a C-family string.
_UNC_RE = re.compile(r"(?:^|(?<=[\s\"'=(,;>]))(?:\\\\){1,2}(?=[A-Za-z0-9])[A-Za-z0-9_.$\-]+\\{1,2}[A-Za-z0-9_.$\-]")
WINDOWS_ENV_VARS = (
    "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMW6432", "PROGRAMDATA",
    "COMMONPROGRAMFILES", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "HOMEDRIVE", "HOMEPATH", "COMSPEC",
    "ALLUSERSPROFILE", "PUBLIC", "TEMP", "TMP",
)
_PERCENT_RE = re.compile(r"%(" + "|".join(re.escape(v) for v in WINDOWS_ENV_VARS) + r")%", re.IGNORECASE)
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*")

_FIX = {
    DRIVE.id: "build the path from a variable or a relative path instead (Join-Path $PSScriptRoot …, "
           "os.path.join, PathBuf::from(env::var(…)), ${{ runner.temp }}), or guard it for Windows only",
    UNC.id: "use a configurable location (environment variable or config) instead of a fixed network share",
    ENV_VAR.id: "Windows-only variable: use $HOME / [IO.Path]::GetTempPath() / a cross-platform variable, "
             "or guard it for Windows only",
}


@dataclass(frozen=True)
class PathHit:
    offset: int          # in the scanned string
    kind: str            # sub-rule id
    text: str


_ESCAPE_LETTERS = frozenset("ntr0abfvxuUN\"'")
# A UNC "server" that is really an escape sequence: one character, \xHH, \uHHHH, an octal number.
_ESCAPE_NAME = re.compile(r".|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{1,3}|[nrtfvab0][A-Za-z]?")


def windows_paths(value: str, escaped: bool = False) -> list[PathHit]:
    """Windows paths in one string literal or argument (URLs masked first).

    ``escaped``: the text is the source of a literal whose backslashes start escapes (a C or
    Python string), so ``a:\\n`` is "a:" and a newline, not a drive path.
    """
    if ":" not in value and "\\" not in value and "%" not in value:
        return []
    if "://" in value:
        value = _URL_RE.sub(lambda m: " " * len(m.group()), value)
    hits = []
    for m in _DRIVE_RE.finditer(value):
        after = m.end()
        if escaped and value[after - 1] == "\\" and value[after - 2] != "\\" and \
                after < len(value) and value[after] in _ESCAPE_LETTERS:
            continue
        hits.append(PathHit(m.start(), DRIVE.id, _snippet(value, m.start())))
    for m in _UNC_RE.finditer(value):
        server = m.group().lstrip("\\").split("\\", 1)[0]
        if _ESCAPE_NAME.fullmatch(server):
            continue  # '\\r\\n', '\\x0d\\x0a': escaped escapes (tr -d, regexes), not \\server\share
        hits.append(PathHit(m.start(), UNC.id, _snippet(value, m.start())))
    for m in _PERCENT_RE.finditer(value):
        hits.append(PathHit(m.start(), ENV_VAR.id, m.group()))
    return sorted(hits, key=lambda h: h.offset)


def _snippet(value: str, start: int) -> str:
    end = start
    while end < len(value) and end - start < 60 and value[end] not in " \t\n\"'`;,)":
        end += 1
    return value[start:end]


def path_message(kind: str, text: str) -> str:
    what = {DRIVE.id: "hardcoded Windows drive path", UNC.id: "hardcoded UNC path",
            ENV_VAR.id: "Windows-only environment variable"}[kind]
    return f"{what} '{text}' breaks on Linux/macOS; {_FIX[kind]}"


def _position(line: int, column: int, value_text: str, offset: int) -> tuple[int, int]:
    """Line/column of ``offset`` inside a token whose first character is at (line, column)."""
    before = value_text[:offset]
    newlines = before.count("\n")
    if newlines:
        return line + newlines, offset - before.rfind("\n")
    return line, column + offset


def findings_in_literal(path: str, raw: str, line: int, column: int, severity: str,
                        value_offset: int = 0, escaped: bool = False) -> list[Finding]:
    """Findings for one literal whose raw source text ``raw`` starts at (line, column)."""
    out = []
    for hit in windows_paths(raw, escaped):
        ln, col = _position(line, column, raw, hit.offset)
        out.append(finding(hit.kind, path, path_message(hit.kind, hit.text), ln, col + value_offset, severity))
    return out


# --- PowerShell -----------------------------------------------------------------------------------

_REGEX_OPERATORS = frozenset(
    op for base in ("match", "notmatch", "replace", "split") for op in (f"-{base}", f"-i{base}", f"-c{base}"))
WINDOWS_ENV_NAMES = frozenset(v.lower() for v in WINDOWS_ENV_VARS)


def _is_regex_operand(tokens, index: int) -> bool:
    from ...parsers.powershell.structure import prev_significant

    j = prev_significant(tokens, index, skip_newlines=False)
    if j < 0:
        return False
    prev = tokens[j]
    if prev.value in _REGEX_OPERATORS or prev.value in ("-pattern", "-regex"):
        return True
    # [regex]'...' / [regex]::Match($x, '...') / [regex]::new('...')
    k = j
    while k >= 0 and k > j - 8:
        if tokens[k].text.lower() in ("regex", "system.text.regularexpressions.regex"):
            return True
        if tokens[k].kind == "newline":
            break
        k -= 1
    return False


_ENV_IN_STRING = re.compile(r"(?<!`)\$(?:\{env:([A-Za-z_()0-9]+)\}|env:([A-Za-z_][A-Za-z_0-9]*(?:\(x86\))?))",
                            re.IGNORECASE)


def _restores(tokens) -> set[tuple[str, str]]:
    """(environment variable, variable) pairs of ``$env:X = $saved`` statements, in one pass."""
    from ...parsers.powershell.structure import next_significant

    found = set()
    n = len(tokens)
    for k, tok in enumerate(tokens):
        if tok.kind == "variable" and tok.value.lower().startswith("env:"):
            j = next_significant(tokens, k, skip_newlines=False)
            if j < n and tokens[j].is_op("="):
                v = next_significant(tokens, j, skip_newlines=False)
                if v < n and tokens[v].kind == "variable":
                    found.add((tok.value.lower(), tokens[v].value.lower()))
    return found


def _env_use_is_safe(tokens, host: int, name: str, restores=None) -> bool:
    """``$env:TEMP = …`` (an assignment), ``$env:TEMP ?? …``, or a copy saved to be restored."""
    from ...parsers.powershell.structure import next_significant, prev_significant

    nxt = next_significant(tokens, host, skip_newlines=False)
    if nxt < len(tokens) and tokens[nxt].is_op("=", "??", "??="):
        return True
    prev = prev_significant(tokens, host, skip_newlines=False)
    if prev >= 0 and tokens[prev].is_op("??"):
        return True
    # '$saved = $env:TEMP' … '$env:TEMP = $saved': saved to be restored, not a path built from it
    if prev >= 1 and tokens[prev].is_op("=") and tokens[prev - 1].kind == "variable" and \
            (nxt >= len(tokens) or tokens[nxt].kind == "newline" or tokens[nxt].is_op(";", "}")):
        saved = tokens[prev - 1].value.lower()
        env = tokens[host].value.lower()
        return (env, saved) in (restores if restores is not None else _restores(tokens))
    return False


class _Tested:
    """Which tokens sit in a condition on, or a branch under a positive test of, each $env: variable (O(1))."""

    def __init__(self, intervals: list[tuple[int, int, str]], n: int):
        self.marks: dict[str, bytearray] = {}
        by_name: dict[str, list[tuple[int, int]]] = {}
        for a, b, name in intervals:
            by_name.setdefault(name, []).append((a, b))
        for name, spans in by_name.items():
            depth = [0] * (n + 2)
            for a, b in spans:
                a, b = max(a + 1, 0), min(b, n)
                if a < b:
                    depth[a] += 1
                    depth[b] -= 1
            marks = bytearray(n + 1)
            running = 0
            for i in range(n + 1):
                running += depth[i]
                if running > 0:
                    marks[i] = 1
            self.marks[name] = marks

    def covers(self, name: str, index: int) -> bool:
        marks = self.marks.get(name)
        return marks is not None and 0 <= index < len(marks) and marks[index] == 1


def _tested_env_vars(parsed) -> list[tuple[int, int, str]]:
    """(start, end, variable): if-chain conditions and the branches under a positive test of an $env: variable."""
    if parsed is None:
        return []
    tokens = parsed.tokens
    found = []
    for chain in parsed.chains:
        for branch in chain.branches:
            if branch.condition is None:
                continue
            a, b = branch.condition
            for k in range(a, b):
                tok = tokens[k]
                if tok.kind == "variable" and tok.value.lower().startswith("env:"):
                    name = tok.value.lower()
                    found.append((a - 1, b + 1, name))  # the condition itself
                    prefix = "".join(t.text for t in tokens[a:k]).lower()
                    if "-not" not in prefix and "!" not in prefix:
                        found.append((branch.block.open, branch.block.close, name))
    return found


def powershell_paths(path: str, tokens, options: X3Options = X3Options(), guard=None, flat=None, *,
                     context=None, parsed=None) -> list[Finding]:
    """X3 over PowerShell tokens: strings, bare arguments and $env: variables, also inside double-quoted strings
    (``"$env:TEMP\\x"``); comments only when the options ask.

    ``guard`` answers ``guarded(index)`` for "only reached where Linux is not" (``$IsWindows`` branches…); tokens it
    covers are skipped when the options allow guarded paths. ``context`` (a :class:`~.context.ScriptContext`)
    carries the evidence of where the script runs: the severity follows it (see context.py).
    """
    from ...parsers.powershell.structure import walk
    from .context import NO_EVIDENCE, portability_note
    from .powershell_script import is_probe

    context = context or NO_EVIDENCE
    if context.windows_only or context.skipped:
        return []
    configured = options.severity
    severity, tail = portability_note(context)
    if configured != "error":
        severity = configured if severity == "error" or configured == "note" else severity
    check_comments = options.comments
    allow_guarded = options.allow_guarded
    out: list[Finding] = []
    tested = None
    candidates = flat if flat is not None else list(walk(tokens))
    if check_comments:
        candidates = list(candidates) + [(t, i) for i, t in enumerate(tokens) if t.kind == "comment"]

    restores = None

    def env_hit(tok, host, name_text, line, column):
        nonlocal tested, restores
        if tok is tokens[host]:
            if restores is None:
                restores = _restores(tokens)
            if _env_use_is_safe(tokens, host, name_text, restores):
                return None
        if tested is None:
            tested = _Tested(_tested_env_vars(parsed), len(tokens))
        if tested.covers("env:" + name_text.lower().split(":", 1)[-1], host):
            return None
        return finding(ENV_VAR, path, path_message(ENV_VAR.id, "$env:" + name_text.split(":", 1)[-1]) + tail,
                       line, column, severity)

    for tok, host in candidates:
        kind = tok.kind
        hits: list[Finding] = []
        if kind == "string" or kind == "word":
            hits = findings_in_literal(path, tok.text, tok.line, tok.column, severity)
            if hits and kind == "string" and tok is tokens[host] and _is_regex_operand(tokens, host):
                continue
            hits = [f if not tail else dataclasses.replace(f, message=f.message + tail) for f in hits]
            if kind == "string" and "$" in tok.text and (tok.text.startswith('"') or tok.text.startswith('@"')):
                cursor = 0
                for m in _ENV_IN_STRING.finditer(tok.value):   # the value: $( ) subexpressions are their own tokens
                    start = tok.text.find(m.group(), cursor)
                    cursor = start + 1
                    name = m.group(1) or m.group(2)
                    if name.lower() in WINDOWS_ENV_NAMES and start >= 0:
                        line, column = _position(tok.line, tok.column, tok.text, start)
                        hit = env_hit(tok, host, name, line, column)
                        if hit is not None:
                            hits.append(hit)
        elif kind == "variable" and tok.value.lower().startswith("env:") and \
                tok.value[4:].lower() in WINDOWS_ENV_NAMES:
            hit = env_hit(tok, host, tok.value[4:], tok.line, tok.column)
            hits = [hit] if hit is not None else []
        elif kind == "comment" and check_comments:
            hits = findings_in_literal(path, tok.text, tok.line, tok.column, severity)
        else:
            continue
        if hits and allow_guarded and guard is not None and guard.guarded(host):
            continue
        if hits and kind != "comment" and is_probe(tokens, host):
            continue  # 'Test-Path C:\x', '-ErrorAction SilentlyContinue': a probe, harmless where the path is missing
        out.extend(hits)
    return out


# --- POSIX sh, bash, Dockerfiles ---------------------------------------------------------------------

_PATH_START = frozenset("=:,;")


def _starts_a_path(value: str, offset: int) -> bool:
    """Whether a hit at ``offset`` of a shell word's unquoted value is the word's path (the whole word, or a value
    after ``=`` / ``:`` / ``,``), not a path mentioned inside a message."""
    return offset == 0 or value[offset - 1] in _PATH_START


def dockerfile_platform(text: str) -> str:
    """'windows' for a Dockerfile that builds a Windows container (a windows/servercore/nanoserver base image, the
    backtick escape directive, a PowerShell or cmd SHELL), else the evidence that it builds a Linux image."""
    low = text.lower()
    if re.search(r"^\s*#\s*escape\s*=\s*`", low, re.MULTILINE) or \
            re.search(r"^\s*from\s+\S*(?:windows|servercore|nanoserver)", low, re.MULTILINE) or \
            re.search(r"^\s*shell\s+\[\s*\"(?:powershell|pwsh|cmd)", low, re.MULTILINE):
        return "windows"
    return "a Dockerfile for a Linux image: its RUN lines run on Linux"


def shell_paths(path: str, text: str, options: X3Options = X3Options(), evidence: str = "") -> list[Finding]:
    """X3 over the words of a shell script or Dockerfile: a word whose value is a Windows path (``C:\\x``,
    ``--prefix=C:\\x``), not a path mentioned inside a message, nor a backslash escape (``tr -d "\\r\\n"``).
    Comments only when the options ask. ``evidence`` (why this code runs on Linux/macOS) goes in the message."""
    from ...parsers.shell.lexer import COMMENT, HEREDOC, WORD, lex

    severity = options.severity
    tail = f" ({evidence})" if evidence else ""
    check_comments = options.comments
    out: list[Finding] = []
    if not could_hold_windows_path(text):
        return out
    for tok in lex(text):
        if tok.kind == WORD:
            value = tok.text
            if ":" not in value and "\\" not in value and "%" not in value:
                continue
            plain = value.replace('"', "").replace("'", "")
            for hit in windows_paths(plain):
                if not _starts_a_path(plain, hit.offset):
                    continue
                out.append(finding(hit.kind, path, path_message(hit.kind, hit.text) + tail, tok.line, tok.column,
                                   severity))
        elif tok.kind == HEREDOC or (tok.kind == COMMENT and check_comments and not tok.text.startswith("#!")):
            for hit_finding in findings_in_literal(path, tok.text, tok.line, tok.column, severity):
                if tok.kind == HEREDOC:
                    hit_line = tok.text.split("\n")[hit_finding.line - tok.line] if hit_finding.line else ""
                    stripped = hit_line.lstrip()
                    start = hit_line.find(stripped[:1]) if stripped else 0
                    column = (hit_finding.column or 1) - 1
                    if column != start and (column == 0 or hit_line[column - 1] not in "=: \t\"'"):
                        continue
                out.append(dataclasses.replace(hit_finding, message=hit_finding.message + tail))
    return out


SOURCE_TAIL = (" (warning, not an error: a string in source code or a config file; whether it is used as a path on "
               "Linux/macOS is not known)")


def source_severity(options: X3Options) -> str:
    """X3's severity in source code and config files: x3-source-severity, or x3-severity when that is lower."""
    order = ("note", "warning", "error")
    return min(options.source_severity, options.severity, key=order.index)


def with_tail(findings: list[Finding], tail: str) -> list[Finding]:
    return [dataclasses.replace(f, message=f.message + tail) if str(f.severity) != "error" and "." in f.rule else f
            for f in findings]


# --- Python -------------------------------------------------------------------------------------------

_PY_WINDOWS_GUARD = re.compile(
    r"os\.name\s*==\s*['\"]nt['\"]|sys\.platform\s*==\s*['\"](?:win32|cygwin)['\"]|sys\.platform\.startswith\(\s*['\"]win"
    r"|platform\.system\(\)\s*==\s*['\"]Windows['\"]|\bIS_WINDOWS\b|\bWINDOWS\b")
_PY_NOT_WINDOWS = re.compile(r"os\.name\s*!=\s*['\"]nt['\"]|sys\.platform\s*!=\s*['\"]win32['\"]"
                             r"|platform\.system\(\)\s*!=\s*['\"]Windows['\"]")
_REGEX_CALL = re.compile(r"(?:\bre\.\w+|\bRegex(?:::new)?|\bRegExp|\bregexp\.\w+|Pattern\.compile|\bregex)\s*\(\s*[rR]?$")


def could_hold_windows_path(text: str) -> bool:
    """False only when no substring of ``text`` can give a :func:`windows_paths` hit (a cheap pre-filter).

    Conservative: every literal handed to windows_paths is a substring of the
    file, and each hit needs a drive match (the same regex; its look-behind and
    look-ahead see the same neighbours, since a literal keeps its quotes), two
    backslashes in a row (UNC) or a %WINDOWS_VARIABLE%; URL masking and the
    escape check only ever remove hits.
    """
    # each regex is gated by a substring its every match contains: 'in' runs at C speed, a regex whose pattern
    # starts with a look-behind is tried at every position
    return ((":\\" in text or ":/" in text) and bool(_DRIVE_RE.search(text))) or "\\\\" in text or \
        ("%" in text and bool(_PERCENT_RE.search(text)))


def yaml_could_hold_windows_path(text: str) -> bool:
    """:func:`could_hold_windows_path` for YAML, whose values are decoded: a double-quoted escape (``\\x3a``,
    ``\\u005c``) can spell a path the text does not show, so any backslash counts as a candidate too."""
    return "\\" in text or could_hold_windows_path(text)


def powershell_could_hold_windows_path(text: str) -> bool:
    """:func:`could_hold_windows_path` for PowerShell (and scripts whose shebang may say PowerShell), where X3 also
    reports Windows-only ``$env:`` variables: any ``env:`` counts as a candidate too."""
    return could_hold_windows_path(text) or "env:" in text.lower()


def python_paths(path: str, text: str, options: X3Options = X3Options()) -> list[Finding]:
    """X3 over Python string literals (stdlib tokenize), skipping regex arguments and Windows-guarded blocks."""
    import io
    import tokenize

    severity = source_severity(options)
    allow_guarded = options.allow_guarded
    out: list[Finding] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if not could_hold_windows_path(text):
        # nothing X3 could report, so not even "cannot tokenize": a note about a file with no candidate is noise
        return []
    lines = text.splitlines()
    # Indentation stack of (indent, windows-only?) for if/elif/else blocks.
    guard_stack: list[tuple[int, bool]] = []
    pending_guard: bool | None = None
    last_if_negative = False
    statement_start = True          # the previous token ended a statement (a string here may be a docstring)
    docstring: list[Finding] | None = None  # findings of a string that is a whole statement so far
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            ttype, value, (line, col) = tok.type, tok.string, tok.start
            if docstring is not None and ttype not in (tokenize.NL, tokenize.COMMENT):
                if ttype not in (tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.DEDENT):
                    out.extend(docstring)  # the string was part of an expression, not a docstring
                docstring = None
            was_start = statement_start
            statement_start = ttype in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL,
                                        tokenize.COMMENT, tokenize.ENCODING) and (was_start or ttype != tokenize.NL)
            if ttype == tokenize.INDENT:
                guard_stack.append((len(value), bool(pending_guard)))
                pending_guard = None
            elif ttype == tokenize.DEDENT:
                if guard_stack:
                    guard_stack.pop()
            elif ttype == tokenize.NAME and value in ("if", "elif", "else") and \
                    line - 1 < len(lines) and lines[line - 1][:col].strip() == "":
                head = lines[line - 1]
                if value == "else":
                    pending_guard = last_if_negative
                else:
                    pending_guard = bool(_PY_WINDOWS_GUARD.search(head))
                    last_if_negative = bool(_PY_NOT_WINDOWS.search(head))
            elif ttype == tokenize.STRING or ttype == getattr(tokenize, "FSTRING_MIDDLE", -1):
                if allow_guarded and (any(g for _, g in guard_stack) or
                                      (line - 1 < len(lines) and _PY_WINDOWS_GUARD.search(lines[line - 1]))):
                    continue
                if line - 1 < len(lines) and _REGEX_CALL.search(lines[line - 1][:col]):
                    continue
                quote_at = min((k for k in (value.find("'"), value.find('"')) if k >= 0), default=0)
                raw_string = "r" in value[:quote_at].lower()
                found = findings_in_literal(path, value, line, col + 1, severity, escaped=not raw_string)
                if was_start and ttype == tokenize.STRING:
                    docstring = found  # kept only if the statement turns out to be more than this string
                else:
                    out.extend(found)
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        if not out:
            return [finding(RULE, path, f"cannot tokenize Python source ({exc}); X3 skipped this file", None, None,
                            "note")]
    return out


# --- C-like languages, JSON, TOML ------------------------------------------------------------------------

@dataclass(frozen=True)
class LiteralSyntax:
    line_comments: tuple[str, ...]
    block_comment: tuple[str, str] | None
    quotes: str                 # quote characters that start strings
    char_quote: bool = False    # ' is a one-character literal (C, Rust, Java, Go…)
    raw_backtick: bool = False  # `...` raw string (Go, JS template)
    rust_raw: bool = False      # r"..." / r#"..."#
    triple: bool = False        # """...""" / '''...''' (TOML)
    guards: str = ""            # regex for "this block is Windows-only"


_C_GUARD = (r"cfg\s*\(\s*(?:windows|target_os\s*=\s*\"windows\"|target_family\s*=\s*\"windows\")"
            r"|cfg!\s*\(\s*windows|\b_WIN32\b|\b_WIN64\b|\b_MSC_VER\b|runtime\.GOOS\s*==\s*\"windows\""
            r"|process\.platform\s*===?\s*['\"]win32['\"]|OperatingSystem\.IsWindows\(\)|IsOSPlatform\(OSPlatform\.Windows\)"
            r"|SystemUtils\.IS_OS_WINDOWS|\bisWindows\b|\bIS_WINDOWS\b")

SYNTAXES: dict[str, LiteralSyntax] = {
    "c-like": LiteralSyntax(("//",), ("/*", "*/"), "\"", char_quote=True, guards=_C_GUARD),
    "rust": LiteralSyntax(("//",), ("/*", "*/"), "\"", char_quote=True, rust_raw=True, guards=_C_GUARD),
    "go": LiteralSyntax(("//",), ("/*", "*/"), "\"", char_quote=True, raw_backtick=True, guards=_C_GUARD),
    "js": LiteralSyntax(("//",), ("/*", "*/"), "\"'", raw_backtick=True, guards=_C_GUARD),
    "json": LiteralSyntax((), None, "\""),
    "toml": LiteralSyntax(("#",), None, "\"'", triple=True),
}

EXTENSION_FAMILY = {
    ".c": "c-like", ".h": "c-like", ".cc": "c-like", ".cpp": "c-like", ".hpp": "c-like", ".cs": "c-like",
    ".java": "c-like", ".kt": "c-like", ".kts": "c-like", ".scala": "c-like", ".swift": "c-like",
    ".dart": "c-like", ".rs": "rust", ".go": "go", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js",
    ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js", ".vue": "js", ".svelte": "js",
    ".json": "json", ".jsonc": "js", ".toml": "toml",
}


def _scanner(syntax: LiteralSyntax) -> re.Pattern:
    """One compiled pattern that finds, left to right, the comments, string literals and (for guards) braces
    of a syntax: the literal scan is a single linear pass whatever the line length."""
    parts = []
    for marker in syntax.line_comments:
        parts.append(r"(?P<c%d>%s[^\n]*)" % (len(parts), re.escape(marker)))
    if syntax.block_comment:
        opener, closer = syntax.block_comment
        parts.append(r"(?P<c%d>%s.*?(?:%s|\Z))" % (len(parts), re.escape(opener), re.escape(closer)))
    if syntax.rust_raw:
        parts.append(r'(?P<raw>(?<![A-Za-z0-9_])r(?P<hashes>#{0,255})".*?(?:"(?P=hashes)|\Z))')
    if syntax.triple:
        parts.append(r'(?P<triple>""".*?(?:"""|\Z)|\'\'\'.*?(?:\'\'\'|\Z))')
    for quote in syntax.quotes:
        q = re.escape(quote)
        if syntax.triple and quote == "'":   # TOML literal strings: no escapes
            parts.append(r"(?P<s%d>%s[^%s\n]*(?:%s|\n|\Z))" % (len(parts), q, q, q))
        else:
            parts.append(r"(?P<s%d>%s(?:[^%s\\\n]|\\.)*(?:%s|\n|\Z))" % (len(parts), q, q, q))
    if syntax.raw_backtick:
        parts.append(r"(?P<bt>`[^`]*(?:`|\Z))")
    if syntax.char_quote:
        parts.append(r"(?P<char>'(?:\\[^\n]{1,10}?|[^'\\\n])')")
    if syntax.guards:
        parts.append(r"(?P<brace>[{};])")
    return re.compile("|".join(parts), re.S)


_SCANNERS: dict[str, re.Pattern] = {}
_GUARD_WINDOW = 400   # how far back a guard condition ('if (IsWindows())', '#[cfg(windows)]') is looked for


def literals(text: str, syntax: LiteralSyntax) -> Iterable[tuple[int, int, int, str, bool]]:
    """(offset, line, column, raw literal, windows-guarded) for each string literal of ``text``, in one pass of a
    compiled scanner (linear in the text: a 100 KB minified line costs no more than 100 KB of short lines)."""
    key = repr(syntax)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        scanner = _SCANNERS[key] = _scanner(syntax)
    guard_re = re.compile(syntax.guards) if syntax.guards else None
    brace_guards: list[bool] = []
    statement_start = 0
    line, line_start, last = 1, 0, 0
    for m in scanner.finditer(text):
        start = m.start()
        newlines = text.count("\n", last, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", last, start) + 1
        last = start
        kind = m.lastgroup
        raw = m.group()
        if kind == "brace":
            if raw == "{":
                brace_guards.append(bool(guard_re.search(text, max(statement_start, start - _GUARD_WINDOW), start))
                                    or (bool(brace_guards) and brace_guards[-1]))
            elif raw == "}" and brace_guards:
                brace_guards.pop()
            statement_start = start + 1
            continue
        if kind[0] in "sbrt" and kind != "char":   # a string literal (s…, bt, raw, triple)
            guarded = bool(brace_guards and brace_guards[-1]) or bool(
                guard_re and guard_re.search(text, max(statement_start, line_start, start - _GUARD_WINDOW), start))
            yield start, line, start - line_start + 1, raw, guarded
        inner = raw.count("\n")
        if inner:
            line += inner
            line_start = start + raw.rfind("\n") + 1
        last = m.end()


def source_paths(path: str, text: str, family: str, options: X3Options = X3Options()) -> list[Finding]:
    """X3 over the string literals of a C-like / Rust / Go / JS / JSON / TOML file."""
    severity = source_severity(options)
    allow_guarded = options.allow_guarded
    syntax = SYNTAXES[family]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if family == "go" and (path.endswith("_windows.go") or "//go:build windows" in text[:2000]):
        return []
    if not could_hold_windows_path(text):
        return []   # the fast pre-test: no drive letter, UNC prefix or %WINDOWS_VARIABLE% anywhere
    out: list[Finding] = []
    for offset, line, column, raw, guarded in literals(text, syntax):
        if guarded and allow_guarded:
            continue
        if not (":" in raw or "\\" in raw or "%" in raw):
            continue
        line_start = offset - column + 1
        if _REGEX_CALL.search(text, max(line_start, offset - 120), offset):
            continue
        # Raw literals (r"…", `…`, TOML '…') have no escapes; the others do.
        raw_literal = raw[:1] in ("r", "`") or (family == "toml" and raw[:1] == "'")
        out.extend(findings_in_literal(path, raw, line, column, severity, escaped=not raw_literal))
    return out


# --- YAML ---------------------------------------------------------------------------------------------------

def yaml_scalars(text_or_parsed):
    """(scalar node, key path) for every scalar of every YAML document, each node once (aliases too).

    Takes the text or a :class:`~observatory_invariants.parsers.yaml_loader.Parsed`; raises ``yaml_loader.YamlError`` for bad YAML.
    """
    from ...parsers import yaml_loader

    parsed = yaml_loader.compose(text_or_parsed) if isinstance(text_or_parsed, str) else text_or_parsed
    if parsed.problem is not None:
        raise yaml_loader.YamlError.of(parsed.problem)
    return yaml_loader.scalars(parsed.nodes)




def yaml_paths(path: str, text: str, options: X3Options = X3Options(), parsed=None,
               severity: str | None = None) -> list[Finding]:
    """X3 over the scalar values of a YAML file (comments are not values).

    ``parsed`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` when the caller has it
    (the adapter shares one parse per file and run); otherwise the text is composed here.
    """
    from ...parsers import yaml_loader

    severity = severity or source_severity(options)
    if parsed is None:
        parsed = yaml_loader.compose(text)
    if parsed.problem is not None:
        if is_template(text):
            return template_paths(path, text, severity)
        return [invalid_yaml(path, parsed.problem, "X3 can check it", severity="note")]
    out: list[Finding] = []
    text_lines: list[str] | None = None
    for node, _keys in yaml_loader.scalars(parsed.nodes):
        value = node.value
        if not isinstance(value, str) or not windows_paths(value):
            continue
        if text_lines is None:
            text_lines = text.replace("\r\n", "\n").split("\n")
        line, column, extra = scalar_position(node, text_lines)
        if node.style in ("|", ">"):
            for k, content in enumerate(value.split("\n")):
                for hit in windows_paths(content):
                    out.append(finding(hit.kind, path, path_message(hit.kind, hit.text), line + k,
                                       column + hit.offset, severity))
        else:
            for hit in windows_paths(value):
                out.append(finding(hit.kind, path, path_message(hit.kind, hit.text), line,
                                   column + extra + hit.offset, severity))
    return out


def invalid_yaml(path: str, problem, purpose: str, rule: str = RULE, severity: str = "error") -> Finding:
    """The finding for a YAML file that could not be read (a yaml_loader.YamlProblem)."""
    return finding(rule, path, f"invalid YAML ({problem.problem}); fix the file so {purpose}",
                   problem.line, problem.column, severity)


_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def is_template(text: str) -> bool:
    """A Go (Helm), Jinja or similar template of YAML: ``{{ … }}`` / ``{% … %}`` directives, not YAML itself."""
    return "{{" in text or "{%" in text


def template_paths(path: str, text: str, severity: str) -> list[Finding]:
    """X3 over a templated YAML file (a Helm chart template, a Jinja file): the text outside the template
    directives, line by line, comments skipped; a template is never "invalid YAML"."""
    masked = _TEMPLATE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text.replace("\r\n", "\n"))
    if not could_hold_windows_path(masked):
        return []
    out = []
    for number, line in enumerate(masked.split("\n"), 1):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        for hit in windows_paths(line):
            out.append(finding(hit.kind, path, path_message(hit.kind, hit.text), number, hit.offset + 1, severity))
    return out
