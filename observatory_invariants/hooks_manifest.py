"""Generate ``.pre-commit-hooks.yaml`` from the registry (tests keep the committed file identical).

Run ``python -m observatory_invariants.hooks_manifest > .pre-commit-hooks.yaml`` after changing HOOKS or a
rule's ``reads``.
"""

from __future__ import annotations

import re

from . import registry
from .layout import DEFAULT_PATHS


def glob_to_regex(glob: str) -> str:
    """A layout glob (``*``, ``**/``, ``?``) as the path regex pre-commit's ``files:`` needs.

    tests/test_registry.py checks it agrees with pathspec's matching of the same glob.
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


def hook_files_regex(hook: registry.Hook) -> str | None:
    """The hook's ``files:`` regex; None when only ``types`` select its files."""
    keys = hook.layout_keys if hook.layout_keys is not None else [
        key for rule_id in hook.rules for key in registry.get(rule_id).reads]
    globs: list[str] = []
    for key in keys:
        globs.extend(g for g in DEFAULT_PATHS[key] if g not in globs)
    if not globs and not hook.extra_files:
        return None
    globs.extend(g for g in hook.extra_files if g not in globs)
    return "^(?:" + "|".join(glob_to_regex(g) for g in globs) + ")$"


def _yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_manifest() -> str:
    lines = ["# Generated from observatory_invariants/registry.py by", "#   python -m observatory_invariants.hooks_manifest > .pre-commit-hooks.yaml",
             "# Do not edit by hand: tests/test_registry.py fails when this file and the registry disagree."]
    for hook in registry.HOOKS:
        lines += [f"- id: {hook.id}", f"  name: {_yaml_str(hook.name)}", f"  description: {_yaml_str(hook.description)}",
                  f"  entry: {hook.entry}", "  language: python"]
        if hook.pass_filenames:
            files = hook_files_regex(hook)
            if files:
                lines.append(f"  files: {_yaml_str(files)}")
            if hook.types:
                lines.append(f"  types: [{', '.join(hook.types)}]")
            if hook.types_or:
                lines.append(f"  types_or: [{', '.join(hook.types_or)}]")
            lines.append("  require_serial: true")
        else:
            lines += ["  pass_filenames: false", "  always_run: true"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_manifest(), end="")
