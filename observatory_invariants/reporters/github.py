"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""

from __future__ import annotations

from typing import Sequence

from ..findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def _escape_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    # Other control characters (ESC, NUL…) would reach the log raw: percent-encode them too.
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7f or 0x80 <= ord(c) < 0xa0 else c for c in text)


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], *, internal_errors: Sequence[str] = ()) -> str:
    out = [f"::error title=internal error::{_escape_data('observatory-invariants did not complete: ' + e)}"
           for e in internal_errors]
    for f in findings:
        props = [f"file={_escape_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule)}")
        out.append(f"::{_LEVEL[f.severity.value]} {','.join(props)}::{_escape_data(f.rule + ' ' + f.message)}")
    return "\n".join(out) + ("\n" if out else "")
