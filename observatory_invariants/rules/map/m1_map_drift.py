"""M1 (opt-in): the repository's invariant document (layout ``invariants-doc``, default ``INVARIANTS.md`` or
``docs/INVARIANTS.md``) agrees with the invariant map and with the repository's configuration, so the map it
publishes cannot silently lie.

The comparison is the ``drift`` command's (:mod:`observatory_invariants.map_drift`), plus the config: an id
documented as CI-enforced (✅) that the config disables, and an enabled id missing from the document, are errors.

Opt-in: ``check`` runs it only when a selector names it (``--select M1``, ``select = ["M1", …]``); families
and ``ALL`` do not turn it on. Applies when the document exists.
"""

from __future__ import annotations

from ...declare import Rule, SubRule
from ...findings import Finding, finding

MISSING_ROW = SubRule("M1.missing-row", "A rule of the map has no row in the document")
UNKNOWN_ID = SubRule("M1.unknown-id", "The document has a row for an id the map does not know")
CLAIMS_ENFORCED = SubRule("M1.claims-enforced", "A governance-only invariant is documented as enforced")
STALE_STATUS = SubRule("M1.stale-status", "An invariant the tool enforces is documented as governance-only")
NOT_CHECKED_YET = SubRule("M1.not-checked-yet", "An invariant documented as enforced has no check in the tool yet")
DISABLED_BY_CONFIG = SubRule("M1.disabled-by-config", "An invariant documented as enforced is disabled by the config")
M1 = Rule("M1", "The repository's invariant document agrees with the map and the config", "map", ("invariants-doc",),
          "run", subrules=(MISSING_ROW, UNKNOWN_ID, CLAIMS_ENFORCED, STALE_STATUS, NOT_CHECKED_YET, DISABLED_BY_CONFIG),
          hooks=("observatory-map",), default_enabled=False, seed_check="drift command")

_BY_KIND = {s.id.split(".", 1)[1]: s for s in M1.subrules}


def check_document(path: str, text: str, config=None) -> list[Finding]:
    """M1 findings for one invariant document (pure: text and config in)."""
    from ...map_drift import map_differences

    return [finding(_BY_KIND[kind], path, message, line, 1, severity)
            for kind, _row, line, message, severity in map_differences(text, config)]


def run(ws, targets: list[str] | None) -> list[Finding]:
    from ...errors import UnreadableFile

    documents = ws.glob("invariants-doc")
    if not documents:
        return []
    path = documents[0]
    try:
        text = ws.read_text(path)
    except UnreadableFile as exc:
        return [finding(MISSING_ROW, path, f"{path} {exc.reason}; the invariant document cannot be compared", None,
                        severity="warning")]
    return check_document(path, text, ws.config)
