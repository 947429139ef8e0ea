"""Bytes to text, one definition for every reader. A leaf module: it imports only ``errors``."""

from __future__ import annotations

from .errors import UnreadableFile


def decode_text(path: str, data: bytes) -> str:
    """UTF-8 text from bytes (BOM dropped, CRLF kept), or UnreadableFile naming what is wrong."""
    if b"\0" in data[:8192]:
        raise UnreadableFile(path, "is a binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(path, f"is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
                                   "save it as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def normalise(text: str) -> str:
    """Script text as the lexers see it (token offsets refer to it): BOM dropped, CRLF and lone CR turned into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
