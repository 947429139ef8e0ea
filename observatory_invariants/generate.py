"""Everything generated from the rules' declarations, in one place.

- ``observatory_invariants/rule_index.py``, what a run knows of the rules without importing them
  (:func:`render_rule_index`);
- ``.pre-commit-hooks.yaml`` (:func:`render_manifest`);
- README.md's rule and hook tables (:func:`update_readme`);
- the rule-options part of ``contracts/schemas/config.json`` (:func:`config_schema`);
- each rule page's metadata header in ``docs/rules/<ID>.md`` (:func:`update_rule_page`).

``python -m observatory_invariants.generate`` rewrites them in a source checkout; ``--check`` only says
which differ (exit 1). tests/test_generated.py fails when a committed file and the declarations disagree.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

from . import registry
from .declare import Hook, Rule
from .layout import DEFAULT_PATHS

REPOSITORY = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=None)
def declarations() -> tuple[tuple[Rule, ...], tuple[Hook, ...]]:
    """(rules, hooks) as the rule modules declare them — the whole-repository hook first."""
    rules, hooks = registry.declared()
    return rules, (registry.WHOLE_REPOSITORY_HOOK, *hooks)


def hook_rules(hook: Hook) -> tuple[str, ...]:
    return tuple(r.id for r in declarations()[0] if hook.id in r.hooks)


def declared_rule(rule_id: str) -> Rule:
    return next(r for r in declarations()[0] if r.id == rule_id)


def option_sections() -> dict[str, list]:
    sections: dict[str, list] = {}
    for rule in declarations()[0]:
        for cls in rule.options:
            if cls not in sections.setdefault(cls.section, []):
                sections[cls.section].append(cls)
    return sections


def rules_using(cls) -> list[str]:
    return [r.id for r in declarations()[0] if cls in r.options]


# --- rule_index.py ---------------------------------------------------------------------------------------

def render_rule_index() -> str:
    import pprint

    rules, hooks = registry.declared()
    rule_rows, hook_rows, _ = registry.index_entries(rules, hooks)
    sections = {name: [f"{c.__module__}:{c.__qualname__}" for c in classes]
                for name, classes in option_sections().items()}
    body = [
        '"""Generated from the rules\' declarations by `python -m observatory_invariants.generate`: what a run',
        "knows of every rule without importing its module (start-up stays cheap; a rule's module, engines and",
        'parsers load only when it runs). Do not edit: tests/test_generated.py fails when this and the declarations',
        'disagree."""',
        "",
        f"RULES = {pprint.pformat(tuple(rule_rows), width=116, sort_dicts=False)}",
        "",
        f"HOOKS = {pprint.pformat(tuple(hook_rows), width=116, sort_dicts=False)}",
        "",
        f"OPTION_SECTIONS = {pprint.pformat(sections, width=116, sort_dicts=False)}",
    ]
    return "\n".join(body) + "\n"


# --- .pre-commit-hooks.yaml ------------------------------------------------------------------------------

def glob_to_regex(glob: str) -> str:
    """A layout glob (``*``, ``**/``, ``?``) as the path regex pre-commit's ``files:`` needs.

    tests/test_generated.py checks it agrees with pathspec's matching of the same glob.
    """
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def hook_files_regex(hook: Hook) -> str | None:
    """The hook's ``files:`` regex; None when only ``types`` select its files."""
    keys = hook.layout_keys if hook.layout_keys is not None else [
        key for rule_id in hook_rules(hook) for key in declared_rule(rule_id).reads]
    globs: list[str] = []
    for key in keys:
        globs.extend(g for g in DEFAULT_PATHS[key] if g not in globs)
    if not globs and not hook.extra_files:
        return None
    globs.extend(g for g in hook.extra_files if g not in globs)
    return "^(?:" + "|".join(glob_to_regex(g) for g in globs) + ")$"


def hook_exclude_regex(hook: Hook) -> str | None:
    globs = [g for key in hook.exclude_keys for g in DEFAULT_PATHS[key]]
    return "^(?:" + "|".join(glob_to_regex(g) for g in globs) + ")$" if globs else None


def hook_entry(hook: Hook) -> str:
    """The command pre-commit runs; file names come after ``--`` so a file named ``--exit-zero`` is a file."""
    words = ["observatory-invariants", "check"]
    if hook.staged:
        words.append("--staged")
    rules = hook_rules(hook)
    if rules:
        words += ["--select", ",".join(rules)]
    if hook.pass_filenames:
        words.append("--")
    return " ".join(words)


def _yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_manifest() -> str:
    lines = ["# Generated from the rules' declarations by", "#   python -m observatory_invariants.generate",
             "# Do not edit by hand: tests/test_generated.py fails when this file and the declarations disagree."]
    for hook in declarations()[1]:
        lines += [f"- id: {hook.id}", f"  name: {_yaml_str(hook.name)}", f"  description: {_yaml_str(hook.description)}",
                  f"  entry: {hook_entry(hook)}", "  language: python"]
        if hook.pass_filenames:
            files = hook_files_regex(hook)
            if files:
                lines.append(f"  files: {_yaml_str(files)}")
            exclude = hook_exclude_regex(hook)
            if exclude:
                lines.append(f"  exclude: {_yaml_str(exclude)}")
            if hook.types:
                lines.append(f"  types: [{', '.join(hook.types)}]")
            if hook.types_or:
                lines.append(f"  types_or: [{', '.join(hook.types_or)}]")
            if hook.always_run:
                lines.append("  always_run: true")
            lines.append("  require_serial: true")
        else:
            lines += ["  pass_filenames: false", "  always_run: true"]
    return "\n".join(lines) + "\n"


# --- README tables ---------------------------------------------------------------------------------------

def hooks_table() -> str:
    lines = ["| Hook id | Rules | Runs on |", "|---|---|---|"]
    for hook in declarations()[1]:
        rules = " ".join(hook_rules(hook)) or "every automated rule"
        if not hook.pass_filenames:
            runs_on = "the whole repository, once per commit (`pass_filenames: false`)"
        else:
            parts = []
            if hook.types:
                parts.append(f"pre-commit `types: [{', '.join(hook.types)}]`")
            if hook_files_regex(hook):
                parts.append("the files its rules read (see `.pre-commit-hooks.yaml`)")
            if hook.exclude_keys:
                parts.append("except what another hook checks for the same rules")
            runs_on = "; ".join(parts)
            if hook.staged:
                runs_on += "; judges the staged change, deletions included (`always_run`)"
        lines.append(f"| `{hook.id}` | {rules} | {runs_on} |")
    return "\n".join(lines) + "\n"


def _replace_block(text: str, name: str, body: str) -> str:
    return re.sub(rf"<!-- {name}:start -->.*<!-- {name}:end -->",
                  lambda _: f"<!-- {name}:start -->\n{body}<!-- {name}:end -->", text, flags=re.S)


def update_readme(text: str) -> str:
    from .config import Config
    from .invariant_map import render_map

    text = _replace_block(text, "rules", render_map(Config(), "markdown"))
    return _replace_block(text, "hooks", hooks_table())


# --- config schema ----------------------------------------------------------------------------------------

def options_section_schema(section: str) -> dict:
    classes = option_sections()[section]
    description = next((c.description for c in classes if c.description), "")
    if not description:
        users = [r for c in classes for r in rules_using(c)]
        description = f"Options of the rules {', '.join(dict.fromkeys(users))}."
    properties: dict = {}
    for cls in classes:
        for f in cls.declared():
            properties[f.metadata["key"]] = {**f.metadata["schema"], "description": f.metadata["help"]}
    return {"type": "object", "additionalProperties": False, "description": description, "properties": properties}


def config_schema(current: dict) -> dict:
    """``current`` (the committed config.json) with every options section regenerated from the declarations.

    Sections keep their place; a new section goes at the end; a section no rule declares any more is dropped.
    """
    sections = option_sections()
    properties = {}
    for key, value in current["properties"].items():
        if key in sections:
            properties[key] = options_section_schema(key)
        elif not (isinstance(value, dict) and value.get("description", "").startswith("Options of the")):
            properties[key] = value
    for key in sections:
        properties.setdefault(key, options_section_schema(key))
    return {**current, "properties": properties}


def render_config_schema(current_text: str) -> str:
    return json.dumps(config_schema(json.loads(current_text)), indent=2, ensure_ascii=False) + "\n"


# --- rule pages ---------------------------------------------------------------------------------------------

_META = re.compile(r"\A.*?<!-- rule-metadata:end -->\n", re.S)


def _source_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _code(value) -> str:
    return "`" + json.dumps(value, ensure_ascii=False).replace("|", "\\|") + "`"


def rule_header(rule: Rule) -> str:
    """The generated top of ``docs/rules/<ID>.md``: title and a metadata table from the declaration."""
    rows = [("Enforcement", f"{rule.enforcement} ({rule.status})")]
    if rule.check:
        check = f"`{_source_path(rule.module)}`"
        adapter = rule.check_target.partition(":")[0]
        if adapter != rule.module:
            check += f" (adapter `{_source_path(adapter)}`)"
        rows.append(("Check", check))
    reads = [g for key in rule.reads for g in DEFAULT_PATHS[key]]
    if reads:
        extra = " (and extension-less files whose `#!` names a shell)" if rule.shebang_scripts else ""
        rows.append(("Reads", ", ".join(f"`{g}`" for g in reads) + extra))
    hooks = [h.id for h in declarations()[1] if h.id in rule.hooks]
    if hooks:
        rows.append(("Hooks", ", ".join(f"`{h}`" for h in hooks) + " (and `observatory-invariants`, the whole-repository hook)"))
    if rule.subrules:
        rows.append(("Sub-rules", "<br>".join(f"`{s.id}` — {s.title}" + ("" if s.default_enabled else " (off by default)")
                                             for s in rule.subrules)))
    by_section: dict[str, list[str]] = {}
    for cls in rule.options:
        defaults = cls().to_section()
        by_section.setdefault(cls.section, []).extend(
            f"`{f.metadata['key']}` = {_code(defaults[f.metadata['key']])} — {f.metadata['help']}" for f in cls.declared())
    for section, lines in by_section.items():
        rows.append((f"Options `[tool.observatory-invariants.{section}]`", "<br>".join(lines)))
    if rule.seed_check:
        rows.append(("Seed check", rule.seed_check))
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return (f"# {rule.id}: {rule.title}\n\n<!-- rule-metadata:start: generated from the rule's declaration by "
            f"`python -m observatory_invariants.generate`; edit the declaration, not this table -->\n"
            f"| | |\n|---|---|\n{table}\n<!-- rule-metadata:end -->\n")


def update_rule_page(rule: Rule, text: str) -> str:
    """The page with its generated header replaced (or put in front of a page that has none)."""
    header = rule_header(rule)
    match = _META.match(text)
    rest = text[match.end():] if match else text
    return header + "\n" + rest.lstrip("\n")


# --- the command -------------------------------------------------------------------------------------------

def outputs(root: Path = REPOSITORY) -> dict[Path, str]:
    """Every generated file's expected content (rule pages only for rules that have one)."""
    out = {root / "observatory_invariants" / "rule_index.py": render_rule_index(),
           root / ".pre-commit-hooks.yaml": render_manifest()}
    readme = root / "README.md"
    out[readme] = update_readme(readme.read_text("utf-8"))
    config = root / "contracts" / "schemas" / "config.json"
    out[config] = render_config_schema(config.read_text("utf-8"))
    for rule in declarations()[0]:
        page = root / "docs" / "rules" / f"{rule.id}.md"
        if page.is_file():
            out[page] = update_rule_page(rule, page.read_text("utf-8"))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check_only = "--check" in args
    stale = []
    for path, content in outputs().items():
        if not path.exists() or path.read_text("utf-8") != content:
            stale.append(path)
            if not check_only:
                path.write_text(content, "utf-8")
    for path in stale:
        print(f"{'stale' if check_only else 'rewrote'}: {path.relative_to(REPOSITORY)}")
    return 1 if check_only and stale else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
