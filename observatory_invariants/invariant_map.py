"""Views of the registry: the ``list`` table (text, JSON, markdown) and ``explain`` pages."""

from __future__ import annotations

import json

from . import registry


def _reads(config, rule) -> list[str]:
    out = []
    for key in rule.reads:
        out.extend(config.patterns(key) if key in config.paths else [key])
    return out


def map_rows(config) -> list[dict]:
    rows = []
    for rule in registry.RULES:
        rows.append({
            "id": rule.id,
            "title": rule.title,
            "category": rule.category,
            "enforcement": rule.enforcement,
            "status": rule.status,
            "opt_in": not rule.default_enabled,
            "reads": _reads(config, rule),
            "subrules": [{"id": s.id, "title": s.title, "default_enabled": s.default_enabled} for s in rule.subrules],
            "seed_check": rule.seed_check,
        })
    return rows


def render_map(config, fmt: str = "text") -> str:
    rows = map_rows(config)
    if fmt == "json":
        return json.dumps({"rules": rows}, indent=2) + "\n"
    if fmt == "markdown":
        lines = ["| ID | Invariant | Enforcement | Status | Reads |", "|---|---|---|---|---|"]
        for r in rows:
            reads = ", ".join(f"`{p}`" for p in r["reads"]) or "—"
            rule_id = f"[{r['id']}](docs/rules/{r['id']}.md)" if doc_page(r["id"]) else r["id"]
            status = r["status"] + (" (opt-in)" if r["opt_in"] else "")
            lines.append(f"| {rule_id} | {r['title']} | {r['enforcement']} | "
                         f"{status} | {reads} |")
        return "\n".join(lines) + "\n"
    import shutil
    import textwrap

    columns = max(80, shutil.get_terminal_size((120, 24)).columns)
    lines = []
    for r in rows:
        lines.append(f"{r['id']:<5} {r['title']}")
        status = r["status"] + (" (opt-in)" if r["opt_in"] else "")
        lines.append(f"      {r['enforcement']}, {status}")
        reads = ", ".join(r["reads"]) or "-"
        lines.extend(textwrap.wrap(reads, columns, initial_indent="      reads: ", subsequent_indent="             ",
                                   break_on_hyphens=False))
        for s in r["subrules"]:
            off = "" if s["default_enabled"] else " (off by default)"
            lines.extend(textwrap.wrap(f"{s['id']}: {s['title']}{off}", columns, initial_indent="      - ",
                                       subsequent_indent="        ", break_on_hyphens=False))
    return "\n".join(lines) + "\n"


def doc_page(rule_id: str) -> str | None:
    """The rule's docs/rules/ID.md, shipped in the package; None when it has none."""
    from .contracts_data import read_shipped_text

    return read_shipped_text("observatory_invariants.rule_docs", f"{rule_id}.md")


def explain(rule_id: str) -> str | None:
    try:
        rule = registry.get(rule_id)
    except KeyError:
        return None
    page = doc_page(rule.id)
    if page:
        return page if page.endswith("\n") else page + "\n"
    lines = [f"# {rule.id}: {rule.title}", "", f"Enforcement: {rule.enforcement}. Status: {rule.status}."]
    if rule.seed_check:
        lines.append(f"The seed repository enforced it with: {rule.seed_check}.")
    if rule.enforcement == registry.GOVERNANCE:
        lines.append("This invariant needs human judgement; it is listed in the map and never reported as checked.")
    else:
        lines.append("No check exists for it yet: `check` never reports it as passing.")
    return "\n".join(lines) + "\n"
