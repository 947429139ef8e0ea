"""C5: every schema is documented in VERSIONS.md.

The document holds a markdown table ``| Schema | Current Version | … |`` with one
row per schema (the schema cell may be a link to ``./schemas/NAME.json``), and
a "Version History" section with a ``### NAME`` heading per schema that lists
its versions. A row's version must equal the schema's ``$version``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Sequence

from ...declare import Rule, SubRule
from ...findings import Finding, finding
from ...errors import UnreadableFile
from ...engines.contract_schemas import usable_schemas
from .inputs import gather_contract_schemas

MISSING_DOC = SubRule("C5.missing-doc", "VERSIONS.md is missing or cannot be read")
NO_TABLE = SubRule("C5.no-table", "VERSIONS.md has no '| Schema | Current Version |' table or no Version History")
DUPLICATE_ROW = SubRule("C5.duplicate-row", "A schema has two rows in the table")
UNKNOWN_SCHEMA = SubRule("C5.unknown-schema", "A row names a schema that does not exist")
MISSING_ROW = SubRule("C5.missing-row", "A schema has no row in the table")
VERSION_MISMATCH = SubRule("C5.version-mismatch", "The documented version differs from the schema's $version")
HISTORY = SubRule("C5.history", "The Version History does not list the schema's current version")
C5 = Rule("C5", "Schemas are documented in VERSIONS.md", "contracts", ("schemas", "versions-doc"), "run",
          subrules=(MISSING_DOC, NO_TABLE, DUPLICATE_ROW, UNKNOWN_SCHEMA, MISSING_ROW, VERSION_MISMATCH, HISTORY),
          hooks=("observatory-contracts",), seed_check="test-contracts-sanity.py")


@dataclass(frozen=True)
class SchemaVersion:
    path: str
    stem: str
    version: str | None


@dataclass
class VersionsDoc:
    header_line: int | None = None
    rows: list[tuple[int, str, str, int]] = field(default_factory=list)  # (line, schema stem, version, column)
    history_line: int | None = None
    history: dict[str, tuple[int, str]] = field(default_factory=dict)    # stem -> (heading line, section text)


def _inline_text(inline) -> str:
    """The visible text of an inline token (code spans included, HTML comments dropped)."""
    return "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))


def _schema_name(inline) -> str:
    """A schema cell or heading: ``[job](./schemas/job.json)``, ``job.json``, `` `job` ``, ``job v1.0.0`` → ``job``."""
    for child in inline.children or ():
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            if href.endswith(".json"):
                return PurePosixPath(href).stem
    words = _inline_text(inline).strip().strip("*_ ").split()
    name = words[0] if words else ""
    return name[:-5] if name.endswith(".json") else name


def _version_text(inline) -> str:
    text = _inline_text(inline).strip().strip("*_ ")
    return text[1:] if text[:1] in "vV" and text[1:2].isdigit() else text


def _cell_column(line_text: str, index: int) -> int:
    """1-based column where the ``index``-th cell of a table row starts (its first non-space character)."""
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line_text)]
    if line_text.lstrip().startswith("|"):
        bounds = bounds[1:]
    start = bounds[index - 1] + 1 if 0 < index <= len(bounds) else (0 if index == 0 else len(line_text))
    while start < len(line_text) and line_text[start] == " ":
        start += 1
    return start + 1


def parse_versions_doc(text: str) -> VersionsDoc:
    """The schema table and the version history of a VERSIONS.md, read with a CommonMark parser
    (GFM tables; code fences and HTML comments are not content)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    lines = text.splitlines()
    doc = VersionsDoc()
    i = 0
    while i < len(tokens) and doc.header_line is None:  # the first table with Schema and Version columns
        if tokens[i].type == "table_open":
            header = []
            j = i + 1
            while tokens[j].type != "tbody_open" and tokens[j].type != "table_close":
                if tokens[j].type == "inline":
                    header.append(_inline_text(tokens[j]).strip().lower())
                j += 1
            schema_col = next((k for k, h in enumerate(header) if h.startswith("schema")), None)
            version_cols = [k for k, h in enumerate(header) if "version" in h]
            if schema_col is not None and version_cols:
                version_col = next((k for k in version_cols if "current" in header[k]), version_cols[0])
                doc.header_line = tokens[i].map[0] + 1
                row, row_line = [], None
                while tokens[j].type != "table_close":
                    tok = tokens[j]
                    if tok.type == "tr_open":
                        row, row_line = [], tok.map[0]
                    elif tok.type == "inline":
                        row.append(tok)
                    elif tok.type == "tr_close" and len(row) > max(schema_col, version_col):
                        column = _cell_column(lines[row_line], version_col)
                        doc.rows.append((row_line + 1, _schema_name(row[schema_col]), _version_text(row[version_col]),
                                         column))
                    j += 1
            i = j
        i += 1
    # Version history: the first sub-heading level under "Version History" names schemas; deeper
    # headings (#### 1.0.0 (2024-01-01)) belong to the schema above them.
    history_level = schema_level = None
    current = None
    for index, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = tokens[index + 1]
            if history_level is None:
                if "version history" in _inline_text(title).lower():
                    history_level, doc.history_line = level, tok.map[0] + 1
                continue
            if level <= history_level:
                break
            if schema_level is None or level <= schema_level:
                schema_level = level
                current = _schema_name(title)
                doc.history.setdefault(current, (tok.map[0] + 1, ""))
                continue
        if current is not None and tok.type == "inline":
            line, body = doc.history[current]
            doc.history[current] = (line, body + _inline_text(tok) + "\n")
    return doc


def _mentions_version(text: str, version: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z.])[vV]?{re.escape(version)}(?![0-9A-Za-z+-]|\.[0-9])", text) is not None


def check_versions_doc(doc_path: str, text: str | None, schemas: Sequence[SchemaVersion]) -> list[Finding]:
    """C5 findings for one VERSIONS.md (``text`` None: the file is missing)."""
    if text is None:
        return [finding(MISSING_DOC, doc_path, f"{doc_path} is missing; create it with a '| Schema | Current Version |' "
                                        f"table and a 'Version History' section listing {len(schemas)} schema(s)")]
    parsed = parse_versions_doc(text)
    out: list[Finding] = []
    if parsed.header_line is None:
        return [finding(NO_TABLE, doc_path, "no '| Schema | Current Version |' table found; add one with a row per "
                                        "schema", 1, 1)]
    rows: dict[str, tuple[int, str]] = {}
    for line, stem, version, column in parsed.rows:
        if stem in rows:
            out.append(finding(DUPLICATE_ROW, doc_path, f"schema {stem!r} has a second row (first on line {rows[stem][0]}); "
                                               "keep one row per schema", line, 1))
            continue
        rows[stem] = (line, version, column)
    known = {s.stem for s in schemas}
    for stem, (line, _, _) in rows.items():
        if stem not in known:
            out.append(finding(UNKNOWN_SCHEMA, doc_path, f"row for {stem!r}, but there is no schema {stem}.json; remove the "
                                               "row or restore the schema", line, 1))
    for schema in schemas:
        row = rows.get(schema.stem)
        if row is None:
            shown = schema.version or "X.Y.Z"
            out.append(finding(MISSING_ROW, doc_path, f"{schema.path} has no row in the schema table; add "
                                               f"'| [{schema.stem}](./schemas/{schema.stem}.json) | {shown} | … |'",
                               parsed.header_line, 1))
            continue
        line, documented, column = row
        if schema.version is not None and documented != schema.version:
            out.append(finding(VERSION_MISMATCH, doc_path, f"{schema.stem}: documented version {documented!r} differs from "
                                               f"$version {schema.version!r} in {schema.path}; update the row",
                               line, column))
        if schema.version is None:
            continue
        if parsed.history_line is None:
            continue
        entry = parsed.history.get(schema.stem)
        if entry is None:
            out.append(finding(HISTORY, doc_path, f"{schema.stem}: no '### {schema.stem}' entry under Version History; "
                                               f"add one listing {schema.version}", parsed.history_line, 1))
        elif not _mentions_version(entry[1], schema.version):
            out.append(finding(HISTORY, doc_path, f"{schema.stem}: Version History does not list {schema.version}; "
                                               "add an entry saying what changed", entry[0], 1))
    if parsed.history_line is None and schemas:
        out.append(finding(NO_TABLE, doc_path, "no 'Version History' section; add '## Version History' with a "
                                           "'### NAME' heading per schema listing its versions", 1, 1))
    return out


def run(ws, targets):
    schemas = []
    for doc in usable_schemas(gather_contract_schemas(ws)):
        version = doc.value.get("$version")
        schemas.append(SchemaVersion(doc.path, doc.stem, version if isinstance(version, str) else None))
    found = ws.glob("versions-doc")  # a glob like the other layout entries; the first match is the document
    doc_path = found[0] if found else ws.literal_path("versions-doc")
    try:
        text = ws.read_text(doc_path)
    except UnreadableFile as exc:
        if not ws.repo.exists(doc_path):
            text = None
        else:
            return [finding(MISSING_DOC, doc_path, f"{doc_path} {exc.reason}")]
    if text is None and not schemas:
        return []
    return check_versions_doc(doc_path, text, schemas)
