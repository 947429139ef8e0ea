"""Regenerate README.md's generated tables from the registry: ``python -m observatory_invariants.readme_tables``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .config import Config
from .invariant_map import render_map


def hooks_table() -> str:
    from . import registry
    from .hooks_manifest import hook_files_regex

    lines = ["| Hook id | Rules | Runs on |", "|---|---|---|"]
    for hook in registry.HOOKS:
        rules = " ".join(hook.rules) or "every automated rule"
        if not hook.pass_filenames:
            runs_on = "the whole repository, once per commit (`pass_filenames: false`)"
        else:
            parts = []
            if hook.types:
                parts.append(f"pre-commit `types: [{', '.join(hook.types)}]`")
            if hook_files_regex(hook):
                parts.append("the files its rules read (see `.pre-commit-hooks.yaml`)")
            runs_on = "; ".join(parts)
            if hook.staged:
                runs_on += "; compares with HEAD"
        lines.append(f"| `{hook.id}` | {rules} | {runs_on} |")
    return "\n".join(lines) + "\n"


def _replace(text: str, name: str, body: str) -> str:
    return re.sub(rf"<!-- {name}:start -->.*<!-- {name}:end -->",
                  lambda _: f"<!-- {name}:start -->\n{body}<!-- {name}:end -->", text, flags=re.S)


def update_readme(text: str) -> str:
    text = _replace(text, "rules", render_map(Config(), "markdown"))
    return _replace(text, "hooks", hooks_table())


if __name__ == "__main__":  # pragma: no cover
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(update_readme(path.read_text("utf-8")), "utf-8")
