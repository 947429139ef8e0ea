"""Four outputs of one finding type; JSON against our report schema, SARIF against the official schema."""

import json
from pathlib import Path

import jsonschema
import pytest

from observatory_invariants.commands import rule_descriptors as _descriptors
from observatory_invariants.config import Config
from observatory_invariants.contracts_data import load_contract
from observatory_invariants.findings import Finding, Severity
from observatory_invariants.reporters import render

DATA = Path(__file__).parent / "data"
FINDINGS = [
    Finding("C3", "contracts/schemas/job.json", 'missing "$version"', 1, 1),
    Finding("C5", "contracts/VERSIONS.md", "row, mismatch: 100% wrong\nsecond line", 5, None, Severity.WARNING),
    Finding("B3.latest-tag", "infra/k8s/a b/ü.yaml", "image gateway:latest", 12, 14),
    Finding("C5", "contracts/VERSIONS.md", "file is missing", None, None, Severity.NOTE),
]


def out(fmt, findings=FINDINGS):
    return render(fmt, findings, descriptors=_descriptors(Config()), tool_version="9.9.9")


def test_text_lines_are_path_line_col_id_message():
    lines = out("text").splitlines()
    assert lines[0] == 'contracts/schemas/job.json:1:1: C3 missing "$version"'
    assert lines[1] == "contracts/VERSIONS.md:5: C5 [warning] row, mismatch: 100% wrong\\nsecond line"  # no forged line
    assert lines[3] == "contracts/VERSIONS.md: C5 [note] file is missing"
    assert lines[-2] == "Found 4 findings (2 errors, 1 warning, 1 note)." and "explain" in lines[-1]


def test_text_clean():
    assert out("text", []) == "All checks passed.\n"


def test_json_matches_the_report_contract():
    report = json.loads(out("json"))
    jsonschema.Draft202012Validator(load_contract("report")).validate(report)
    assert report["findings"][2] == {"rule": "B3.latest-tag", "severity": "error", "path": "infra/k8s/a b/ü.yaml",
                                     "line": 12, "column": 14, "message": "image gateway:latest"}
    assert report["summary"] == {"total": 4, "error": 2, "warning": 1, "note": 1}


def test_report_contract_rejects_a_finding_without_rule():
    report = json.loads(out("json"))
    del report["findings"][0]["rule"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_contract("report")).validate(report)


def test_sarif_validates_against_the_official_schema():
    sarif = json.loads(out("sarif"))
    official = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(official).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["C3", "C5", "B3.latest-tag"]
    # No made-up link: the packaged rule page is the help; helpUri only where the config says where pages live.
    assert all("helpUri" not in r and r["help"]["markdown"].startswith(f"# {r['id'].split('.')[0]}:") for r in rules)
    with_docs = json.loads(render("sarif", FINDINGS, descriptors=_descriptors(Config(docs_url="https://docs.example/{rule}.html")),
                                  tool_version="9.9.9"))
    assert with_docs["runs"][0]["tool"]["driver"]["rules"][2]["helpUri"] == "https://docs.example/B3.html"
    result = run["results"][2]
    assert result["ruleIndex"] == 2 and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 14}
    assert "region" not in run["results"][3]["locations"][0]["physicalLocation"]


def test_sarif_invalid_level_would_be_caught_by_the_schema():
    sarif = json.loads(out("sarif"))
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    official = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(official).validate(sarif)


def test_github_annotations_escape_properties_and_data():
    lines = out("github").splitlines()
    assert lines[0] == '::error file=contracts/schemas/job.json,line=1,col=1,title=C3::C3 missing "$version"'
    assert lines[1] == ("::warning file=contracts/VERSIONS.md,line=5,title=C5::C5 row, mismatch: 100%25 wrong"
                        "%0Asecond line")
    assert lines[3] == "::notice file=contracts/VERSIONS.md,title=C5::C5 file is missing"


def test_github_property_with_comma_and_colon_is_escaped():
    [line] = out("github", [Finding("C3", "a,b:c.json", "m", 1, 1)]).splitlines()
    assert line.startswith("::error file=a%2Cb%3Ac.json,")


def test_sarif_uris_are_percent_encoded_and_columns_are_code_points():
    sarif = json.loads(out("sarif"))
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "infra/k8s/a%20b/%C3%BC.yaml"
