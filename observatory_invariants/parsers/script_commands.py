"""The simple commands a script runs, for PowerShell and POSIX sh/bash, from the existing lexers.

A :class:`Command` is a command name in command position and its arguments as plain text (quotes removed,
sub-expressions and script blocks left out), with its line. Comments, string contents, here-strings and
here-documents are never commands. ``pwsh -Command "…"`` / ``bash -c '…'`` are read again as scripts of
their own (a few levels deep), so ``pwsh -c "./scripts/run-all-tests.ps1"`` still shows the script it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

POWERSHELL_SHELLS = frozenset(("pwsh", "powershell", "pwsh.exe", "powershell.exe"))
POSIX_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"))
_MAX_NESTING = 3


@dataclass(frozen=True)
class Command:
    name: str                    # as written, quotes removed ('docker', './scripts/x.ps1', 'Save-Artifact')
    args: tuple[str, ...]        # arguments as text, quotes removed; parameters keep their dash
    line: int                    # 1-based line of the name in the script
    column: int
    index: int = -1              # PowerShell: index of the name token in tokenize()'s list (-1 when nested)

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.args)

    def program(self) -> str:
        """The program's bare name, lower-case: ``/usr/bin/kubectl.exe`` gives ``kubectl``."""
        base = self.name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return base[:-4] if base.endswith(".exe") else base


def shell_kind(shell: str) -> str | None:
    """'pwsh' for PowerShell shells, 'sh' for POSIX ones, None for others (cmd, python, custom)."""
    first = shell.strip().split()[0] if shell.strip() else ""
    name = first.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in POWERSHELL_SHELLS:
        return "pwsh"
    if name in POSIX_SHELLS:
        return "sh"
    return None


def commands(text: str, kind: str) -> list[Command]:
    """Every simple command of a script; ``kind`` is 'pwsh' or 'sh' (see :func:`shell_kind`)."""
    return _commands(text, kind, 0, 0)


def _commands(text: str, kind: str, depth: int, line_offset: int) -> list[Command]:
    found = _pwsh_commands(text) if kind == "pwsh" else _sh_commands(text)
    if line_offset:
        found = [Command(c.name, c.args, c.line + line_offset, c.column, -1) for c in found]
    if depth >= _MAX_NESTING:
        return found
    out: list[Command] = []
    for command in found:
        out.append(command)
        inner = shell_kind(command.name)
        if inner is None:
            continue
        flags = ("-c", "-command", "-commandwithargs", "-cwa") if inner == "pwsh" else ("-c",)
        for k, arg in enumerate(command.args[:-1]):
            if arg.lower() in flags or (inner == "sh" and arg.startswith("-") and not arg.startswith("--")
                                        and "c" in arg[1:]):
                out.extend(_commands(command.args[k + 1], inner, depth + 1, command.line - 1))
                break
    return out


# --- PowerShell -----------------------------------------------------------------------------------------

def _pwsh_commands(text: str) -> list[Command]:
    from .powershell import tokenize
    from .powershell.structure import command_positions, match_brackets, prev_significant
    from .powershell.tokenizer import KEYWORD, NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING, VARIABLE, WORD

    tokens = tokenize(text)
    pairs = match_brackets(tokens)
    out: list[Command] = []
    for i in command_positions(tokens):
        tok = tokens[i]
        if tok.kind not in (WORD, STRING):
            continue
        if tok.kind == STRING:   # a quoted command name runs only after the call operator: & "./x.ps1"
            k = prev_significant(tokens, i, skip_newlines=False)
            if k < 0 or not (tokens[k].kind == OPERATOR and tokens[k].text == "&" or tokens[k].text == "."):
                continue
        args: list[str] = []
        j = i + 1
        while j < len(tokens):
            t = tokens[j]
            if t.kind == NEWLINE or (t.kind == OPERATOR and t.text in (";", "|", "&&", "||", "}", ")", "]")):
                break
            if t.kind == OPERATOR and t.text in ("(", "$(", "@(", "{", "@{", "["):
                j = pairs.get(j, len(tokens)) + 1
                continue
            if t.kind in (WORD, STRING, PARAMETER, NUMBER, KEYWORD):
                args.append(t.value if t.kind != PARAMETER else t.text)
            elif t.kind == VARIABLE:
                args.append("$" + t.value)
            j += 1
        out.append(Command(tok.value, tuple(args), tok.line, tok.column, i))
    return out


# --- POSIX sh -------------------------------------------------------------------------------------------

def unquote(word: str) -> str:
    """A shell word's text with its quoting removed (expansions left as written)."""
    out: list[str] = []
    quote = None
    i = 0
    while i < len(word):
        c = word[i]
        if quote is None and c in "'\"":
            quote = c
        elif quote == c:
            quote = None
        elif c == "\\" and quote != "'" and i + 1 < len(word):
            out.append(word[i + 1])
            i += 1
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _sh_commands(text: str) -> list[Command]:
    from .shell.lexer import NEWLINE, OP, WORD, command_positions, lex

    tokens = lex(text)
    out: list[Command] = []
    keywords = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "exec", "}", "fi", "done"}
    for i in command_positions(tokens):
        tok = tokens[i]
        if tok.kind != WORD or tok.text in keywords:
            continue
        if "=" in tok.text and tok.text.split("=", 1)[0].isidentifier() and not tok.quoted:
            continue   # an assignment prefix; the command (if any) is the next position
        args: list[str] = []
        j = i + 1
        while j < len(tokens):
            t = tokens[j]
            if t.kind == NEWLINE or (t.kind == OP and t.text in (";", "&&", "||", "|", "&", ";;", "|&", ")", "(")):
                break
            if t.kind == WORD:
                args.append(unquote(t.text))
            j += 1
        out.append(Command(unquote(tok.text), tuple(args), tok.line, tok.column))
    return out


# --- questions rules ask ----------------------------------------------------------------------------------

def _norm_path(text: str) -> str:
    text = text.replace("\\", "/").strip()
    for prefix in ("${{ github.workspace }}/", "$GITHUB_WORKSPACE/", "${GITHUB_WORKSPACE}/", "$env:GITHUB_WORKSPACE/",
                   "$PWD/", "${PWD}/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    while text.startswith("./"):
        text = text[2:]
    return text


# Programs that run a script file named in their arguments (``pwsh -File x.ps1``, ``bash x.sh``, ``. ./x.sh``).
SCRIPT_RUNNERS = POWERSHELL_SHELLS | POSIX_SHELLS | frozenset((
    "source", ".", "python", "python3", "node", "env", "sudo", "time", "nice", "xargs", "exec", "call"))


def runs_script(command: Command, path: str, cwd: str = "") -> bool:
    """Whether a command runs the repository file ``path`` — as the command itself (``./x.ps1``, ``& ./x.ps1``)
    or as the script argument of an interpreter (``pwsh -File x``, ``bash x.sh``) — with relative names read
    from ``cwd`` (repository-relative). ``echo x.ps1`` mentions the file; it does not run it."""
    target = path.strip("/")
    words = command.words if command.program() in SCRIPT_RUNNERS else (command.name,)
    for word in words:
        norm = _norm_path(word)
        if not norm or norm.startswith("-"):
            continue
        full = f"{cwd.strip('/')}/{norm}" if cwd and not norm.startswith("/") else norm
        parts: list[str] = []
        for part in full.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        if "/".join(parts) == target:
            return True
    return False


def matches_words(command: Command, pattern: str) -> bool:
    """Whether a command matches a pattern of words: the program, then the other words in order, options and
    other arguments allowed in between (``docker compose logs`` matches ``docker compose -f x.yml logs --tail 5``)."""
    wanted = pattern.split()
    if not wanted:
        return False
    if command.program() != wanted[0].lower() and command.name.lower() != wanted[0].lower():
        return False
    k = 1
    for arg in command.args:
        if k == len(wanted):
            break
        if arg.lower() == wanted[k].lower():
            k += 1
    return k == len(wanted)
