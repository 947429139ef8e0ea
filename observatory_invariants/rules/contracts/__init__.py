"""Contracts: JSON-Schema contracts and their instances (C1/C2), the schemas themselves (C3), compatibility
between versions (C4), and their documentation in VERSIONS.md (C5).

Public pure functions for library users: parse a schema with ``parse_document`` and hand the documents to
``check_schemas`` (C3), ``check_instances`` (C1/C2), ``check_versions_doc`` (C5) or ``check_schema_pair`` (C4).
"""

from ...declare import Hook
from ...engines.contract_schemas import JsonDocument, parse_document
from .c1_c2_instances import Instance, InstanceOptions, check_instances, schema_for_fixture
from .c3_schema_sanity import SchemaOptions, check_schemas
from .c4_compat import CompatOptions, check_schema_pair
from .c5_versions_doc import SchemaVersion, check_versions_doc, parse_versions_doc

HOOKS = (
    Hook("observatory-contracts", "contract schemas and fixtures (C1 C2 C3 C5)",
         "Validate contract schemas, golden/negative fixtures and VERSIONS.md (a staged schema deletion included).",
         staged=True, always_run=True, order=10),
    Hook("observatory-compat", "schema compatibility and versions (C4)",
         "Compare each staged schema with HEAD: a breaking change needs a MAJOR bump; deleting a schema is judged.",
         staged=True, always_run=True, order=20),
)

__all__ = ["CompatOptions", "Instance", "InstanceOptions", "JsonDocument", "SchemaOptions", "SchemaVersion",
           "check_instances", "check_schema_pair", "check_schemas", "check_versions_doc", "parse_document",
           "parse_versions_doc", "schema_for_fixture"]
