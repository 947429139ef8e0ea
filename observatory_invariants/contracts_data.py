"""Files that ship inside the package but live at the top of the repository.

``contracts/schemas/`` (the tool's own versioned JSON schemas) installs as
``observatory_invariants.contracts`` and ``docs/rules/`` as
``observatory_invariants.rule_docs`` (mapped in pyproject.toml), so the
installed tool validates its config against exactly the file its own C3/C5
rules check. In a source checkout or an editable install the files are read
from the repository itself.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent
_SOURCE_DIRS = {
    "observatory_invariants.contracts": _SOURCE_ROOT / "contracts" / "schemas",
    "observatory_invariants.rule_docs": _SOURCE_ROOT / "docs" / "rules",
}


def read_shipped_text(package: str, name: str) -> str | None:
    """A shipped file's text, or None when there is no such file."""
    from importlib import resources   # here: the run cache reads _SOURCE_DIRS at every start-up

    try:
        return resources.files(package).joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    source = _SOURCE_DIRS[package] / name
    return source.read_text("utf-8") if source.is_file() else None


@lru_cache(maxsize=None)
def load_contract(name: str) -> dict:
    text = read_shipped_text("observatory_invariants.contracts", f"{name}.json")
    if text is None:
        raise FileNotFoundError(f"the tool's own contract {name}.json is missing from the installation")
    return json.loads(text)
