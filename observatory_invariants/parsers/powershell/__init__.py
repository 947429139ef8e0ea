"""PowerShell source, tokenized in pure Python (see tokenizer.py) plus light structure (structure.py).

Typical use::

    from observatory_invariants.parsers.powershell import tokenize, blocks, if_chains
    tokens = tokenize(text)
    for block in blocks(tokens):
        if block.keyword == "finally": ...
"""

from .structure import (Block, Branch, GuardIndex, IfChain, blocks, command_positions, contains_exit, enclosing,
                        if_chains, is_variable, match_brackets, next_significant, prev_significant,
                        requires_version, walk)
from .tokenizer import (COMMENT, KEYWORD, NEWLINE, NUMBER, OPERATOR, PARAMETER, STRING, VARIABLE, WORD, Token,
                        normalise, tokenize)

__all__ = [
    "Block", "Branch", "GuardIndex", "IfChain", "Token", "blocks", "command_positions", "contains_exit", "enclosing",
    "if_chains", "is_variable", "match_brackets", "next_significant", "normalise", "prev_significant",
    "requires_version", "tokenize", "walk",
    "COMMENT", "KEYWORD", "NEWLINE", "NUMBER", "OPERATOR", "PARAMETER", "STRING", "VARIABLE", "WORD",
]
