"""YAML for B1–B3 (workflows, compose files, k8s manifests): re-exported from :mod:`observatory_invariants.yamlio`.

Kept so that ``from observatory_invariants.docker.yamldoc import …`` keeps
working; the reading itself (libyaml when available, alias/merge-bomb caps,
line numbers, one parse per file and run) lives in ``yamlio``.
"""

from __future__ import annotations

from ..yamlio import (MAX_DEPTH, MAX_NODES, LineDict, LineList, YamlError, line_of, load, load_all,  # noqa: F401
                      load_one, to_data)

__all__ = ["MAX_DEPTH", "MAX_NODES", "LineDict", "LineList", "YamlError", "line_of", "load", "load_all",
           "load_one", "to_data"]
