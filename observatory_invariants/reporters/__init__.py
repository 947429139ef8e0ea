"""Output formats. Each takes findings plus neutral rule descriptors and returns text.

Reporters know nothing about rules beyond the descriptors they are handed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ..findings import Finding

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class RuleDescriptor:
    id: str
    title: str
    help_uri: str
    default_level: str = "error"


def render(fmt: str, findings: Sequence[Finding], *, descriptors: Sequence[RuleDescriptor] = (),
           tool_version: str = "0") -> str:
    renderer: Callable = {
        "text": _text, "json": _json, "sarif": _sarif, "github": _github,
    }[fmt]
    return renderer(findings, descriptors=descriptors, tool_version=tool_version)


def _text(findings, **kw):
    from .text import render_text
    return render_text(findings)


def _json(findings, **kw):
    from .json_report import render_json
    return render_json(findings, tool_version=kw["tool_version"])


def _sarif(findings, **kw):
    from .sarif import render_sarif
    return render_sarif(findings, descriptors=kw["descriptors"], tool_version=kw["tool_version"])


def _github(findings, **kw):
    from .github import render_github
    return render_github(findings)
