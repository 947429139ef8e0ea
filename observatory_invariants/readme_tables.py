"""Regenerate README.md's generated tables from the registry: ``python -m observatory_invariants.readme_tables``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .config import Config
from .invariant_map import render_map


def update_readme(text: str) -> str:
    table = render_map(Config(), "markdown")
    return re.sub(r"<!-- rules:start -->.*<!-- rules:end -->",
                  lambda _: "<!-- rules:start -->\n" + table + "<!-- rules:end -->", text, flags=re.S)


if __name__ == "__main__":  # pragma: no cover
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(update_readme(path.read_text("utf-8")), "utf-8")
