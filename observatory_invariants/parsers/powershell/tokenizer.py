"""A PowerShell tokenizer in pure Python (no pwsh needed).

It knows what rules need to tell code from data: comments (``#``, ``<# #>``),
single/double-quoted strings, here-strings, ``$( )`` subexpressions inside
expandable strings (tokenized too, see :attr:`Token.nested`), variables
(``$env:X``, ``${x}``, ``$script:x``), the backtick escape and line
continuation, braces, dash words (``-match``, ``-Parallel``) and operators
(``&&``, ``||``, ``??``, ``??=``, ``?.``, ``?``, ``::``, redirections).

It never fails: an unterminated string, comment or ``${`` runs to the end of
the input and is marked ``unterminated``; anything unexpected becomes a one
character ``operator`` token. CRLF and lone CR count as one line break and a
leading UTF-8 BOM is dropped; ``line``/``column`` (1-based, in characters) are
those of the original text, while ``start``/``end`` are offsets into the
normalised text (``\\n`` line breaks, no BOM) that :func:`normalise` returns.
"""

from __future__ import annotations

import re
import sys

from ...textio import normalise  # noqa: F401  (re-exported)

# Token kinds.
NEWLINE = "newline"        # a line break that ends a statement (continuations are dropped)
COMMENT = "comment"        # '# ...' or '<# ... #>', text includes the markers
STRING = "string"          # quoted or here-string; value = the content
VARIABLE = "variable"      # value = the name without '$' ('env:PATH', 'PSScriptRoot', '_'); '@x' splats too
PARAMETER = "parameter"    # '-Name' in command mode; value = lower-case name with the dash
OPERATOR = "operator"      # punctuation and operators, including '-eq'/'-match' (value = lower-case)
NUMBER = "number"
WORD = "word"              # bare words: command names, arguments, paths, member names
KEYWORD = "keyword"        # a WORD that is a PowerShell keyword (value = lower-case)

KEYWORDS = frozenset((
    "begin", "break", "catch", "class", "continue", "data", "define", "do", "dynamicparam", "else",
    "elseif", "end", "enum", "exit", "filter", "finally", "for", "foreach", "from", "function", "if",
    "in", "param", "process", "return", "switch", "throw", "trap", "try", "until", "using", "var",
    "while", "workflow", "parallel", "sequence", "inlinescript",
))

# Dash words that are operators in expression mode (the rest are parameters).
DASH_OPERATORS = frozenset(
    "-" + name for base in (
        "eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains",
        "notcontains", "in", "notin", "replace", "split", "join",
    ) for name in (base, "i" + base, "c" + base)
) | frozenset(("-and", "-or", "-xor", "-not", "-band", "-bor", "-bxor", "-bnot", "-shl", "-shr",
               "-is", "-isnot", "-as", "-f"))

OPENERS = {"(": ")", "$(": ")", "@(": ")", "{": "}", "@{": "}", "[": "]"}
CLOSERS = frozenset(")}]")

_MAX_NESTING = 40  # subexpressions inside strings inside subexpressions...: beyond this, opaque text

_SQ = "'\u2018\u2019\u201a\u201b"
_DQ = '"\u201c\u201d\u201e'

# A single- or double-quoted string with nothing to scan by hand (no subexpression, ASCII quotes): matched by the
# master pattern, so _special only ever sees the others.
_SIMPLE_SQ_TEXT = r"'(?:[^'\u2018\u2019\u201a\u201b]|'')*'"
_SIMPLE_DQ_TEXT = r'"(?:[^"`$\u201c\u201d\u201e]|`[\s\S]|""|\$(?!\())*"'
_WORD_BODY = r"""[^\s(){};,|&"'`<>\[\]$\u2018\u2019\u201a\u201b\u201c\u201d\u201e]*(?:`[\s\S][^\s(){};,|&"'`<>\[\]$\u2018\u2019\u201a\u201b\u201c\u201d\u201e]*)*"""
# Leading blanks, then one alternative per token shape, most frequent first (a word that starts
# with a letter). Strings, block comments, here-strings and braced variables have their own scanners.
_MASTER = re.compile(r"""
[ \t\f\v\u00a0\u2000-\u200b\u3000]*(?:
 (?P<punct>[(){}\[\],;=])
|(?P<aword>[A-Za-z_]""" + _WORD_BODY + r""")
|(?P<nl>\n)
|(?P<variable>\$(?:[A-Za-z_][A-Za-z0-9_]*(?::(?!:)[A-Za-z_0-9]+)?|[0-9][A-Za-z0-9_]*|[$?^]))
|(?P<sq>""" + _SIMPLE_SQ_TEXT + r""")
|(?P<dq>""" + _SIMPLE_DQ_TEXT + r""")
|(?P<special><\#|@["\u201c\u201d\u201e'\u2018\u2019\u201a\u201b][ \t]*\n|["\u201c\u201d\u201e'\u2018\u2019\u201a\u201b]|\$\{)
|(?P<comment>\#[^\n]*)
|(?P<dash>--[A-Za-z][\w-]*|[-\u2013\u2014\u2015][A-Za-z_][A-Za-z0-9_]*:?)
|(?P<path>[/\\][\w.~\-]""" + _WORD_BODY + r""")
|(?P<redirect>[1-6*]>>?(?:&[12])?|>>?(?:&[12])?|<<<?|<)
|(?P<op>\?\?=|\?\?|\?\.|&&|\|\||::|\.\.(?![\\/])|\+\+|--(?![A-Za-z])|[-+*/%]=|[=!+\-*/%,;|&?:\[\](){}])
|(?P<subexpr>[$@]\(|@\{)
|(?P<splat>@[A-Za-z_][A-Za-z0-9_]*)
|(?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?:[dDlLuUyYsSnN]|[kKmMgGtTpP][bB])?(?![\w\\/:]|\.(?!\.)))
|(?P<cont>`\n)
|(?P<word>(?:\.{1,2}[\\/]|\.(?=[A-Za-z0-9_])|`[\s\S]|[^\s(){};,|&"'`$<>\[\]\u2018\u2019\u201a\u201b\u201c\u201d\u201e])""" + _WORD_BODY + r""")
|(?P<other>[\s\S])
|(?P<eof>\Z))
""", re.VERBOSE)

# Group index -> the kind's name as an interned string: the lexer dispatches on `m.lastindex` and compares names by
# identity, and reads groups by number (a name costs a dict lookup; lastgroup's strings are not the code's).
_KIND_OF_GROUP = [None] * (_MASTER.groups + 1)
for _name, _index in _MASTER.groupindex.items():
    _KIND_OF_GROUP[_index] = sys.intern(_name)
_KIND_OF_GROUP = tuple(_KIND_OF_GROUP)


class Token:
    """One token. ``nested`` holds the token lists of ``$( )`` subexpressions inside an expandable string.

    ``Token(kind, text, start, end, line, column, value=None, nested=(), unterminated=False)``; a token built with
    subexpressions or unterminated is a :class:`_MarkedToken`.
    """

    # Most tokens have no subexpressions and are terminated: those two fields are class defaults, and only a
    # :class:`_MarkedToken` stores them (two fewer stores per token on the lexer's hot path).
    __slots__ = ("kind", "text", "start", "end", "line", "column", "value")
    nested: tuple = ()
    unterminated: bool = False

    def __new__(cls, kind=None, text="", start=0, end=0, line=1, column=1, value=None, nested=(),
                unterminated=False):
        if cls is Token and (nested or unterminated):
            cls = _MarkedToken
        return object.__new__(cls)

    def __init__(self, kind, text, start, end, line, column, value=None, nested=(), unterminated=False):
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.line = line
        self.column = column
        self.value = text if value is None else value
        if nested or unterminated:
            self.nested = nested
            self.unterminated = unterminated

    def is_op(self, *texts: str) -> bool:
        return self.kind == OPERATOR and self.text in texts

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.line}:{self.column})"


class _MarkedToken(Token):
    """A token with string subexpressions or without its closing quote/marker."""

    __slots__ = ("nested", "unterminated")


def _token(kind, text, start, end, line, column, value=None, nested=(), unterminated=False) -> Token:
    """A token, without Token.__new__'s class choice (the lexer knows it); the hot kinds skip even this."""
    tok = _new_token(_MarkedToken if nested or unterminated else Token)
    Token.__init__(tok, kind, text, start, end, line, column, value, nested, unterminated)
    return tok


_new_token = object.__new__




def tokenize(text: str) -> list[Token]:
    """Every token of a PowerShell script, comments and newlines included."""
    lexer = _Lexer(normalise(text))
    tokens, _ = lexer.lex(0, len(lexer.text), 0)
    return tokens


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.line = 1
        self.line_start = 0

    def _advance_lines(self, start: int, end: int) -> None:
        count = self.text.count("\n", start, end)
        if count:
            self.line += count
            self.line_start = self.text.rfind("\n", start, end) + 1

    def lex(self, pos: int, end: int, depth: int, close_paren: bool = False) -> tuple[list[Token], int]:
        """Tokens from ``pos`` to ``end``; with ``close_paren`` stop after the ``)`` that closes a ``$(``."""
        text = self.text
        tokens: list[Token] = []
        append = tokens.append
        finditer = _MASTER.finditer
        new = _new_token
        keywords = KEYWORDS
        kind_of = _KIND_OF_GROUP
        parens = 0
        line, line_start = self.line, self.line_start
        # Every position matches some alternative, so finditer's matches are contiguous; a string,
        # comment or here-string is scanned by hand and the iteration restarts after it.
        # The hot kinds build their Token without a call to __init__ (slot stores only).
        while pos < end:
            resume = -1
            for m in finditer(text, pos, end):
                group = m.lastindex
                kind = kind_of[group]
                if kind == "aword" or kind == "word" or kind == "path":
                    word = m.group(group)
                    mend = m.end()
                    start = mend - len(word)
                    tok = new(Token)
                    # a keyword has no dash: 'Write-Host' and the like skip the lower-casing
                    if "-" not in word and (lower := word.lower()) in keywords:
                        tok.kind = KEYWORD
                        tok.value = lower
                    else:
                        tok.kind = WORD
                        tok.value = word
                    tok.text = word
                    tok.start = start
                    tok.end = mend
                    tok.line = line
                    tok.column = start - line_start + 1
                    append(tok)
                elif kind == "nl":
                    mend = m.end()
                    tok = new(Token)
                    tok.kind = NEWLINE
                    tok.text = tok.value = "\n"
                    tok.start = mend - 1
                    tok.end = mend
                    tok.line = line
                    tok.column = mend - line_start
                    append(tok)
                    line += 1
                    line_start = mend
                elif kind == "punct" or kind == "op":
                    op = m.group(group)
                    mend = m.end()
                    if close_paren and op == ")":
                        if parens == 0:  # the ')' that closes the subexpression belongs to the string
                            self.line, self.line_start = line, line_start
                            return tokens, mend
                        parens -= 1
                    elif close_paren and op == "(":
                        parens += 1
                    start = mend - len(op)
                    tok = new(Token)
                    tok.kind = OPERATOR
                    tok.text = tok.value = op
                    tok.start = start
                    tok.end = mend
                    tok.line = line
                    tok.column = start - line_start + 1
                    append(tok)
                elif kind == "variable" or kind == "splat":
                    name = m.group(group)
                    mend = m.end()
                    start = mend - len(name)
                    tok = new(Token)
                    tok.kind = VARIABLE
                    tok.text = name
                    tok.value = name[1:]
                    tok.start = start
                    tok.end = mend
                    tok.line = line
                    tok.column = start - line_start + 1
                    append(tok)
                elif kind == "sq" or kind == "dq":
                    # a plain string, matched by the master pattern: no restart of the scan
                    quoted = m.group(group)
                    mend = m.end()
                    start = mend - len(quoted)
                    append(_token(STRING, quoted, start, mend, line, start - line_start + 1,
                                  quoted[1:-1].replace("''", "'") if kind == "sq" else quoted[1:-1]))
                    breaks = quoted.count("\n")
                    if breaks:
                        line += breaks
                        line_start = start + quoted.rfind("\n") + 1
                elif kind == "eof":
                    break
                elif kind == "special":
                    start = m.start(group)
                    self.line, self.line_start = line, line_start
                    token, resume = self._special(m.group(group), start, end, depth)
                    append(token)
                    self._advance_lines(start, resume)
                    line, line_start = self.line, self.line_start
                    break
                else:
                    start = m.start(group)
                    mend = m.end()
                    if kind == "dash":
                        word = m.group(group)
                        lower = "-" + word[1:].lower()
                        append(_token(OPERATOR if lower.rstrip(":") in DASH_OPERATORS else PARAMETER, word, start,
                                      mend, line, start - line_start + 1, lower))
                    elif kind == "comment":
                        append(_token(COMMENT, m.group(group), start, mend, line, start - line_start + 1))
                    elif kind == "cont":
                        line += 1
                        line_start = mend
                    elif kind == "subexpr":
                        op = m.group(group)
                        if close_paren and op != "@{":
                            parens += 1
                        append(_token(OPERATOR, op, start, mend, line, start - line_start + 1))
                    elif kind == "number":
                        append(_token(NUMBER, m.group(group), start, mend, line, start - line_start + 1))
                    else:  # redirections, and 'other': a stray character (a lone backtick, control characters)
                        append(_token(OPERATOR, m.group(group), start, mend, line, start - line_start + 1))
            if resume < 0:
                pos = end
                break
            pos = resume
        self.line, self.line_start = line, line_start
        return tokens, pos

    # -- multi-character scanners ------------------------------------------------
    def _special(self, opener: str, pos: int, end: int, depth: int) -> tuple[Token, int]:
        text = self.text
        line, column = self.line, pos - self.line_start + 1
        if opener == "<#":
            close = text.find("#>", pos + 2, end)
            stop = end if close < 0 else close + 2
            return _token(COMMENT, text[pos:stop], pos, stop, line, column, unterminated=close < 0), stop
        if opener == "${":
            i = pos + 2
            while i < end and text[i] != "}":
                i += 2 if text[i] == "`" else 1
            stop = min(i + 1, end)
            return _token(VARIABLE, text[pos:stop], pos, stop, line, column, text[pos + 2:min(i, end)],
                          unterminated=i >= end), stop
        if opener[0] == "@":
            return self._here_string(opener, pos, end, depth, line, column)
        if opener in _SQ:
            # (a plain ASCII-quoted string never gets here: the master pattern's 'sq' took it)
            i = pos + 1
            while i < end:
                if text[i] in _SQ:
                    if i + 1 < end and text[i + 1] in _SQ:
                        i += 2
                        continue
                    stop = i + 1
                    return _token(STRING, text[pos:stop], pos, stop, line, column, text[pos + 1:i]), stop
                i += 1
            return _token(STRING, text[pos:end], pos, end, line, column, text[pos + 1:end], unterminated=True), end
        # double-quoted, expandable (one without a subexpression was the master pattern's 'dq')
        value, nested, stop, closed = self._expandable(pos + 1, end, depth, _DQ)
        return _token(STRING, text[pos:stop], pos, stop, line, column, value, tuple(nested),
                      unterminated=not closed), stop

    def _expandable(self, pos: int, end: int, depth: int, quotes: str | None):
        """Scan expandable text up to a closing quote (``quotes``) or ``end``: (value, nested, stop, closed).

        The line state is the one at ``pos`` on entry and is restored on exit.
        """
        text = self.text
        parts: list[str] = []
        nested: list[list[Token]] = []
        saved = self.line, self.line_start
        i = chunk = pos
        try:
            while i < end:
                c = text[i]
                if c == "`":
                    i += 2
                    continue
                if quotes and c in quotes:
                    if i + 1 < end and text[i + 1] in quotes:
                        i += 2
                        continue
                    parts.append(text[chunk:i])
                    return "".join(parts), nested, i + 1, True
                if c == "$" and i + 1 < end and text[i + 1] == "(" and depth < _MAX_NESTING:
                    parts.append(text[chunk:i])
                    self.line, self.line_start = saved
                    self._advance_lines(pos, i)
                    inner, after = self.lex(i + 2, end, depth + 1, close_paren=True)
                    nested.append(inner)
                    parts.append("$()")
                    i = chunk = after
                    continue
                i += 1
            parts.append(text[chunk:min(i, end)])
            return "".join(parts), nested, end, quotes is None
        finally:
            self.line, self.line_start = saved

    def _here_string(self, opener: str, pos: int, end: int, depth: int, line: int, column: int):
        text = self.text
        body = pos + len(opener)  # the opener includes its line break
        quote = opener[1]
        closer = "\n" + ('"' if quote in _DQ else "'") + "@"
        close = text.find(closer, body - 1, end)
        if close < 0:
            content_end, stop, closed = end, end, False
        else:
            content_end, stop, closed = close, close + len(closer), True
        content_end = max(content_end, body)
        if quote in _DQ:
            saved = self.line, self.line_start
            self.line, self.line_start = line + 1, body
            value, nested, _, _ = self._expandable(body, content_end, depth, None)
            self.line, self.line_start = saved
        else:
            value, nested = text[body:content_end], []
        return _token(STRING, text[pos:stop], pos, stop, line, column, value, tuple(nested),
                      unterminated=not closed), stop
