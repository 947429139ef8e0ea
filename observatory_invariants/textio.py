"""Bytes to text, one definition for every reader. A leaf module: it imports only ``errors``."""

from __future__ import annotations

from .errors import UnreadableFile

# One size cap for every read: work-tree files, blobs from git (--staged, --base), command-line file arguments.
# The config's max-file-size changes it, up to MAX_FILE_SIZE_CEILING (a repository cannot lift it without bound).
DEFAULT_MAX_FILE_SIZE = 5_000_000
MAX_FILE_SIZE_CEILING = 100_000_000


def too_large(path: str, size: int | None, limit: int, where: str = "") -> UnreadableFile:
    """The UnreadableFile for a file over the cap (``size`` None: known only to exceed it); ``where`` is e.g.
    " in the index"."""
    amount = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return UnreadableFile(path, f"is {amount}{where}, over the {limit}-byte limit (max-file-size in the config); "
                                "skipped")


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


def decode_script(path: str, data: bytes) -> str:
    """Text of a script as Windows tools save it: UTF-8 (with or without BOM) like :func:`decode_text`, and also
    UTF-16 (LE or BE, with a BOM, or without one when every other byte of an ASCII-heavy start is NUL), which
    Windows PowerShell 5.1's ``Out-File`` and editors write. Windows-1252 text (no NUL, not UTF-8) is decoded as
    such. UnreadableFile for anything else (real binary data)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        try:
            return data[2:].decode(encoding)
        except UnicodeDecodeError:
            raise UnreadableFile(path, f"starts with a UTF-16 byte-order mark but is not valid {encoding}") from None
    head = data[:512]
    if len(head) >= 4 and b"\0" in head:
        even, odd = head[0::2], head[1::2]
        for encoding, zeros, text_bytes in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
            if zeros.count(0) >= 0.9 * len(zeros) and text_bytes.count(0) <= 0.1 * len(text_bytes):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    break
    try:
        return decode_text(path, data)
    except UnreadableFile:
        if b"\0" in data[:8192]:
            raise
        return data.decode("cp1252", errors="replace")
