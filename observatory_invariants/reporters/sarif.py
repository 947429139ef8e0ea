"""SARIF 2.1.0 for GitHub code scanning: one run, ``rules[]`` with their help (the packaged rule page, and
``helpUri`` when a docs URL is configured), relative artifact URIs, ``partialFingerprints`` so code scanning
tracks a finding across commits, and ``invocations[].executionSuccessful: false`` when a check crashed."""

from __future__ import annotations

import json
from typing import Sequence
from urllib.parse import quote

from ..findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "observatoryInvariants/v1"


def build_sarif(findings: Sequence[Finding], *, descriptors, tool_version: str,
                fingerprints: Sequence[str] | None = None, internal_errors: Sequence[str] = ()) -> dict:
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
            if d.help_uri:
                entry["helpUri"] = d.help_uri
            if d.help_markdown:
                entry["help"] = {"text": d.help_markdown, "markdown": d.help_markdown}
            entry["fullDescription"] = {"text": d.title}
            entry["defaultConfiguration"] = {"level": d.default_level}
        index[f.rule] = len(rules)
        rules.append(entry)
    results = []
    for n, f in enumerate(findings):
        region = {}
        if f.line:
            region["startLine"] = f.line
            if f.column:
                region["startColumn"] = f.column
        # A relative URI reference: spaces, '#', '%' and non-ASCII characters are percent-encoded.
        physical = {"artifactLocation": {"uri": quote(f.path, safe="/"), "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        result = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity.value,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": physical}],
        }
        if fingerprints is not None:
            result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprints[n]}
        results.append(result)
    invocation = {"executionSuccessful": not internal_errors}
    if internal_errors:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": e}} for e in internal_errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "observatory-invariants", "version": tool_version, "rules": rules}},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",  # columns count characters, not UTF-16 code units
            "results": results,
        }],
    }


def render_sarif(findings: Sequence[Finding], *, descriptors, tool_version: str,
                 fingerprints: Sequence[str] | None = None, internal_errors: Sequence[str] = ()) -> str:
    sarif = build_sarif(findings, descriptors=descriptors, tool_version=tool_version, fingerprints=fingerprints,
                        internal_errors=internal_errors)
    return json.dumps(sarif, indent=2) + "\n"
