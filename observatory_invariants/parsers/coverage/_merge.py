"""Per-file line data kept compact until the end of a report, so a file named twice is merged by line.

LCOV (one record per test) and Cobertura (one class per Java class, several per file) may name a
file more than once; the native tools merge those by line number. Keeping a dict per line for a
50 MB report costs hundreds of MB, so each finished record is packed into arrays (8 bytes a line)
and unpacked only when its file comes back.
"""

from __future__ import annotations

from array import array

from .model import Counter

_LIMIT = (1 << 63) - 1


def _pack_lines(lines: dict[int, bool]):
    keys = sorted(lines)
    if keys and keys[-1] > _LIMIT:
        return dict(lines)  # absurd line numbers: keep the dict (still correct, just not compact)
    return array("q", keys), bytes(1 if lines[k] else 0 for k in keys)


def _pack_branches(branches: dict):
    if all(type(k) is int and 0 <= k <= _LIMIT and v[1] <= _LIMIT for k, v in branches.items()):
        keys = sorted(branches)
        return (array("q", keys), array("q", (branches[k][0] for k in keys)),
                array("q", (branches[k][1] for k in keys)))
    return dict(branches)


def _unpack_branches(packed) -> dict:
    if isinstance(packed, dict):
        return dict(packed)
    keys, covered, totals = packed
    return {k: (c, t) for k, c, t in zip(keys, covered, totals)}


def _branch_counter(packed) -> Counter:
    if isinstance(packed, dict):
        return Counter(sum(c for c, _ in packed.values()), sum(t for _, t in packed.values()))
    return Counter(sum(packed[1]), sum(packed[2]))


def _unpack_lines(packed) -> dict[int, bool]:
    if isinstance(packed, dict):
        return dict(packed)
    keys, hits = packed
    return {k: bool(h) for k, h in zip(keys, hits)}


class FileTable:
    """Accumulates, per path: lines (hit or not), branch outcomes ``key -> (covered, total)``, functions
    ``name -> hit``. Adding a path twice merges: a line or function is hit if either says so; a branch key
    keeps the larger covered and total."""

    def __init__(self) -> None:
        self._files: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def add(self, path: str, lines: dict[int, bool], branches: dict | None, functions: dict | None) -> None:
        """Branch keys that are ints (packed by the caller) are stored as arrays; others as a dict."""
        old = self._files.get(path)
        if old is not None:
            merged = _unpack_lines(old[0])
            for k, v in lines.items():
                merged[k] = merged.get(k, False) or v
            lines = merged
            if old[1] is not None:
                base = _unpack_branches(old[1])
                for k, (c, t) in (branches or {}).items():
                    oc, ot = base.get(k, (0, 0))
                    base[k] = (max(c, oc), max(t, ot))
                branches = base
            if old[2] is not None:
                base_f = dict(old[2])
                for k, v in (functions or {}).items():
                    base_f[k] = base_f.get(k, False) or v
                functions = base_f
        self._files[path] = (_pack_lines(lines), None if branches is None else _pack_branches(branches),
                             None if functions is None else dict(functions))

    def items(self):
        """``(path, lines, branches, functions)`` counters per path, in first-seen order."""
        for path, (packed, branches, functions) in self._files.items():
            if isinstance(packed, dict):
                line_counter = Counter(sum(1 for v in packed.values() if v), len(packed))
            else:
                line_counter = Counter(sum(packed[1]), len(packed[0]))
            branch_counter = None if branches is None else _branch_counter(branches)
            function_counter = None if functions is None else Counter(sum(1 for v in functions.values() if v),
                                                                      len(functions))
            yield path, line_counter, branch_counter, function_counter
