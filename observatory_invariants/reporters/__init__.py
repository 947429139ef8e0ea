"""Output formats. Each takes findings plus neutral rule descriptors and returns text.

Reporters know nothing about rules beyond the descriptors they are handed. ``fingerprints`` (one per finding,
see fingerprints.py) go into SARIF ``partialFingerprints`` and the JSON report; ``internal_errors`` (checks that
crashed) make every format say the run did not complete — never "passed".
"""

from __future__ import annotations

from collections import namedtuple

from ..findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Callable, Sequence


# A named tuple, not a dataclass: every run imports this module, and a frozen dataclass costs a warm hook about
# a millisecond to create.
RuleDescriptor = namedtuple("RuleDescriptor", "id title help_uri default_level help_markdown",
                            defaults=(None, "error", None))
RuleDescriptor.__doc__ = "What a reporter may say of a rule: id, title, help URI, default level, help page (Markdown)."


def _text(findings, **kw):
    from .text import render_text
    return render_text(findings, internal_errors=kw["internal_errors"])


def _json(findings, **kw):
    from .json_report import render_json
    return render_json(findings, tool_version=kw["tool_version"], fingerprints=kw["fingerprints"],
                       internal_errors=kw["internal_errors"])


def _sarif(findings, **kw):
    from .sarif import render_sarif
    descriptors = kw["descriptors"]
    if callable(descriptors):   # only SARIF describes the rules: the caller's pages are read only for it
        descriptors = descriptors()
    return render_sarif(findings, descriptors=descriptors, tool_version=kw["tool_version"],
                        fingerprints=kw["fingerprints"], internal_errors=kw["internal_errors"])


def _github(findings, **kw):
    from .github import render_github
    return render_github(findings, internal_errors=kw["internal_errors"])


# The one format table: commands take their --format choices from it.
FORMATS: dict[str, Callable] = {"text": _text, "json": _json, "sarif": _sarif, "github": _github}


def render(fmt: str, findings: Sequence[Finding], *,
           descriptors: Sequence[RuleDescriptor] | Callable[[], Sequence[RuleDescriptor]] = (),
           tool_version: str = "0", fingerprints: Sequence[str] | None = None,
           internal_errors: Sequence[str] = ()) -> str:
    return FORMATS[fmt](findings, descriptors=descriptors, tool_version=tool_version, fingerprints=fingerprints,
                        internal_errors=list(internal_errors))
