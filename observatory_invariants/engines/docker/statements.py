"""Statement splitting for the script scan: a script's tokens (from the project's PowerShell tokenizer and sh
lexer) cut into statements, and a command's tokens cut into arguments.

PowerShell statements end at line ends, ``;``, ``&&``/``||`` and block braces outside brackets; sh statements
at newlines and ``;`` ``&&`` ``||`` ``&`` ``;;``, with comments and here-document bodies dropped and a
subshell's ``(`` / ``)`` kept as statements of their own (the evaluator scopes the working directory by them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...parsers.powershell import tokenizer as ps
from ...parsers.powershell.structure import match_brackets
from ...parsers.shell import lexer as sh


def tokens_of(text: str, pwsh: bool) -> list:
    return ps.tokenize(text) if pwsh else sh.lex(text)


@dataclass
class Stmt:
    """One statement: its first line and its tokens (no comments; PowerShell newlines only inside brackets)."""

    line: int
    toks: list

    @property
    def head(self) -> str:
        return self.toks[0].text

    def only(self, text: str) -> bool:
        return len(self.toks) == 1 and self.toks[0].text == text


@dataclass
class Arg:
    """One command argument: adjacent PowerShell tokens (brackets whole), or one shell word from ``skip`` on."""

    toks: list
    text: str
    pwsh: bool
    skip: int = 0


PS_OPEN = {"(": ")", "$(": ")", "@(": ")", "@{": "}", "{": "}", "[": "]"}
PS_CLOSE = frozenset(")}]")
PS_REDIRECT = re.compile(r"[1-6*]?>>?(?:&[12])?|<")
SH_REDIRECT = frozenset((">", ">>", "<", ">&", "<&", "&>", "&>>", ">|", "<>", "<<<", "<<", "<<-"))
SH_SPLIT = frozenset((";", "&&", "||", "&", ";;", ";&", ";;&"))


def ps_statements(tokens: list) -> list[Stmt]:
    """PowerShell statements: split at line ends, ``;``, ``&&``/``||`` and block braces outside brackets.

    ``{`` and ``}`` of script blocks are statements of their own; an array, hashtable or
    parenthesised expression that spans lines stays one statement (an unclosed bracket does not).
    """
    pairs = match_brackets(tokens)
    n = len(tokens)
    out: list[Stmt] = []
    cur: list = []
    closers: list[int] = []       # closing-bracket indices of the brackets we are inside

    def flush() -> None:
        if cur:
            out.append(Stmt(cur[0].line, cur[:]))
            cur.clear()

    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind == ps.COMMENT:
            continue
        if kind == ps.NEWLINE:
            if closers:
                cur.append(tok)
            else:
                flush()
            continue
        if kind == ps.OPERATOR:
            op = tok.text
            if not closers:
                if op == "{" or op == "}":
                    flush()
                    out.append(Stmt(tok.line, [tok]))
                    continue
                if op in (";", "&&", "||"):
                    flush()
                    continue
            if op in PS_OPEN and pairs.get(i, n) < n:
                closers.append(pairs[i])
            elif closers and closers[-1] == i:
                while closers and closers[-1] == i:
                    closers.pop()
        cur.append(tok)
    flush()
    return out


def sh_statements(tokens: list) -> list[Stmt]:
    """Shell statements: split at newlines and ``;`` ``&&`` ``||`` ``&`` ``;;``; comments and here-document
    bodies dropped; ``then``/``do``/``else`` at a statement's start become statements of their own; an array
    assignment ``a=( … )`` stays one statement across lines."""
    out: list[Stmt] = []
    cur: list = []
    depth = 0
    subshells = 0
    last_close = max((i for i, t in enumerate(tokens) if t.kind == sh.OP and t.text == ")"), default=-1)

    def flush() -> None:
        if cur:
            out.append(Stmt(cur[0].line, cur[:]))
            cur.clear()

    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind == sh.COMMENT or kind == sh.HEREDOC:
            continue
        if depth:
            cur.append(tok)
            if kind == sh.OP and tok.text == "(":
                depth += 1
            elif kind == sh.OP and tok.text == ")":
                depth -= 1
            continue
        if kind == sh.NEWLINE or (kind == sh.OP and tok.text in SH_SPLIT):
            flush()
            continue
        if kind == sh.OP and tok.text == "(" and not cur:
            subshells += 1                      # a subshell: its own statement, so cd inside it can be scoped
            out.append(Stmt(tok.line, [tok]))
            continue
        if kind == sh.OP and tok.text == ")" and subshells:
            subshells -= 1
            flush()
            out.append(Stmt(tok.line, [tok]))
            continue
        if kind == sh.OP and tok.text == "(" and i < last_close and cur and array_start(cur[-1], tok):
            depth = 1
        elif kind == sh.WORD and not cur and tok.text in ("then", "do", "else"):
            out.append(Stmt(tok.line, [tok]))
            continue
        cur.append(tok)
    flush()
    return out


def array_start(word, paren) -> bool:
    return word.kind == sh.WORD and word.text.endswith("=") and word.start + len(word.text) == paren.start


def ps_close(toks: list, i: int) -> int:
    """Index of the bracket closing ``toks[i]`` (the last index when it is never closed)."""
    depth = 0
    for j in range(i, len(toks)):
        tok = toks[j]
        if tok.kind != ps.OPERATOR:
            continue
        if tok.text in PS_OPEN:
            depth += 1
        elif tok.text in PS_CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def wrapped(toks: list) -> bool:
    """Whether the tokens are one bracketed group: ``( … )``, ``@( … )``, ``@{ … }``…"""
    first, last = toks[0], toks[-1]
    return len(toks) > 1 and first.kind == ps.OPERATOR and first.text in PS_OPEN and last.kind == ps.OPERATOR \
        and last.text in PS_CLOSE and ps_close(toks, 0) == len(toks) - 1


def ps_split(toks: list, seps: tuple[str, ...]) -> list[list]:
    """Split at top-level separator operators (``"\\n"`` in ``seps`` splits at newlines too)."""
    parts: list[list] = [[]]
    i = 0
    while i < len(toks):
        tok = toks[i]
        if (tok.kind == ps.OPERATOR and tok.text in seps) or (tok.kind == ps.NEWLINE and "\n" in seps):
            parts.append([])
            i += 1
            continue
        if tok.kind == ps.OPERATOR and tok.text in PS_OPEN:
            j = ps_close(toks, i)
            parts[-1].extend(toks[i:j + 1])
            i = j + 1
            continue
        parts[-1].append(tok)
        i += 1
    return parts


def ps_groups(toks: list) -> list[list]:
    """Arguments: runs of adjacent tokens (nothing between them), a bracketed group counting as one token."""
    groups: list[list] = []
    prev_end = -1
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == ps.NEWLINE:
            prev_end = -1
            i += 1
            continue
        j = ps_close(toks, i) + 1 if tok.kind == ps.OPERATOR and tok.text in PS_OPEN else i + 1
        if groups and tok.start == prev_end:
            groups[-1].extend(toks[i:j])
        else:
            groups.append(toks[i:j])
        prev_end = toks[j - 1].end
        i = j
    return groups


def ps_text(toks: list) -> str:
    """An argument's text for messages: its tokens as written, one blank where blanks or line breaks were."""
    out: list[str] = []
    prev = None
    for tok in toks:
        if tok.kind == ps.NEWLINE:
            continue
        if prev is not None and tok.start != prev.end:
            out.append(" ")
        out.append(tok.text)
        prev = tok
    return "".join(out)


def unbacktick(text: str) -> str:
    return re.sub(r"`(.)", r"\1", text, flags=re.S) if "`" in text else text


# -- values ----------------------------------------------------------------------

def ps_command_args(toks: list) -> list[Arg]:
    """The arguments of a native command, up to the end of its pipeline element; redirections dropped."""
    cut: list = []
    depth = 0
    for tok in toks:
        if tok.kind == ps.NEWLINE:
            break
        if tok.kind == ps.OPERATOR:
            if tok.text in PS_OPEN:
                depth += 1
            elif tok.text in PS_CLOSE:
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and tok.text in ("|", ";", "&&", "||", "&"):
                break
        cut.append(tok)
    args: list[Arg] = []
    groups = ps_groups(cut)
    k = 0
    while k < len(groups):
        group = groups[k]
        head = group[0]
        if head.kind == ps.OPERATOR and PS_REDIRECT.fullmatch(head.text):
            k += 1 if len(group) > 1 or head.text.endswith(("&1", "&2")) else 2
            continue
        args.append(Arg(group, ps_text(group), True))
        k += 1
    return args


def sh_command_args(toks: list) -> list[Arg]:
    """The words of a simple command, up to a pipe or another operator; redirections dropped."""
    args: list[Arg] = []
    k = 0
    while k < len(toks):
        tok = toks[k]
        if tok.kind == sh.OP:
            if tok.text not in SH_REDIRECT:
                break
            if args and args[-1].text.isdigit() and args[-1].toks[0].start + len(args[-1].text) == tok.start:
                args.pop()                      # the file descriptor of 2>file
            k += 2
            continue
        if tok.kind == sh.WORD:
            args.append(Arg([tok], tok.text, False))
        k += 1
    return args



def code_lines(text: str, tokens: list, pwsh: bool, keep=None) -> list[str]:
    """The script's lines with comments (and here-string / here-document bodies) blanked, from its tokens.

    ``keep(line)``: lines of an unquoted (expanding) here-document body to keep as code.
    """
    if pwsh:
        src = ps.normalise(text)
        spans = [(t.start, t.end) if t.kind == ps.COMMENT else (src.find("\n", t.start) + 1,
                                                                 src.rfind("\n", t.start, t.end))
                 for t in tokens if t.kind == ps.COMMENT or (t.kind == ps.STRING and t.text.startswith("@")
                                                              and "\n" in t.text)]
        keep_live = False
    else:
        src = sh.normalise(text)
        spans = []
        for t in tokens:
            if t.kind == sh.COMMENT:
                spans.append((t.start, t.start + len(t.text)))
            elif t.kind == sh.HEREDOC:
                spans.append((t.start, t.start + len(t.text), not t.quoted))
        keep_live = True
    if not spans:
        return src.split("\n")
    chars = list(src)
    for span in spans:
        start, end = span[0], span[1]
        live = keep_live and len(span) > 2 and span[2]
        body = src[start:end]
        if live:
            # an unquoted here-document still expands ${VERSION:-latest}; its other text is data
            body = "\n".join(line if keep is not None and keep(line) else "" for line in body.split("\n"))
            chars[start:end] = list(body.ljust(end - start))
            # keep the newlines at their places
            for k in range(start, end):
                if src[k] == "\n":
                    chars[k] = "\n"
                elif chars[k] == "\n":
                    chars[k] = " "
            continue
        for k in range(start, end):
            if src[k] != "\n":
                chars[k] = " "
    return "".join(chars).split("\n")

