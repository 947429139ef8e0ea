"""SARIF 2.1.0 for GitHub code scanning: one run, ``rules[]`` with ``helpUri``, relative artifact URIs."""

from __future__ import annotations

import json
from typing import Sequence
from urllib.parse import quote

from ..findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/observatory-invariants/observatory-invariants"


def build_sarif(findings: Sequence[Finding], *, descriptors, tool_version: str) -> dict:
    rules = []
    index: dict[str, int] = {}
    known = {d.id: d for d in descriptors}
    for f in findings:  # the rules the findings name, sub-rules included, in first-seen order
        if f.rule in index:
            continue
        d = known.get(f.rule) or known.get(f.base_rule)
        entry = {"id": f.rule, "name": f.rule.replace(".", "-"),
                 "shortDescription": {"text": d.title if d else f.rule}}
        if d:
            entry["helpUri"] = d.help_uri
            entry["fullDescription"] = {"text": d.title}
            entry["defaultConfiguration"] = {"level": d.default_level}
        index[f.rule] = len(rules)
        rules.append(entry)
    results = []
    for f in findings:
        region = {}
        if f.line:
            region["startLine"] = f.line
            if f.column:
                region["startColumn"] = f.column
        # A relative URI reference: spaces, '#', '%' and non-ASCII characters are percent-encoded.
        physical = {"artifactLocation": {"uri": quote(f.path, safe="/"), "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity.value,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": physical}],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "observatory-invariants", "version": tool_version,
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "columnKind": "unicodeCodePoints",  # columns count characters, not UTF-16 code units
            "results": results,
        }],
    }


def render_sarif(findings: Sequence[Finding], *, descriptors, tool_version: str) -> str:
    return json.dumps(build_sarif(findings, descriptors=descriptors, tool_version=tool_version), indent=2) + "\n"
