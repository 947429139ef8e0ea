"""Script text as the lexers see it: one definition shared by the PowerShell and POSIX sh lexers."""


def normalise(text: str) -> str:
    """The text token offsets refer to: BOM dropped, CRLF and lone CR turned into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
