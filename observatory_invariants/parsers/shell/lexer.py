"""A light POSIX sh / bash lexer: enough to find bashisms and string arguments without
confusing code with comments, quoted text or here-document bodies.

Tokens: ``word`` (with the quoting kept in ``text``, plus the parameter
expansions seen outside single quotes), ``op`` (``;`` ``&&`` ``|`` ``(``
``<<<`` ``&>`` ``<(`` …), ``newline``, ``comment`` and ``heredoc`` (a
here-document body: data, not code). Never raises; unterminated quotes and
substitutions run to the end of the input.
"""

from __future__ import annotations

import re
import sys

from ...textio import normalise  # noqa: F401  (re-exported)


WORD = "word"
OP = "op"
NEWLINE = "newline"
COMMENT = "comment"
HEREDOC = "heredoc"

_OPS = ("&>>", "<<<", ";;&", "<<-", "&&", "||", ";;", ";&", "<<", ">>", "&>", ">&", "<&", "<>", ">|", "<(", ">(",
        "|&", "|", "&", ";", "(", ")", "<", ">")
_OP_START = frozenset(op[0] for op in _OPS)
_BREAK = frozenset(" \t\n;&|()<>")
_intern = sys.intern
_PLAIN_WORD = re.compile(r"[^ \t\n;&|()<>\\'\"`$]+")    # characters a word takes as they are
_PLAIN_DOUBLE = re.compile(r"[^\\\"`$]+")                 # and a double-quoted part
_MAX_DEPTH = 40


class ShToken:
    """One token: ``kind``, ``text`` (quoting kept), 1-based ``line`` / ``column`` and the offset ``start``.

    For words: ``expansions`` are (offset in text, expansion text) of each ``$name`` / ``${…}`` outside single
    quotes, ``quoted`` whether any part was quoted, ``features`` the bash-only quoting/expansion forms met while
    scanning it (``"$'"``, ``"$(("`` …) and ``unquoted`` its characters outside any quotes. A slotted class, not a
    dataclass, so a multi-megabyte script stays small in memory (the empty lists are shared tuples until used).
    """

    __slots__ = ("kind", "text", "_pos", "start", "expansions", "quoted", "features", "unquoted")

    def __init__(self, kind: str, text: str, line, column: int | None, start: int, expansions=(),
                 quoted: bool = False, features=(), unquoted: str = ""):
        self.kind = kind
        self.text = text
        # (line, column), or the lexer's table of line starts: then both are worked out from start when asked
        self._pos = line if column is None else (line, column)
        self.start = start
        self.expansions = expansions
        self.quoted = quoted
        self.features = features
        self.unquoted = unquoted

    def _position(self) -> tuple[int, int]:
        pos = self._pos
        if type(pos) is tuple:
            return pos
        import bisect

        line = bisect.bisect_right(pos, self.start)
        return line, self.start - pos[line - 1] + 1

    @property
    def line(self) -> int:
        return self._position()[0]

    @line.setter
    def line(self, value: int) -> None:
        self._pos = (value, self._position()[1])

    @property
    def column(self) -> int:
        return self._position()[1]

    @column.setter
    def column(self, value: int) -> None:
        self._pos = (self._position()[0], value)

    def __repr__(self) -> str:
        return f"ShToken({self.kind}, {self.text!r}, {self.line}:{self.column})"

    def __eq__(self, other) -> bool:
        fields = ("kind", "text", "line", "column", "start", "expansions", "quoted", "features", "unquoted")
        return isinstance(other, ShToken) and all(getattr(self, k) == getattr(other, k) for k in fields)

    __hash__ = object.__hash__


def _add(token: ShToken, attribute: str, item) -> None:
    """Append to a token's expansions / features (a shared empty tuple until the first item)."""
    current = getattr(token, attribute)
    if not current:
        setattr(token, attribute, [item])
    else:
        current.append(item)


def lex(text: str) -> list[ShToken]:
    text = normalise(text)
    return _ShLexer(text).run()


class _ShLexer:
    def __init__(self, text: str):
        self.text = text
        self.n = len(text)
        self.line_starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            self.line_starts.append(i + 1)
            i = find("\n", i + 1)

    def pos(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def run(self) -> list[ShToken]:
        text, n = self.text, self.n
        lines = self.line_starts
        tokens: list[ShToken] = []
        pending: list[tuple[str, bool, bool]] = []  # here-document delimiters waiting for the next newline
        i = 0
        at_word_start = True
        while i < n:
            c = text[i]
            if c in " \t":
                i += 1
                continue
            if c == "\\" and i + 1 < n and text[i + 1] == "\n":
                i += 2
                continue
            if c == "#":
                end = text.find("\n", i)
                end = n if end < 0 else end
                tokens.append(ShToken(COMMENT, text[i:end], lines, None, i))
                i = end
                continue
            if c == "\n":
                tokens.append(ShToken(NEWLINE, "\n", lines, None, i))
                i += 1
                if pending:
                    i = self._heredocs(i, pending, tokens)
                    pending = []
                continue
            if c in _OP_START:
                op = next((o for o in _OPS if text.startswith(o, i)), c)
                tokens.append(ShToken(OP, op, lines, None, i))
                i += len(op)
                if op in ("<<", "<<-"):
                    # The delimiter word follows; quoting it makes the body literal.
                    while i < n and text[i] in " \t":
                        i += 1
                    word, i = self._word(i, 0)
                    tokens.append(word)
                    delim = word.text.replace("'", "").replace('"', "").replace("\\", "")
                    pending.append((delim, op == "<<-", word.quoted or "\\" in word.text))
                continue
            word, i = self._word(i, 0)
            tokens.append(word)
        return tokens

    def _heredocs(self, i: int, pending: list[tuple[str, bool, bool]], tokens: list[ShToken]) -> int:
        """Here-document bodies; ``quoted`` on the token means a quoted delimiter (no expansion in the body)."""
        text, n = self.text, self.n
        for delim, strip_tabs, quoted in pending:
            start = i
            while i < n:
                end = text.find("\n", i)
                end = n if end < 0 else end
                line = text[i:end]
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    tokens.append(ShToken(HEREDOC, text[start:i], self.line_starts, None, start, quoted=quoted))
                    i = min(end + 1, n)
                    break
                i = end + 1
            else:
                tokens.append(ShToken(HEREDOC, text[start:n], self.line_starts, None, start, quoted=quoted))
                i = n
        return i

    def _word(self, i: int, depth: int) -> tuple[ShToken, int]:
        text, n = self.text, self.n
        start = i
        token = ShToken(WORD, "", self.line_starts, None, i)
        unquoted = []
        plain = _PLAIN_WORD.match
        while i < n:
            m = plain(text, i)
            if m:   # a run of ordinary characters, in one step
                unquoted.append(m.group())
                i = m.end()
                if i >= n:
                    break
            c = text[i]
            if c in _BREAK:
                break
            if c == "\\":
                unquoted.append(text[i:i + 2])
                i += 2
                continue
            if c == "'":
                token.quoted = True
                end = text.find("'", i + 1)
                i = n if end < 0 else end + 1
                continue
            if c == '"':
                token.quoted = True
                i = self._double(i + 1, token, start, depth)
                continue
            if c == "`":
                end = self._backtick_end(i + 1)
                _add(token, "features", (i - start, "`"))
                i = end
                continue
            if c == "$":
                i = self._dollar(i, token, start, depth, quoted=False)
                continue
            unquoted.append(c)
            i += 1
        word = text[start:i]
        token.text = _intern(word) if len(word) <= 24 else word   # words repeat: one string each, not one per use
        joined = "".join(unquoted)
        token.unquoted = token.text if joined == token.text else joined   # shared when there is no quoting
        return token, max(i, start + 1) if i == start else i

    def _double(self, i: int, token: ShToken, start: int, depth: int) -> int:
        text, n = self.text, self.n
        skip = _PLAIN_DOUBLE.match
        while i < n:
            m = skip(text, i)
            if m:
                i = m.end()
                if i >= n:
                    break
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "`":
                _add(token, "features", (i - start, "`"))
                i = self._backtick_end(i + 1)
            elif c == "$":
                i = self._dollar(i, token, start, depth, quoted=True)
            else:
                i += 1
        return n

    def _backtick_end(self, i: int) -> int:
        text, n = self.text, self.n
        while i < n:
            if text[i] == "\\":
                i += 2
            elif text[i] == "`":
                return i + 1
            else:
                i += 1
        return n

    def _dollar(self, i: int, token: ShToken, start: int, depth: int, quoted: bool) -> int:
        text, n = self.text, self.n
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "'" and not quoted:
            _add(token, "features", (i - start, "$'"))
            token.quoted = True
            j = i + 2
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            return min(j + 1, n)
        if nxt == "(":
            if text.startswith("((", i + 1):
                _add(token, "features", (i - start, "$(("))
            return self._paren_end(i + 2, depth)
        if nxt == "{":
            j, level = i + 2, 1
            while j < n and level:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "{":
                    level += 1
                elif text[j] == "}":
                    level -= 1
                j += 1
            _add(token, "expansions", (i - start, text[i:j]))
            return j
        j = i + 1
        if j < n and (text[j].isalpha() or text[j] == "_"):
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
        elif j < n and (text[j].isdigit() or text[j] in "@*#?$!-"):
            j += 1
        _add(token, "expansions", (i - start, text[i:j]))
        return j

    def _paren_end(self, i: int, depth: int) -> int:
        """End of a ``$( … )`` body (quotes and nested parentheses respected)."""
        text, n = self.text, self.n
        level = 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                end = text.find("'", i + 1)
                i = n if end < 0 else end + 1
                continue
            if c == '"' and depth < _MAX_DEPTH:
                scratch = ShToken(WORD, "", 0, 0, 0)
                i = self._double(i + 1, scratch, i, depth + 1)
                continue
            if c == "(":
                level += 1
            elif c == ")":
                level -= 1
                if level == 0:
                    return i + 1
            i += 1
        return n


def command_positions(tokens: list[ShToken]) -> list[int]:
    """Indices of words in command position (after newline, ``;``, ``|``, ``&&``, ``(``, ``then``, ``do``…)."""
    found = []
    expect = True
    for i, tok in enumerate(tokens):
        if tok.kind in (COMMENT, HEREDOC):
            continue
        if tok.kind == NEWLINE:
            expect = True
            continue
        if tok.kind == OP:
            expect = tok.text in (";", "&&", "||", "|", "&", "(", ";;", "|&", ")")
            continue
        if expect:
            found.append(i)
            # Keywords and assignments keep the next word in command position.
            expect = tok.text in ("then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "exec") \
                or ("=" in tok.text and tok.text.split("=", 1)[0].isidentifier() and not tok.quoted)
    return found


def shebang_shell(text: str) -> str | None:
    """The interpreter a ``#!`` line names (``sh``, ``bash``, ``dash``, ``pwsh``…), or None."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("#!"):
        return None
    first = text[2:].split("\n", 1)[0].strip().split()
    if not first:
        return None
    prog = first[0].rsplit("/", 1)[-1]
    if prog == "env":
        args = [a for a in first[1:] if not a.startswith("-") and "=" not in a]
        prog = args[0].rsplit("/", 1)[-1] if args else ""
    return prog or None
