"""Cobertura XML: ``coverage xml`` (coverage.py), gcovr, tarpaulin ``--out Xml``, JaCoCo converters, ...

``<coverage><sources><source>``, then ``<packages><package><classes><class filename=...><lines>
<line number hits branch condition-coverage="50% (1/2)">``. Only class-level ``<lines>`` count
(``<methods>`` repeat the same lines). Classes naming the same file are merged by line number.
The root's ``lines-valid``/``lines-covered``/``branches-valid``/``branches-covered`` are the
file's own claims, kept in ``declared``.

Read with expat directly, streaming: no element tree is built, memory is one file's lines at a
time plus 8 bytes a line. Like defusedxml, entity declarations are refused (billion laughs,
external entities) and so is an internal DTD subset; a bare ``<!DOCTYPE coverage SYSTEM "...">``
(Java Cobertura and gcovr write one) is allowed and never fetched.
"""

from __future__ import annotations

import re

from ._input import Content, iter_chunks
from ._merge import FileTable
from .model import Counter, CoverageReport, CoverageReportError, FileCoverage
from .paths import normalise_path

_CONDITION = re.compile(r"\((\d{1,18})/(\d{1,18})\)")


class _Refused(Exception):
    pass


def _attr_int(attrs: dict, name: str, source: str, line: int, default: int | None = None) -> int:
    value = attrs.get(name)
    if value is None:
        if default is None:
            raise CoverageReportError(source, f"<line> without a {name!r} attribute", line)
        return default
    text = value.strip()
    if text.startswith("-") and text[1:].isdigit():
        return 0   # some writers emit -1 for "unknown"; never covered
    if not text.isdigit() or not text.isascii() or len(text) > 30:
        raise CoverageReportError(source, f"{name}={value[:40]!r} is not a non-negative integer", line)
    return int(text)


def _parse(data: Content, source: str, fmt: str) -> CoverageReport:
    from xml.parsers import expat  # lazy: hooks that never read XML do not pay for it

    parser = expat.ParserCreate(encoding="utf-8" if isinstance(data, str) else None)
    stack: list[str] = []
    table = FileTable()
    roots: list[str] = []
    root_attrs: dict = {}
    state = {"file": None, "lines": None, "branches": None, "text": None}

    def refuse(message):
        def handler(*args):
            raise _Refused(message)
        return handler

    def start_doctype(name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            raise _Refused("an internal DTD subset is not allowed in a coverage report (entity expansion risk)")

    def start(name, attrs):
        depth = len(stack)
        stack.append(name)
        if depth == 0:
            if name != "coverage":
                raise _Refused(f"the root element is <{name}>, not <coverage>: not a Cobertura report")
            root_attrs.update(attrs)
        elif name == "class" and depth >= 1:
            filename = attrs.get("filename")
            if not filename:
                raise _Refused("<class> without a filename attribute")
            state["file"], state["lines"], state["branches"] = normalise_path(filename), {}, {}
        elif name == "line" and depth >= 2 and stack[-2] == "lines" and stack[-3] == "class":
            line_no = _attr_int(attrs, "number", source, parser.CurrentLineNumber)
            hits = _attr_int(attrs, "hits", source, parser.CurrentLineNumber, default=0)
            lines = state["lines"]
            lines[line_no] = lines.get(line_no, False) or hits > 0
            if attrs.get("branch", "false").lower() == "true":
                match = _CONDITION.search(attrs.get("condition-coverage", ""))
                if match:
                    covered, total = int(match.group(1)), int(match.group(2))
                    if covered > total:
                        raise CoverageReportError(source, f"condition-coverage {attrs['condition-coverage']!r} "
                                                          "covers more than its total", parser.CurrentLineNumber)
                    old = state["branches"].get(line_no, (0, 0))
                    state["branches"][line_no] = (max(covered, old[0]), max(total, old[1]))
        elif name == "source":
            state["text"] = []

    def end(name):
        stack.pop()
        if name == "class" and state["file"] is not None:
            table.add(state["file"], state["lines"], state["branches"], None)
            state["file"] = state["lines"] = state["branches"] = None
        elif name == "source" and state["text"] is not None:
            text = "".join(state["text"]).strip()
            if text:
                roots.append(normalise_path(text))
            state["text"] = None

    def characters(text):
        if state["text"] is not None:
            state["text"].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = start_doctype
    parser.EntityDeclHandler = refuse("entity declarations are not allowed in a coverage report (XML bomb risk)")
    parser.UnparsedEntityDeclHandler = refuse("entity declarations are not allowed in a coverage report")
    parser.ExternalEntityRefHandler = refuse("external entities are not allowed in a coverage report")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    fed = False
    try:
        for chunk in iter_chunks(data):
            fed = fed or bool(chunk.strip())
            parser.Parse(chunk, False)
        if not fed:
            raise CoverageReportError(source, "the report is empty (no XML document)")
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code)
        hint = " (truncated file?)" if reason in ("no element found", "unclosed token") else ""
        raise CoverageReportError(source, f"invalid XML: {reason}{hint} (column {exc.offset + 1})", exc.lineno) from None
    except _Refused as exc:
        raise CoverageReportError(source, str(exc), parser.CurrentLineNumber) from None
    except RecursionError:
        raise CoverageReportError(source, "XML nested too deeply to read") from None
    declared = {}
    for key, valid, covered in (("lines", "lines-valid", "lines-covered"),
                                ("branches", "branches-valid", "branches-covered")):
        if valid in root_attrs and covered in root_attrs:
            try:
                declared[key] = Counter(int(root_attrs[covered]), int(root_attrs[valid]))
            except ValueError:
                pass  # a claim we cannot read is not the data; the lines are
    statements = fmt == "coverage.py-xml"
    files = tuple(FileCoverage(p, lines=lc, statements=lc if statements else None, branches=bc)
                  for p, lc, bc, _ in table.items())
    measurements = ("lines", "statements", "branches", "statements+branches") if statements else ("lines", "branches")
    # coverage.py's own total (coverage report) counts branch destinations with statements.
    default = "statements+branches" if statements else "lines"
    return CoverageReport(fmt, source, files, measurements, default, declared, tuple(roots))


def read_cobertura(data: Content, source: str = "coverage.xml") -> CoverageReport:
    """Read any Cobertura XML report (lines and branch conditions per file)."""
    return _parse(data, source, "cobertura")


def read_coverage_xml(data: Content, source: str = "coverage.xml") -> CoverageReport:
    """Read coverage.py's ``coverage xml`` output: Cobertura, whose lines are coverage.py's statements."""
    return _parse(data, source, "coverage.py-xml")
