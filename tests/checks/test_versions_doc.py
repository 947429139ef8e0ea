"""C5: every schema has a VERSIONS.md row with its $version and a history entry."""

import pytest

from observatory_invariants.rules.contracts.c5_versions_doc import SchemaVersion, check_versions_doc, parse_versions_doc

SCHEMAS = [SchemaVersion("contracts/schemas/job.json", "job", "1.2.0"),
           SchemaVersion("contracts/schemas/event-envelope.json", "event-envelope", "2.0.0")]

GOOD = """# Versions

| Schema | Current Version | Notes |
|---|---|---|
| [job](./schemas/job.json) | 1.2.0 | jobs |
| `event-envelope.json` | v2.0.0 | events |

## Version History

### job

- 1.2.0 — added result
- 1.0.0 — first

### [event-envelope](./schemas/event-envelope.json)

- 2.0.0 — breaking rename
"""


def c5(text, schemas=SCHEMAS):
    return check_versions_doc("contracts/VERSIONS.md", text, schemas)


def test_good_document_passes():
    assert c5(GOOD) == []


def test_parses_links_backticks_and_v_prefix():
    doc = parse_versions_doc(GOOD)
    assert [(stem, v) for _, stem, v, _ in doc.rows] == [("job", "1.2.0"), ("event-envelope", "2.0.0")]
    assert set(doc.history) == {"job", "event-envelope"}


def test_crlf_document_passes():
    assert c5(GOOD.replace("\n", "\r\n")) == []


@pytest.mark.parametrize("text, expected, line", [
    (GOOD.replace("| 1.2.0 | jobs", "| 1.1.0 | jobs"), "documented version '1.1.0' differs", 5),
    (GOOD.replace("| `event-envelope.json` | v2.0.0 | events |\n", ""), "has no row", 3),
    (GOOD.replace("- 1.2.0 — added result\n", ""), "does not list 1.2.0", 10),
    (GOOD.replace("### job\n", "### jobs\n"), "no '### job' entry", 8),
    (GOOD + "| [orders](./schemas/orders.json) | 1.0.0 | |\n", None, None),
    (GOOD.replace("| `event-envelope.json` | v2.0.0 | events |", "| [orders](./schemas/orders.json) | 1.0.0 | |\n"
                                                                   "| `event-envelope.json` | v2.0.0 | events |"),
     "no schema orders.json", 6),
    (GOOD.replace("| [job](./schemas/job.json) | 1.2.0 | jobs |", "| [job](./schemas/job.json) | 1.2.0 | jobs |\n"
                                                                 "| job | 1.2.0 | again |"), "second row", 6),
    ("# Versions\n\nNothing here.\n", "no '| Schema | Current Version |' table", 1),
    (GOOD.split("## Version History")[0], "no 'Version History' section", 1),
])
def test_catches(text, expected, line):
    findings = c5(text)
    if expected is None:  # a table line after a blank line is not part of the table
        assert findings == []
        return
    matching = [f for f in findings if expected in f.message]
    assert matching and matching[0].line == line and matching[0].rule == SUBRULE_OF[expected]


SUBRULE_OF = {  # each problem has its own sub-rule id (what `observatory: ignore[...]` and baselines name)
    "documented version '1.1.0' differs": "C5.version-mismatch", "has no row": "C5.missing-row",
    "does not list 1.2.0": "C5.history", "no '### job' entry": "C5.history", "no schema orders.json": "C5.unknown-schema",
    "second row": "C5.duplicate-row", "no '| Schema | Current Version |' table": "C5.no-table",
    "no 'Version History' section": "C5.no-table",
}


def test_missing_document_is_caught():
    [f] = check_versions_doc("contracts/VERSIONS.md", None, SCHEMAS)
    assert "is missing" in f.message


def test_version_prefix_of_another_does_not_count():
    text = GOOD.replace("- 1.2.0 — added result", "- 1.2.0-rc.1 — preview")
    assert any("does not list 1.2.0" in f.message for f in c5(text))


@pytest.mark.parametrize("text", [
    GOOD.replace("|---|---|---|", "|:--|:-:|--:|"),                                   # alignment colons
    GOOD.replace("| [job](./schemas/job.json) | 1.2.0 | jobs |", "| [job][j] | 1.2.0 | jobs |") + "\n[j]: ./schemas/job.json\n",
    GOOD.replace("### job\n\n- 1.2.0 — added result\n- 1.0.0 — first\n",
                 "### job\n\n#### 1.2.0 (2026-11-01)\n\nadded result\n\n#### 1.0.0\n\nfirst\n"),
    GOOD.replace("- 1.2.0 — added result", "- v1.2.0 — added result"),
    GOOD.replace("### job\n", "### job v1.2.0\n"),
    GOOD.replace("## Version History", "Version History\n---------------"),                # setext heading
    GOOD.replace("| Schema | Current Version | Notes |", "| Schema File | Current Version | Notes |"),
])
def test_common_markdown_variants_pass(text):
    assert c5(text) == []


def test_fenced_tables_and_comments_are_not_content():
    fenced = GOOD.replace("# Versions\n", "# Versions\n\n```\n| Schema | Current Version |\n|---|---|\n| job | 9.9.9 |\n```\n")
    assert c5(fenced) == []
    commented = GOOD.replace("- 1.2.0 — added result", "<!-- 1.2.0 -->")
    assert any("does not list 1.2.0" in f.message for f in c5(commented))


def test_table_without_outer_pipes_is_read():
    text = GOOD.replace("| Schema | Current Version | Notes |\n|---|---|---|\n| [job](./schemas/job.json) | 1.2.0 | jobs |\n"
                        "| `event-envelope.json` | v2.0.0 | events |",
                        "Schema | Current Version | Notes\n--- | --- | ---\n[job](./schemas/job.json) | 1.2.0 | jobs\n"
                        "`event-envelope.json` | v2.0.0 | events")
    assert c5(text) == []


def test_version_mismatch_points_at_the_version_cell():
    [f] = c5(GOOD.replace("| 1.2.0 | jobs", "| 1.1.0 | jobs"))
    assert (f.line, f.column) == (5, 31)
