"""Code a POSIX sh script runs only under bash (or zsh) by design, and bash builtins it tests for before use.

Scripts sourced by several shells (nvm, acme.sh, installers) keep bash-only code behind a test of the shell:

- ``if [ -n "$BASH_VERSION" ]; then … fi`` and ``[ -n "$ZSH_VERSION" ] && …``: the branch, the rest of the list;
- ``if [ -z "${BASH_VERSION}" ]; then return; fi`` / ``[ -z "${BASH-}" ] && exit``: the rest of the function
  (or script) after the early exit;
- ``type shopt >/dev/null 2>&1 && shopt …`` / ``if command -v shopt …; then shopt …``: a builtin used only where it
  exists.

:func:`guarded_regions` returns token ranges over the shell lexer's tokens; X4 leaves bashisms inside them alone.
"""

from __future__ import annotations

import re

from ...parsers.shell.lexer import COMMENT, HEREDOC, NEWLINE, OP, ShToken

_SHELL_VARIABLE = r"\"?\$\{?(?:BASH_VERSION|BASH_VERSINFO|BASH|ZSH_VERSION|ZSH_NAME|KSH_VERSION)(?:\[[^\]]*\])?" \
                  r"(?::?[-+=?][^}\"]*)?\}?\"?"
_IS_BASH = re.compile(rf"(?:\[\s+(?:-n\s+)?{_SHELL_VARIABLE}\s+\]|test\s+(?:-n\s+)?{_SHELL_VARIABLE}|"
                      rf"\[\[\s+(?:-n\s+)?{_SHELL_VARIABLE}\s+\]\])")
_NOT_BASH = re.compile(rf"(?:\[\s+-z\s+{_SHELL_VARIABLE}\s+\]|test\s+-z\s+{_SHELL_VARIABLE}|"
                       rf"!\s+\[\s+(?:-n\s+)?{_SHELL_VARIABLE}\s+\]|\[\[\s+-z\s+{_SHELL_VARIABLE}\s+\]\])")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LIST_END = frozenset((";", "&", ";;", "|"))
_EXITS = frozenset(("return", "exit"))

BASH = "bash"


# Tools that exist only under Cygwin / MSYS2 / Git for Windows, where /bin/sh is bash.
_CYGWIN_TOOLS = frozenset(("cygpath", "cygcheck", "cygstart", "cygrunsrv"))


def _classify(words: list[str]) -> tuple[str | None, set[str]]:
    """('bash' / 'not-bash' / None, names tested for availability) of a condition's words."""
    text = " ".join(words).strip().rstrip(";").strip()
    if _IS_BASH.fullmatch(text):
        return "bash", set()
    if _NOT_BASH.fullmatch(text):
        return "not-bash", set()
    if words and _CYGWIN_TOOLS & {w.strip("'\"") for w in words[1:]} and (
            words[0] in ("command", "type", "hash", "which", "!") or _looks_like_has(words[0]) or
            len(words) > 1 and (_looks_like_has(words[1]) or words[1] in ("command", "type", "hash", "which"))):
        return ("not-bash" if text.startswith("!") else "bash"), set()   # Cygwin/MSYS: sh is bash there
    names = set()
    if words and not text.startswith("!"):
        # 'type shopt >/dev/null 2>&1', 'command -v shopt', 'nvm_has shopt', 'hash setopt'
        for word in words[1:]:
            if _NAME.fullmatch(word) and not word.startswith("-"):
                names.add(word)
    return None, names


def guarded_regions(tokens: list[ShToken], commands: set[int]) -> list[tuple[int, int, str]]:
    """(first token, end token exclusive, label): label 'bash' (runs only under bash/zsh) or a builtin name that
    was tested for availability first."""
    regions: list[tuple[int, int, str]] = []
    n = len(tokens)
    # scopes: braces that open a function body or group; pending early exits close with them
    scopes: list[list[int]] = [[]]   # per scope: start indices of 'rest of scope is bash-only' regions
    ifs: list[dict] = []
    i = 0
    while i < n:
        tok = tokens[i]
        kind = tok.kind
        if kind in (COMMENT, HEREDOC):
            i += 1
            continue
        text = tok.text
        at_command = i in commands
        if at_command and text == "{":
            scopes.append([])
        elif at_command and text == "}" and len(scopes) > 1:
            for start in scopes.pop():
                regions.append((start, i, BASH))
        elif at_command and text == "if":
            ifs.append({"cond": [], "start": i, "state": "cond", "verdict": None, "names": set(),
                        "branch": None, "exits": False, "then_verdict": None})
        elif at_command and text in ("then", "elif", "else", "fi") and ifs:
            frame = ifs[-1]
            if frame["state"] in ("then", "else") and frame["branch"] is not None:
                label = _branch_label(frame)
                if label:
                    regions.append((frame["branch"], i, label))
            if text == "then":
                frame["verdict"], frame["names"] = _classify(frame["cond"])
                frame["state"], frame["branch"], frame["exits"] = "then", i, False
            elif text == "elif":
                frame["state"], frame["cond"], frame["branch"] = "cond", [], None
                frame["verdict"], frame["names"] = "other", set()
            elif text == "else":
                frame["then_verdict"] = frame["verdict"]
                frame["state"], frame["branch"] = "else", i
            else:
                ifs.pop()
                if frame["verdict"] == "not-bash" and frame["exits"] and frame["state"] == "then":
                    scopes[-1].append(i)
        elif ifs and ifs[-1]["state"] == "cond":
            if kind != NEWLINE:
                ifs[-1]["cond"].append(text)
        elif at_command and text in _EXITS and ifs and ifs[-1]["state"] == "then":
            ifs[-1]["exits"] = True
        if at_command and text in ("[", "test", "[[", "type", "command", "hash", "which") or \
                at_command and _looks_like_has(text):
            _and_list(tokens, commands, i, regions, scopes[-1])
        i += 1
    for scope in scopes:
        for start in scope:
            regions.append((start, n, BASH))
    return regions


def _looks_like_has(word: str) -> bool:
    """A helper that tests for a command, by name: ``nvm_has shopt``, ``_exists setopt``, ``has_command x``."""
    low = word.lower()
    return low.endswith(("_has", "_exists")) or low.startswith(("has_", "have_", "is_command"))


def _branch_label(frame: dict) -> str | None:
    if frame["state"] == "then":
        if frame["verdict"] == "bash":
            return BASH
        if frame["names"]:
            return "|".join(sorted(frame["names"]))
    elif frame["state"] == "else" and frame["then_verdict"] == "not-bash":
        return BASH
    return None


def _and_list(tokens: list[ShToken], commands: set[int], i: int, regions: list, scope: list[int]) -> None:
    """``[ -n "$BASH_VERSION" ] && …``, ``[ -z "$BASH_VERSION" ] || …``, ``[ -z "$BASH_VERSION" ] && return``,
    ``type shopt >/dev/null && shopt …``: the guarded rest of the and-or list (or of the scope)."""
    n = len(tokens)
    words: list[str] = []
    j = i
    while j < n and tokens[j].kind not in (NEWLINE, OP):
        if tokens[j].kind not in (COMMENT, HEREDOC):
            words.append(tokens[j].text)
        j += 1
    # redirections belong to the test command: 'type shopt >/dev/null 2>&1 && …'
    while j < n and tokens[j].kind == OP and tokens[j].text in (">", ">>", "<", ">&", "2>", "&>"):
        j += 2
        while j < n and tokens[j].kind not in (NEWLINE, OP):
            j += 1
    if j >= n or tokens[j].kind != OP or tokens[j].text not in ("&&", "||"):
        return
    op = tokens[j].text
    verdict, names = _classify(words)
    end = j + 1
    while end < n and tokens[end].kind != NEWLINE and not (tokens[end].kind == OP and tokens[end].text in _LIST_END):
        end += 1
    if verdict == "bash" and op == "&&" or verdict == "not-bash" and op == "||":
        regions.append((j + 1, end, BASH))
    elif verdict == "not-bash" and op == "&&":
        rest = [t for t in tokens[j + 1:end] if t.kind not in (COMMENT, HEREDOC)]
        if rest and rest[0].text in _EXITS:
            scope.append(end)
    elif names and op == "&&":
        regions.append((j + 1, end, "|".join(sorted(names))))


def function_bodies(tokens: list[ShToken], commands: set[int]) -> dict[str, tuple[int, int]]:
    """``name() { … }`` definitions: name -> (first, end) token range of the body."""
    bodies: dict[str, tuple[int, int]] = {}
    n = len(tokens)
    for i in commands:
        if i + 3 >= n or tokens[i].kind == OP:
            continue
        if tokens[i + 1].text == "(" and tokens[i + 2].text == ")":
            j = i + 3
            while j < n and tokens[j].kind in (NEWLINE, COMMENT):
                j += 1
            if j < n and tokens[j].text == "{":
                depth, k = 0, j
                while k < n:
                    if k in commands and tokens[k].text == "{":
                        depth += 1
                    elif k in commands and tokens[k].text == "}":
                        depth -= 1
                        if depth == 0:
                            break
                    k += 1
                bodies[tokens[i].text] = (j, k)
    return bodies


def _calls(tokens: list[ShToken], commands: set[int], names: set[str]) -> dict[str, list[int]]:
    """Where each function is called: as a command, or inside ``$( )`` / backticks of a word."""
    calls: dict[str, list[int]] = {name: [] for name in names}
    if not names:
        return calls
    pattern = re.compile(r"(?:\$\(|`)\s*(" + "|".join(re.escape(n) for n in sorted(names)) + r")(?![\w-])")
    for i, tok in enumerate(tokens):
        if tok.kind == OP or tok.kind in (COMMENT, HEREDOC, NEWLINE):
            continue
        if i in commands and tok.text in calls:
            if i + 2 < len(tokens) and tokens[i + 1].text == "(" and tokens[i + 2].text == ")":
                continue  # the definition itself
            calls[tok.text].append(i)
        elif "$(" in tok.text or "`" in tok.text:
            for m in pattern.finditer(tok.text):
                calls[m.group(1)].append(i)
    return calls


class Guards:
    """Answers "is token ``i`` bash-only code, or (for builtin ``name``) behind a test for it?" in O(1) for the
    bash-only regions (a prefix sum over the tokens), whatever their number. A function called only from
    bash-only code is bash-only too."""

    def __init__(self, tokens: list[ShToken], commands: set[int]):
        self.regions = guarded_regions(tokens, commands)
        self.bash_only = self._mark(len(tokens), self.regions)
        if any(label == BASH for _, _, label in self.regions):
            bodies = function_bodies(tokens, commands)
            calls = _calls(tokens, commands, set(bodies)) if bodies else {}
            for _round in range(8):
                added = []
                for name, (start, end) in bodies.items():
                    sites = calls.get(name) or []
                    if sites and not self.bash_only[start] and all(self.bash_only[k] for k in sites):
                        added.append((start, end, BASH))
                if not added:
                    break
                self.regions.extend(added)
                self.bash_only = self._mark(len(tokens), self.regions)
        self.named = [(s, e, set(label.split("|"))) for s, e, label in self.regions if label != BASH]

    @staticmethod
    def _mark(n: int, regions) -> bytearray:
        depth = [0] * (n + 1)
        for start, end, label in regions:
            if label == BASH and start < end:
                depth[start] += 1
                depth[min(end, n)] -= 1
        running = 0
        marks = bytearray(n)
        for k in range(n):
            running += depth[k]
            if running > 0:
                marks[k] = 1
        return marks

    def guarded(self, index: int, name: str | None = None) -> bool:
        if 0 <= index < len(self.bash_only) and self.bash_only[index]:
            return True
        if name is not None:
            return any(s <= index < e and name in names for s, e, names in self.named)
        return False
