"""POSIX sh / bash source, lexed in pure Python (see lexer.py)."""
