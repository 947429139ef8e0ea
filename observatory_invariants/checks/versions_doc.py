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

from ..findings import Finding, finding
from ..repo import UnreadableFile
from ._schemas import contract_schemas, usable_schemas

RULE = "C5"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class SchemaVersion:
    path: str
    stem: str
    version: str | None


@dataclass
class VersionsDoc:
    header_line: int | None = None
    rows: list[tuple[int, str, str]] = field(default_factory=list)     # (line, schema stem, version)
    history_line: int | None = None
    history: dict[str, tuple[int, str]] = field(default_factory=dict)  # stem -> (heading line, section text)


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _schema_name(cell: str) -> str:
    """``[job](./schemas/job.json)``, ``job.json``, `` `job` `` → ``job``."""
    link = _LINK.search(cell)
    if link:
        target = link.group(2).strip()
        name = PurePosixPath(target).name if target.endswith(".json") else link.group(1)
    else:
        name = cell
    name = name.strip().strip("`*_ ").strip()
    return name[:-5] if name.endswith(".json") else name


def _version_text(cell: str) -> str:
    text = cell.strip().strip("`*_ ").strip()
    return text[1:] if text[:1] in "vV" and text[1:2].isdigit() else text


def parse_versions_doc(text: str) -> VersionsDoc:
    """The schema table and the version history of a VERSIONS.md."""
    doc = VersionsDoc()
    lines = text.splitlines()
    schema_col = version_col = None
    in_table = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if doc.header_line is None and stripped.startswith("|"):
            cells = [c.lower() for c in _cells(stripped)]
            if "schema" in cells and any("version" in c for c in cells):
                schema_col = cells.index("schema")
                version_col = next((i for i, c in enumerate(cells) if "current" in c and "version" in c),
                                   next(i for i, c in enumerate(cells) if "version" in c))
                doc.header_line = index + 1
                in_table = True
                continue
        if in_table:
            if not stripped.startswith("|"):
                in_table = False
                continue
            cells = _cells(stripped)
            if all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells if c):
                continue
            if len(cells) > max(schema_col, version_col):
                doc.rows.append((index + 1, _schema_name(cells[schema_col]), _version_text(cells[version_col])))
    # Version history: "### NAME" headings inside a "Version History" section.
    history_level = None
    current = None
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            level, title = len(match.group(1)), match.group(2)
            if history_level is None:
                if "version history" in title.lower():
                    history_level = level
                    doc.history_line = index + 1
                continue
            if level <= history_level:
                break
            current = _schema_name(title)
            doc.history.setdefault(current, (index + 1, ""))
            continue
        if current is not None:
            heading_line, body = doc.history[current]
            doc.history[current] = (heading_line, body + line + "\n")
    return doc


def _mentions_version(text: str, version: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z.]){re.escape(version)}(?![0-9A-Za-z+-]|\.[0-9])", text) is not None


def check_versions_doc(doc_path: str, text: str | None, schemas: Sequence[SchemaVersion]) -> list[Finding]:
    """C5 findings for one VERSIONS.md (``text`` None: the file is missing)."""
    if text is None:
        return [finding(RULE, doc_path, f"{doc_path} is missing; create it with a '| Schema | Current Version |' "
                                        f"table and a 'Version History' section listing {len(schemas)} schema(s)")]
    parsed = parse_versions_doc(text)
    out: list[Finding] = []
    if parsed.header_line is None:
        return [finding(RULE, doc_path, "no '| Schema | Current Version |' table found; add one with a row per "
                                        "schema", 1, 1)]
    rows: dict[str, tuple[int, str]] = {}
    for line, stem, version in parsed.rows:
        if stem in rows:
            out.append(finding(RULE, doc_path, f"schema {stem!r} has a second row (first on line {rows[stem][0]}); "
                                               "keep one row per schema", line, 1))
            continue
        rows[stem] = (line, version)
    known = {s.stem for s in schemas}
    for stem, (line, _) in rows.items():
        if stem not in known:
            out.append(finding(RULE, doc_path, f"row for {stem!r}, but there is no schema {stem}.json; remove the "
                                               "row or restore the schema", line, 1))
    for schema in schemas:
        row = rows.get(schema.stem)
        if row is None:
            shown = schema.version or "X.Y.Z"
            out.append(finding(RULE, doc_path, f"{schema.path} has no row in the schema table; add "
                                               f"'| [{schema.stem}](./schemas/{schema.stem}.json) | {shown} | … |'",
                               parsed.header_line, 1))
            continue
        line, documented = row
        if schema.version is not None and documented != schema.version:
            out.append(finding(RULE, doc_path, f"{schema.stem}: documented version {documented!r} differs from "
                                               f"$version {schema.version!r} in {schema.path}; update the row", line, 1))
        if schema.version is None:
            continue
        if parsed.history_line is None:
            continue
        entry = parsed.history.get(schema.stem)
        if entry is None:
            out.append(finding(RULE, doc_path, f"{schema.stem}: no '### {schema.stem}' entry under Version History; "
                                               f"add one listing {schema.version}", parsed.history_line, 1))
        elif not _mentions_version(entry[1], schema.version):
            out.append(finding(RULE, doc_path, f"{schema.stem}: Version History does not list {schema.version}; "
                                               "add an entry saying what changed", entry[0], 1))
    if parsed.history_line is None and schemas:
        out.append(finding(RULE, doc_path, "no 'Version History' section; add '## Version History' with a "
                                           "'### NAME' heading per schema listing its versions", 1, 1))
    return out


def run(ws, targets):
    schemas = []
    for doc in usable_schemas(contract_schemas(ws)):
        version = doc.value.get("$version")
        schemas.append(SchemaVersion(doc.path, doc.stem, version if isinstance(version, str) else None))
    doc_paths = ws.patterns("versions-doc")
    doc_path = doc_paths[0]
    try:
        text = ws.read_text(doc_path)
    except UnreadableFile as exc:
        if not ws.repo.exists(doc_path):
            text = None
        else:
            return [finding(RULE, doc_path, f"{doc_path} {exc.reason}")]
    if text is None and not schemas:
        return []
    return check_versions_doc(doc_path, text, schemas)
