"""What the contract rules read, gathered through the workspace once per run."""

from __future__ import annotations

from ...engines.contract_schemas import JsonDocument, parse_document
from ...errors import UnreadableFile
from ...parsers.strict_json import JsonProblem


def read_document(ws, path: str) -> JsonDocument:
    """Read and parse through the workspace; unreadable files become a problem, not an exception."""
    try:
        text = ws.read_text(path)
    except UnreadableFile as exc:
        return JsonDocument(path, "", None, JsonProblem(exc.reason, kind="unreadable"))
    return parse_document(path, text)


def gather_contract_schemas(ws) -> list[JsonDocument]:
    """The contracts folder's schemas, read and parsed once per run."""
    return ws.memo("contract-schemas", lambda: [read_document(ws, p) for p in ws.glob("schemas")])


def contract_registry(ws):
    """The offline ``$ref`` registry of those schemas (immutable), built once per run for C1/C2 and C3."""
    from ...engines.contract_schemas import build_registry

    return ws.memo("contract-registry", lambda: build_registry(gather_contract_schemas(ws)))
