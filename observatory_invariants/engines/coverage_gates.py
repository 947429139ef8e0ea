"""Coverage gates written into CI: thresholds that live outside ``coverage-config.json``.

A *gate* is a number a CI script holds coverage to: a tool flag (``pytest --cov-fail-under=80``, ``coverage report
--fail-under 80``, ``cargo tarpaulin --fail-under 14``, ``cargo llvm-cov --fail-under-lines 70``, vitest's
``--coverage.thresholds.lines=80``, jest's ``--coverageThreshold``, ``nyc``/``c8 --check-coverage --lines 80``),
a test-runner config (vitest/vite ``coverage.thresholds``, jest ``coverageThreshold``), or a shell comparison on a
coverage number (``[ "$COVERAGE" -lt 80 ]``, ``(( $(echo "$cov < 80" | bc -l) ))``, ``awk`` / ``bc`` expressions
fed from ``go tool cover``, ``$coverage -lt 80`` in PowerShell). Scripts are read with the project's sh lexer and
PowerShell tokenizer — comments, here-documents and quoted text are not commands — and a comparison counts only
with evidence that its operand is a coverage number: a variable named for coverage (``cov``, ``coverage_pct``,
``TOTAL_COVERAGE``), or a placeholder (``{}``, ``$1``) in a pipeline that runs a coverage tool.

A gate is *swallowed* when its failure cannot fail the step: ``cmd || true``, ``cmd || echo …``, ``cmd || :``,
``cmd || exit 0`` (and the same after ``&&`` chains), or PowerShell's ``cmd || Write-Host …``. (A step's
``continue-on-error: true`` is the caller's business: it knows the step.)

``npm run X`` / ``yarn X`` / ``pnpm X`` / ``bun run X`` are returned as :class:`PackageScript` so the caller can read
``package.json`` and scan the script it names (and the runner config it uses) one hop further.

Pure: script texts in, gates out. Never raises.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field, replace

from ..parsers.shell import lexer as sh

MEASURES = ("lines", "statements", "branches", "functions")
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Gate:
    """One hard-coded coverage threshold. ``line``/``column`` are 1-based in the scanned text; ``directories``
    are the folders (repo-relative) the command runs in or names (``cd``, ``--cov=``, ``--manifest-path``,
    ``go test ./pkg/...``); ``measurement`` None means the tool's own total."""

    tool: str
    threshold: float
    measurement: str | None
    line: int
    column: int
    text: str
    swallowed: str | None = None
    directories: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageScript:
    """``npm run NAME`` and the like: the caller resolves NAME in ``directory``/package.json."""

    manager: str
    name: str
    line: int
    column: int
    directory: str | None          # repo-relative folder of the package.json (None: unknown, e.g. cd $VAR)
    swallowed: str | None = None
    text: str = ""


@dataclass
class ScriptScan:
    gates: list[Gate] = field(default_factory=list)
    package_scripts: list[PackageScript] = field(default_factory=list)


# --- names and numbers -------------------------------------------------------------------------------------

_NAME_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_PLACEHOLDER = re.compile(r"^(?:\{\}|\$\{?[0-9]\}?|\$NF|\$\{?NF\}?)$")
_NUMBER = re.compile(r"^\d{1,3}(?:\.\d+)?%?$")
_OPERATOR = re.compile(r"<=|>=|<|>|(?<![\w-])-(?:lt|le|gt|ge)(?![\w-])")
_LEFT = re.compile(r"[^\s()<>=!&|;,]{1,200}$")
_RIGHT = re.compile(r"[^\s()<>=!&|;,]{1,200}")
_PRODUCER = re.compile(r"(?i)(?:^|[/._\-\s])(?:cover|coverage|coverprofile|tarpaulin|lcov|gcovr|llvm-cov|covr)"
                       r"(?:[/._\-\s=]|$)")


def coverage_name(name: str) -> bool:
    """A variable named for a coverage number: a part starting with ``cov`` (``coverage_pct``, ``TOTAL_COV``,
    ``covPercent``) — ``recovery`` or ``discover`` are not."""
    return any(part.lower().startswith("cov") for part in _NAME_PARTS.findall(name))


def _percent(text: str) -> float | None:
    text = text.strip().strip("'\"")
    if not _NUMBER.match(text):
        return None
    value = float(text.rstrip("%"))
    return value if 0 < value <= 100 else None


def _coverage_operand(text: str, producer: bool, bare: bool) -> bool:
    text = text.strip().strip("'\"")
    if any(coverage_name(name) for name in _VARIABLE.findall(text)):
        return True
    if bare and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and coverage_name(text):
        return True
    return producer and bool(_PLACEHOLDER.match(text))


def comparisons(expression: str, producer: bool, bare: bool) -> list[tuple[float, str, int]]:
    """``(threshold, matched text, offset)`` for each comparison of a coverage operand with a percentage."""
    found = []
    for op in _OPERATOR.finditer(expression):
        # Operands are read outwards from each operator (bounded), so a long string costs linear time.
        left_text = expression[max(0, op.start() - 400):op.start()].rstrip()
        right_start = op.end() + (len(expression[op.end():op.end() + 400]) -
                                  len(expression[op.end():op.end() + 400].lstrip()))
        left, right = _LEFT.search(left_text), _RIGHT.match(expression, right_start)
        if not left or not right:
            continue
        a, b = left.group(0), right.group(0)
        for operand, number in ((a, b), (b, a)):
            value = _percent(number)
            if value is not None and _coverage_operand(operand, producer, bare):
                found.append((value, f"{a} {op.group(0)} {b}", op.start()))
                break
    return found


# --- tool flags ----------------------------------------------------------------------------------------------

def _flag(words: list[str], i: int, name: str) -> tuple[str | None, bool]:
    """The value of ``--name=V`` or ``--name V`` at ``words[i]`` (and whether the value was the next word)."""
    word = words[i]
    if word.startswith(name + "="):
        return word[len(name) + 1:], False
    if word == name and i + 1 < len(words) and not words[i + 1].startswith("-"):
        return words[i + 1], True
    return None, False


def _is_command_word(words: list[str], *names: str) -> bool:
    return any(posixpath.basename(w) in names for w in words)


def flag_gates(words: list[str]) -> list[tuple[str, float, str | None, int, str]]:
    """``(tool, threshold, measurement, word index, text)`` for the threshold flags of one command."""
    out = []
    lowered = [w.lower() for w in words]
    tarpaulin = any("tarpaulin" in w for w in lowered)
    coverage_py = not tarpaulin and (_is_command_word(words, "coverage") or "coverage" in words) and any(
        w in ("report", "xml", "json", "html", "lcov") for w in words)
    diff = any(w in ("diff-cover", "diff-quality") or w.endswith("/diff-cover") for w in words)
    nyc = _is_command_word(words, "nyc", "c8") and ("--check-coverage" in words or "check-coverage" in words)
    llvm = any("llvm-cov" in w for w in lowered)
    for i, word in enumerate(words):
        if word.startswith("--cov-fail-under"):
            value, _ = _flag(words, i, "--cov-fail-under")
            number = _percent(value) if value is not None else None
            if number is not None:
                out.append(("pytest-cov", number, None, i, f"--cov-fail-under={value}"))
        elif word.startswith("--fail-under") and not diff:
            for name, measure, tool in (("--fail-under-lines", "lines", "cargo-llvm-cov"),
                                        ("--fail-under-functions", "functions", "cargo-llvm-cov"),
                                        ("--fail-under", None, None)):
                if word == name or word.startswith(name + "="):
                    value, _ = _flag(words, i, name)
                    number = _percent(value) if value is not None else None
                    if tool is None:
                        tool = "cargo-tarpaulin" if tarpaulin else ("coverage.py" if coverage_py else None)
                    elif not llvm:
                        tool = None
                    if number is not None and tool:
                        out.append((tool, number, measure, i, f"{name} {value}"))
                    break
        elif word.startswith("--coverage."):
            key, _, value = word[len("--coverage."):].partition("=")
            parts = key.split(".")
            if parts[0] == "thresholds":
                parts = parts[1:]
            if parts == ["100"] and value.lower() in ("", "true"):
                out.extend(("vitest", 100.0, m, i, word) for m in MEASURES)
            elif len(parts) == 1 and parts[0] in MEASURES:
                number = _percent(value)
                if number is not None:
                    out.append(("vitest", number, parts[0], i, word))
        elif word.startswith("--coverageThreshold"):
            value, _ = _flag(words, i, "--coverageThreshold")
            for measure, number in _jest_threshold(value):
                out.append(("jest", number, measure, i, f"--coverageThreshold {measure}={number:g}"))
        elif nyc and word.startswith("--") and word[2:].split("=")[0] in MEASURES:
            name = word.split("=")[0]
            value, _ = _flag(words, i, name)
            number = _percent(value) if value is not None else None
            if number is not None:
                out.append(("nyc" if _is_command_word(words, "nyc") else "c8", number, name[2:], i, f"{name} {value}"))
    return out


def _jest_threshold(value: str | None) -> list[tuple[str, float]]:
    if not value:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    glob = data.get("global") if isinstance(data, dict) else None
    return [(m, float(v)) for m, v in (glob or {}).items()
            if m in MEASURES and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 100]


def config_thresholds(tool: str, obj) -> list[tuple[str, float, tuple[int, int] | None]]:
    """``(measurement, threshold, position)`` from a vitest/vite config object (``test.coverage.thresholds``, or
    vitest 0.x's ``test.coverage.lines``…) or a jest config (``coverageThreshold.global``)."""
    from ..parsers.jsts import Obj

    def sub(o, *keys):
        for key in keys:
            if not isinstance(o, Obj):
                return None
            o = o.get(key)
        return o if isinstance(o, Obj) else None

    found = []
    if tool == "vitest":
        coverage = sub(obj, "test", "coverage")
        if coverage is None:
            return []
        thresholds = coverage.get("thresholds")
        holder = thresholds if isinstance(thresholds, Obj) else coverage
        if holder.get("100") is True:
            found.extend((m, 100.0, holder.positions.get("100")) for m in MEASURES)
        for m in MEASURES:
            value = holder.get(m)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 100:
                found.append((m, float(value), holder.positions.get(m)))
    elif tool == "jest":
        glob = sub(obj, "coverageThreshold", "global")
        if glob is None:
            return []
        for m in MEASURES:
            value = glob.get(m)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 100:
                found.append((m, float(value), glob.positions.get(m)))
    return found


# --- sh ------------------------------------------------------------------------------------------------------

_REDIRECTS = frozenset((">", ">>", "<", "&>", "&>>", ">&", "<&", "<>", ">|", "<<<", "<<", "<<-"))
_SEPARATORS = frozenset((";", "&", "&&", "||", "|", "|&", ";;", ";&", ";;&", "(", ")"))
_KEYWORDS = frozenset(("if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
                       "case", "esac", "in"))
_EXPRESSION_COMMANDS = frozenset(("echo", "printf", "awk", "gawk", "mawk", "nawk", "bc", "expr", "python", "python3",
                                  "node", "perl", "ruby", "test", "[", "[["))
_SWALLOWERS = frozenset(("true", ":", "echo", "printf"))
_PACKAGE_MANAGERS = frozenset(("npm", "yarn", "pnpm", "bun"))


def unquote(text: str) -> str:
    """A sh word without its quoting (expansions are kept as written)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            out.append(text[i + 1:end])
            i = end + 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\$`':
                    out.append(text[j + 1])
                    j += 2
                    continue
                out.append(text[j])
                j += 1
            i = j + 1
        elif c == "$" and text.startswith("$'", i):
            end = text.find("'", i + 2)
            end = n if end < 0 else end
            out.append(text[i + 2:end])
            i = end + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


@dataclass
class _Cmd:
    words: list                       # ShTokens
    pipeline: int
    connector: str = ""               # what follows: ';', '&&', '||', '|', '\n', '' (end)
    group: bool = False               # starts a { … } or ( … ) group
    expressions: list = field(default_factory=list)    # (text, line, column, bare) from (( … ))

    @property
    def values(self) -> list[str]:
        return [unquote(w.text) for w in self.words]


def _paren_end(text: str, start: int) -> int:
    """The index after the ``)`` closing the ``(`` at ``start`` (quotes respected), or len(text)."""
    depth = 0
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _commands(tokens: list, text: str) -> list[_Cmd]:
    cmds: list[_Cmd] = []
    cur = _Cmd([], 0)
    pipeline = 0
    skip_until = -1
    drop_next = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.start < skip_until or tok.kind in (sh.COMMENT, sh.HEREDOC):
            i += 1
            continue
        if tok.kind == sh.OP and tok.text == "(" and not cur.words and i + 1 < len(tokens) \
                and tokens[i + 1].kind == sh.OP and tokens[i + 1].text == "(" and tokens[i + 1].start == tok.start + 1:
            end = _paren_end(text, tok.start)
            cur.expressions.append((text[tok.start + 2:max(end - 2, tok.start + 2)], tok.line, tok.column, True))
            skip_until = end
            i += 1
            continue
        if tok.kind == sh.NEWLINE or (tok.kind == sh.OP and tok.text in _SEPARATORS):
            if cur.words or cur.expressions:
                cur.connector = "\n" if tok.kind == sh.NEWLINE else tok.text
                cmds.append(cur)
            if tok.kind == sh.NEWLINE or tok.text not in ("|", "|&"):
                pipeline += 1
            grouped = cur.group and not (cur.words or cur.expressions)
            cur = _Cmd([], pipeline, group=grouped or (tok.kind == sh.OP and tok.text == "("))
            i += 1
            continue
        if tok.kind == sh.OP and tok.text in _REDIRECTS:
            if cur.words and cur.words[-1].text.isdigit() and cur.words[-1].start + len(cur.words[-1].text) == tok.start:
                cur.words.pop()        # 2>&1: the fd number is not an argument
            drop_next = True
            i += 1
            continue
        if tok.kind == sh.WORD:
            if drop_next:
                drop_next = False
            elif not cur.words and tok.text in _KEYWORDS:
                cur.group = cur.group or tok.text == "{"
            else:
                cur.words.append(tok)
        i += 1
    if cur.words or cur.expressions:
        cmds.append(cur)
    return cmds


def _substitutions(raw: str) -> list[str]:
    """The bodies of ``$( … )`` and back-quoted command substitutions in a word (not ``$(( … ))``)."""
    bodies = []
    i = 0
    while True:
        at = raw.find("$(", i)
        if at < 0:
            break
        if raw.startswith("$((", at):
            i = at + 3
            continue
        end = _paren_end(raw, at + 1)
        bodies.append(raw[at + 2:end - 1])
        i = end
    for m in re.finditer(r"`((?:[^`\\]|\\.)*)`", raw):
        bodies.append(m.group(1))
    return bodies


def _arithmetic(raw: str) -> list[str]:
    out = []
    i = 0
    while True:
        at = raw.find("$((", i)
        if at < 0:
            return out
        end = _paren_end(raw, at + 1)
        out.append(raw[at + 3:max(end - 2, at + 3)])
        i = end


def _swallowed(cmds: list[_Cmd], index: int) -> str | None:
    """How the failure of the pipeline holding ``cmds[index]`` is ignored, or None."""
    j = index
    while True:
        while j + 1 < len(cmds) and cmds[j].connector in ("|", "|&"):
            j += 1
        connector = cmds[j].connector
        if connector == "&&" and j + 1 < len(cmds):
            j += 1
            continue
        if connector != "||" or j + 1 >= len(cmds):
            return None
        handler = cmds[j + 1]
        values = handler.values
        if not values or handler.group:
            return None      # `cmd || { …; exit 1; }`: a group may well fail the step
        head = posixpath.basename(values[0])
        ok = head in _SWALLOWERS or (head in ("exit", "return") and values[1:2] == ["0"])
        if not ok:
            return None
        k = j + 1
        while k + 1 < len(cmds) and cmds[k].connector in ("|", "|&"):
            k += 1
        if cmds[k].connector == "&&":
            return None      # `cmd || echo failed && exit 1`: the && still fails the step
        shown = " ".join(values)
        return "|| " + (shown if len(shown) <= 48 else shown[:47] + "…")


def _path_hints(values: list[str], cwd: str | None) -> list[str]:
    """Folders a command names: --cov=P, --manifest-path P, --prefix/--cwd/-C/--dir/--root/--rootDir D, and
    path-like positional arguments (``./pkg/...``, ``src/services/x``)."""
    hints: list[str] = []
    base = cwd or ""
    for i, word in enumerate(values[1:], 1):
        for name, is_file in (("--cov", False), ("--manifest-path", True), ("--prefix", False), ("--cwd", False),
                              ("-C", False), ("--dir", False), ("--root", False), ("--rootDir", False),
                              ("--source", False)):
            value, _ = _flag(values, i, name)
            if value:
                hints.append(_rel(base, posixpath.dirname(value) if is_file else value))
        if word.startswith("-") or "://" in word or "$" in word or "=" in word:
            continue
        if "/" in word or word in (".", ".."):
            path = word[:-4] if word.endswith("/...") else word
            hints.append(_rel(base, path.rstrip("/") or "."))
    return [h for h in hints if h is not None]


def _rel(base: str, path: str) -> str | None:
    if not path or "$" in path or path.startswith("/") or "*" in path:
        return None
    joined = posixpath.normpath(posixpath.join(base or ".", path))
    return None if joined.startswith("..") else ("" if joined == "." else joined)


def scan_sh(script: str, cwd: str | None = "", *, producer: bool = False, depth: int = 0) -> ScriptScan:
    """Every coverage gate and package-script call of a POSIX sh / bash script. ``cwd`` is the repo-relative
    folder it runs in ('' the root, None unknown); ``producer`` says an enclosing pipeline runs a coverage tool
    (for ``bash -c`` bodies fed by ``xargs``)."""
    scan = ScriptScan()
    if depth > _MAX_DEPTH:
        return scan
    tokens = sh.lex(script)
    cmds = _commands(tokens, sh.normalise(script))
    pipelines: dict[int, list[str]] = {}
    for cmd in cmds:
        pipelines.setdefault(cmd.pipeline, []).extend(cmd.values)
    for index, cmd in enumerate(cmds):
        values = cmd.values
        in_producer = producer or any(_PRODUCER.search(" " + v + " ") for v in pipelines.get(cmd.pipeline, ()))
        first = cmd.words[0] if cmd.words else None
        line, column = (first.line, first.column) if first else (cmd.expressions[0][1], cmd.expressions[0][2])
        if values and values[0] in ("cd", "pushd"):
            target = values[1] if len(values) > 1 else None
            if target is None or target.startswith("-"):
                cwd = "" if target is None else cwd
            else:
                cwd = _rel(cwd, target) if cwd is not None else None
            continue
        swallowed = None
        dirs = tuple(dict.fromkeys(([cwd] if cwd else []) + _path_hints(values, cwd)))
        if cwd is None:
            dirs = tuple(h for h in _path_hints(values, None) if h)  # only absolute-free hints survive
        for tool, number, measure, at, text in flag_gates(values):
            swallowed = swallowed or _swallowed(cmds, index)
            word = cmd.words[at]
            scan.gates.append(Gate(tool, number, measure, word.line, word.column, text, swallowed, dirs))
        head = posixpath.basename(values[0]) if values else ""
        if head in _PACKAGE_MANAGERS:
            call = _package_script(head, values, cwd)
            if call is not None:
                name, directory = call
                scan.package_scripts.append(PackageScript(head, name, line, column, directory,
                                                          _swallowed(cmds, index), " ".join(values)[:80]))
        # Comparisons: [ ] / [[ ]] / test word triplets, (( )) and $(( )) arithmetic, quoted expressions fed to
        # bc/awk/…, `sh -c` bodies and command substitutions (recursively).
        expressions: list[tuple[str, int, int, bool]] = list(cmd.expressions)
        if head in ("[", "[[", "test"):
            for i in range(1, len(values) - 1):
                if values[i] in ("-lt", "-le", "-gt", "-ge"):
                    w = cmd.words[i - 1]
                    expressions.append((f"{cmd.words[i - 1].text} {values[i]} {values[i + 1]}", w.line, w.column,
                                        False))
        for at, word in enumerate(cmd.words):
            for body in _arithmetic(word.text):
                expressions.append((body, word.line, word.column, True))
            if head in _EXPRESSION_COMMANDS and at > 0 and word.quoted:
                expressions.append((unquote(word.text), word.line, word.column, head in ("awk", "gawk", "mawk",
                                                                                         "nawk", "bc", "python",
                                                                                         "python3", "node")))
            for body in _substitutions(word.text):
                inner = scan_sh(body, cwd, producer=in_producer, depth=depth + 1)
                scan.gates.extend(replace(g, line=word.line, column=word.column,
                                          swallowed=g.swallowed or _swallowed(cmds, index), directories=dirs)
                                  for g in inner.gates)
        for at, value in enumerate(values[:-1]):
            if posixpath.basename(value) in ("sh", "bash", "dash", "zsh") and values[at + 1] == "-c" \
                    and at + 2 < len(values):
                inner = scan_sh(values[at + 2], cwd, producer=in_producer, depth=depth + 1)
                word = cmd.words[at + 2]
                scan.gates.extend(replace(g, line=word.line, column=word.column,
                                          swallowed=g.swallowed or _swallowed(cmds, index), directories=dirs)
                                  for g in inner.gates)
                scan.package_scripts.extend(replace(p, line=word.line, column=word.column)
                                            for p in inner.package_scripts)
        for text, line_no, col, bare in expressions:
            for number, matched, _offset in comparisons(text, in_producer, bare):
                scan.gates.append(Gate("shell", number, None, line_no, col, matched.strip().strip("'\""),
                                       _swallowed(cmds, index), dirs))
    if depth == 0:
        # One comparison can be seen twice (as a quoted bc expression and inside the (( )) around it).
        seen: set = set()
        unique = []
        for gate in scan.gates:
            key = (gate.tool, gate.threshold, gate.measurement, gate.line, gate.column)
            if key not in seen:
                seen.add(key)
                unique.append(gate)
        scan.gates = unique
    return scan


def _package_script(manager: str, values: list[str], cwd: str | None) -> tuple[str, str | None] | None:
    """``(script name, package folder)`` of ``npm run NAME`` / ``npm test`` / ``yarn NAME`` / ``pnpm NAME``."""
    directory = cwd
    rest: list[str] = []
    i = 1
    while i < len(values):
        word = values[i]
        if word == "--":
            break
        for name in ("--prefix", "--cwd", "-C", "--dir"):
            value, took_next = _flag(values, i, name)
            if value is not None:
                directory = _rel(cwd, value) if cwd is not None else None
                i += 1 if took_next else 0
                break
        else:
            if not word.startswith("-"):
                rest.append(word)
        i += 1
    if not rest:
        return None
    if rest[0] in ("run", "run-script"):
        return (rest[1], directory) if len(rest) > 1 else None
    if rest[0] in ("test", "t", "tst") and manager in ("npm", "pnpm", "yarn", "bun"):
        return "test", directory
    if manager in ("yarn", "pnpm") and rest[0] not in ("install", "add", "exec", "dlx", "i", "ci", "remove",
                                                          "workspace", "workspaces"):
        return rest[0], directory
    return None


def script_runs_coverage(script: str) -> str | None:
    """``vitest`` / ``jest`` when a package script runs that runner with coverage on, else None."""
    for cmd in _commands(sh.lex(script), sh.normalise(script)):
        values = cmd.values
        names = [posixpath.basename(v) for v in values]
        coverage = any(v == "--coverage" or v.startswith("--coverage=") or v.startswith("--coverage.enabled")
                       for v in values)
        if "vitest" in names and coverage:
            return "vitest"
        if "jest" in names and coverage:
            return "jest"
    return None


# --- PowerShell ------------------------------------------------------------------------------------------------

def scan_pwsh(script: str, cwd: str | None = "") -> ScriptScan:
    """Coverage gates of a PowerShell script: tool flags in commands, ``$coverage -lt 80`` comparisons, and
    ``cmd || Write-Host …`` swallowing (pwsh 7 chains)."""
    from ..parsers import powershell as ps

    scan = ScriptScan()
    tokens = [t for t in ps.tokenize(script) if t.kind != ps.COMMENT]
    statements: list[tuple[list, str]] = []
    current: list = []
    for tok in tokens:
        if tok.kind == ps.NEWLINE or (tok.kind == ps.OPERATOR and tok.text in (";", "&&", "||", "{", "}")):
            if current:
                statements.append((current, tok.text if tok.kind == ps.OPERATOR else "\n"))
            current = []
            continue
        current.append(tok)
    if current:
        statements.append((current, ""))
    for index, (toks, connector) in enumerate(statements):
        words: list[str] = []
        starts: list = []
        previous_end = None
        for tok in toks:
            value = tok.value if tok.kind == ps.STRING else tok.text
            if previous_end is not None and tok.start == previous_end and words:
                words[-1] += value
            else:
                words.append(value)
                starts.append(tok)
            previous_end = tok.end
        if words and words[0].lower() in ("cd", "set-location", "push-location", "sl", "pushd") and len(words) > 1:
            target = words[-1]
            cwd = _rel(cwd, target) if cwd is not None and "$" not in target else None
            continue
        swallowed = None
        if connector == "||" and index + 1 < len(statements):
            handler = statements[index + 1][0]
            head = handler[0].text.lower() if handler else ""
            if head in ("write-host", "write-output", "write-warning", "echo", "$true", "$null"):
                swallowed = "|| " + head
        dirs = tuple(dict.fromkeys(([cwd] if cwd else []) + _path_hints(words, cwd)))
        for tool, number, measure, at, text in flag_gates(words):
            tok = starts[at]
            scan.gates.append(Gate(tool, number, measure, tok.line, tok.column, text, swallowed, dirs))
        for i, tok in enumerate(toks):
            if tok.kind == ps.OPERATOR and tok.value in ("-lt", "-le", "-gt", "-ge") and 0 < i < len(toks) - 1:
                left, right = toks[i - 1], toks[i + 1]
                for operand, number in ((left, right), (right, left)):
                    value = _percent(number.text) if number.kind == ps.NUMBER else None
                    if value is not None and operand.kind == ps.VARIABLE and coverage_name(
                            operand.value.split(":")[-1]):
                        scan.gates.append(Gate("shell", value, None, operand.line, operand.column,
                                               f"{operand.text} {tok.text} {number.text}", swallowed, dirs))
                        break
        head = words[0].lower() if words else ""
        if head in _PACKAGE_MANAGERS:
            call = _package_script(head, words, cwd)
            if call is not None:
                scan.package_scripts.append(PackageScript(head, call[0], toks[0].line, toks[0].column, call[1],
                                                          swallowed, " ".join(words)[:80]))
    return scan
