#!/usr/bin/env python3
"""Ecosystem check: run observatory-invariants on real public repositories and compare with a judged snapshot.

In the style of ruff's ecosystem check and mypy_primer. ``corpus.toml`` lists public repositories at pinned
commits; each is materialised from a local git mirror into a cache outside this project (a git repository whose
tracked files equal the upstream commit's), the tool runs on it with the default config, and every
**error** finding is compared with ``snapshot.json``, where each one carries a verdict written by a person:
``real`` | ``false-alarm`` | ``policy`` | ``unjudged`` and a one-line reason.

Sub-commands (``check`` is the default)::

    run.py [check] [--only NAME ...] [--tool CMD] [--update] [--json] ...   run, compare, print the tables
    run.py judge [filters] [--verdict V --reason TEXT]                      list / apply verdicts by pattern
    run.py report [--snapshot S] [--findings F]                             markdown tables of a judged snapshot
    run.py materialise [--only NAME ...]                                    only prepare the cached checkouts

Exit status of ``check``: 0 no new error findings; 1 new (so unjudged) error findings; 2 usage error, a
mirror or commit missing, or the tool failed / timed out on a repository.

Standard library only; Python >= 3.10. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE / "corpus.toml"
DEFAULT_SNAPSHOT = HERE / "snapshot.json"
DEFAULT_CACHE = "/work/.ecosystem-cache"
DEFAULT_MIRRORS = "/work/.mirror"
DEFAULT_TIMEOUT = 600.0

VERDICTS = ("real", "false-alarm", "policy", "unjudged")
JUDGED = ("real", "false-alarm", "policy")
SEVERITIES = ("error", "warning", "note")
SNAPSHOT_FORMAT = 1
MARKER = "ecosystem.json"  # inside the cached checkout's .git: what it was materialised from

EXIT_OK, EXIT_NEW, EXIT_ERROR = 0, 1, 2


class EcosystemError(Exception):
    """A problem with the corpus, a mirror or the cache: reported, never a traceback."""


# --------------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CorpusRepo:
    name: str
    repo: str
    commit: str
    why: str
    mirror: str | None = None

    def mirror_dir(self, mirrors: Path) -> Path:
        if self.mirror:
            path = Path(self.mirror)
            return path if path.is_absolute() else mirrors / path
        return mirrors / self.repo.replace("/", "+") / "repo"


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_KEY_LINE = re.compile(r'^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*("(?:[^"\\]|\\.)*")\s*(?:#.*)?$')


def _parse_toml_subset(text: str) -> dict[str, Any]:
    """The subset of TOML corpus.toml uses: comments, ``[[repo]]`` headers and ``key = "basic string"``."""
    tables: list[dict[str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.fullmatch(r"\[\[\s*repo\s*\]\](\s*#.*)?", line):
            tables.append({})
            continue
        match = _KEY_LINE.match(line)
        if not match or not tables:
            raise EcosystemError(f"corpus line {number}: expected [[repo]] or key = \"string\": {raw!r}")
        key, literal = match.groups()
        try:
            value = json.loads(literal)  # TOML basic strings use JSON's escapes for what we need (\" \\ \n \t \uXXXX)
        except ValueError as exc:
            raise EcosystemError(f"corpus line {number}: bad string {literal}: {exc}") from None
        if key in tables[-1]:
            raise EcosystemError(f"corpus line {number}: duplicate key {key!r}")
        tables[-1][key] = value
    return {"repo": tables}


def parse_corpus(text: str) -> list[CorpusRepo]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - exercised on 3.10
        data = _parse_toml_subset(text)
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise EcosystemError(f"corpus: {exc}") from None
    entries = data.get("repo")
    if not isinstance(entries, list) or not entries:
        raise EcosystemError("corpus: no [[repo]] tables")
    repos: list[CorpusRepo] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise EcosystemError(f"corpus: [[repo]] #{index} is not a table")
        unknown = set(entry) - {"name", "repo", "commit", "why", "mirror"}
        if unknown:
            raise EcosystemError(f"corpus: [[repo]] #{index}: unknown key(s) {sorted(unknown)}")
        for key in ("name", "repo", "commit", "why"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise EcosystemError(f"corpus: [[repo]] #{index}: missing or empty {key!r}")
        name, commit = entry["name"], entry["commit"].lower()
        if not _NAME_RE.match(name):
            raise EcosystemError(f"corpus: bad name {name!r}")
        if name in seen:
            raise EcosystemError(f"corpus: duplicate name {name!r}")
        if not _REPO_RE.match(entry["repo"]):
            raise EcosystemError(f"corpus: {name}: repo must be owner/name, not {entry['repo']!r}")
        if not _COMMIT_RE.match(commit):
            raise EcosystemError(f"corpus: {name}: commit must be 40 hex digits, not {entry['commit']!r}")
        seen.add(name)
        repos.append(CorpusRepo(name, entry["repo"], commit, entry["why"].strip(), entry.get("mirror")))
    return repos


def load_corpus(path: Path) -> list[CorpusRepo]:
    try:
        return parse_corpus(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EcosystemError(f"cannot read corpus {path}: {exc}") from None


def select_repos(corpus: Sequence[CorpusRepo], only: Sequence[str] | None) -> list[CorpusRepo]:
    if not only:
        return list(corpus)
    wanted = [n for item in only for n in item.split(",") if n]
    names = {r.name for r in corpus}
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise EcosystemError(f"--only: unknown repository name(s) {unknown}; known: {sorted(names)}")
    return [r for r in corpus if r.name in set(wanted)]


# --------------------------------------------------------------------------------------------------
# Materialising a pinned commit from a mirror
# --------------------------------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="ecosystem",
        GIT_AUTHOR_EMAIL="ecosystem@invalid",
        GIT_COMMITTER_NAME="ecosystem",
        GIT_COMMITTER_EMAIL="ecosystem@invalid",
        GIT_AUTHOR_DATE="2000-01-01T00:00:00Z",
        GIT_COMMITTER_DATE="2000-01-01T00:00:00Z",
    )
    return env


def _git(args: Sequence[str], *, cwd: Path | None = None, git_dir: Path | None = None,
         stdin: bytes | None = None) -> bytes:
    cmd = ["git"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    cmd += ["-c", "core.hooksPath=" + os.devnull, "-c", "core.fsmonitor=false", *args]
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, env=_git_env())
    if proc.returncode != 0:
        raise EcosystemError(f"git {' '.join(args[:3])} failed ({proc.returncode}): "
                             f"{proc.stderr.decode(errors='replace').strip()[:500]}")
    return proc.stdout


@dataclasses.dataclass
class Checkout:
    path: Path
    reused: bool
    dropped: list[str]  # tracked upstream, but the mirror lacks the blob (>= 4 MiB, LFS): not in this checkout
    seconds: float


def _read_marker(dest: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((dest / ".git" / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def materialise(repo: CorpusRepo, cache: Path, mirrors: Path) -> Checkout:
    """Make ``cache/<name>`` a git repository whose tracked files equal ``repo.commit``'s (minus absent blobs)."""
    start = time.monotonic()
    dest = cache / repo.name
    marker = _read_marker(dest)
    if marker and marker.get("commit") == repo.commit and (dest / ".git" / "HEAD").is_file():
        try:
            _git(["rev-parse", "--verify", "-q", "HEAD"], cwd=dest)
        except EcosystemError:
            pass
        else:
            return Checkout(dest, True, list(marker.get("dropped", [])), time.monotonic() - start)
    mirror = repo.mirror_dir(mirrors)
    if not (mirror / "objects").is_dir():
        raise EcosystemError(f"{repo.name}: no git mirror at {mirror} (fetch github:{repo.repo})")
    try:
        _git(["cat-file", "-e", repo.commit + "^{commit}"], git_dir=mirror)
    except EcosystemError:
        raise EcosystemError(f"{repo.name}: mirror {mirror} lacks commit {repo.commit}") from None
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{repo.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    _git(["init", "-q", str(tmp)])
    (tmp / ".git" / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (tmp / ".git" / "objects" / "info" / "alternates").write_text(str((mirror / "objects").resolve()) + "\n")
    _git(["read-tree", repo.commit], cwd=tmp)
    entries = _git(["ls-files", "-s", "-z"], cwd=tmp).split(b"\0")
    blobs: dict[str, list[bytes]] = defaultdict(list)
    for entry in entries:
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, sha, _stage = meta.decode().split()
        if mode != "160000":  # gitlinks (submodules) stay in the index, as upstream has them
            blobs[sha].append(path)
    dropped: list[bytes] = []
    if blobs:
        out = _git(["cat-file", "--batch-check"], cwd=tmp, stdin="".join(s + "\n" for s in blobs).encode())
        for line in out.decode().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == "missing":
                dropped.extend(blobs[parts[0]])
    if dropped:
        _git(["update-index", "--force-remove", "-z", "--stdin"], cwd=tmp, stdin=b"\0".join(dropped) + b"\0")
    _git(["checkout-index", "-a", "-f"], cwd=tmp)
    tree = _git(["write-tree"], cwd=tmp).decode().strip()
    message = f"{repo.repo}@{repo.commit} (materialised by the ecosystem check)"
    commit = _git(["commit-tree", tree, "-m", message], cwd=tmp).decode().strip()
    _git(["update-ref", "HEAD", commit], cwd=tmp)
    dropped_names = sorted(p.decode(errors="surrogateescape") for p in dropped)
    (tmp / ".git" / MARKER).write_text(json.dumps(
        {"repo": repo.repo, "commit": repo.commit, "mirror": str(mirror), "dropped": dropped_names}, indent=1))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return Checkout(dest, False, dropped_names, time.monotonic() - start)


# --------------------------------------------------------------------------------------------------
# Running the tool
# --------------------------------------------------------------------------------------------------


def default_tool() -> list[str]:
    # -P (3.11+): do not put the scanned repository (the cwd) first on sys.path, where a top-level
    # yaml/ or json.py of the corpus could shadow the tool's imports.
    return [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "observatory_invariants"]


@dataclasses.dataclass
class ToolRun:
    status: str  # ok | timeout | failed
    seconds: float
    returncode: int | None
    findings: list[dict[str, Any]]
    stderr: str = ""


def run_tool(tool: Sequence[str], root: Path, timeout: float) -> ToolRun:
    cmd = [*tool, "check", "--format", "json", "--exit-zero", "--root", str(root)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return ToolRun("timeout", time.monotonic() - start, None, [], _tail(exc.stderr))
    except OSError as exc:
        return ToolRun("failed", time.monotonic() - start, None, [], str(exc))
    seconds = time.monotonic() - start
    stderr = _tail(proc.stderr)
    try:
        report = json.loads(proc.stdout.decode("utf-8", errors="replace"))
        raw = report["findings"]
        if not isinstance(raw, list):
            raise TypeError("findings is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        return ToolRun("failed", seconds, proc.returncode, [], f"no JSON report ({exc}); stderr: {stderr}")
    if proc.returncode not in (0, 1):
        return ToolRun("failed", seconds, proc.returncode, [], stderr)
    findings = [
        {
            "rule": str(f.get("rule")),
            "severity": str(f.get("severity")),
            "path": str(f.get("path")),
            "line": f.get("line"),
            "column": f.get("column"),
            "message": str(f.get("message")),
        }
        for f in raw
        if isinstance(f, dict)
    ]
    return ToolRun("ok", seconds, proc.returncode, findings, stderr)


def _tail(data: bytes | str | None, limit: int = 2000) -> str:
    if not data:
        return ""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.strip()[-limit:]


# --------------------------------------------------------------------------------------------------
# Fingerprints, comparison, precision (pure)
# --------------------------------------------------------------------------------------------------

# Line/column references inside messages ("line 12", "lines 3-5", "Dockerfile:14", "at 12:3") shift when a
# file is edited above them; they are not part of a finding's identity.
_LINE_WORDS = re.compile(r"\b(lines?|col(?:umn)?s?|ln)\s*#?\s*\d+(?:\s*(?:-|–|to|,|and)\s*\d+)*", re.I)
_PATH_LINE = re.compile(r"(?<=[A-Za-z0-9_)\]'\"`])(?::\d+){1,2}\b")
_SPACES = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    text = _LINE_WORDS.sub(lambda m: m.group(1).lower() + " N", message)
    text = _PATH_LINE.sub(":N", text)
    return _SPACES.sub(" ", text).strip()


def _sort_key(finding: dict[str, Any]) -> tuple:
    line = finding.get("line")
    column = finding.get("column")
    return (line if isinstance(line, int) else 0, column if isinstance(column, int) else 0, finding.get("message", ""))


def fingerprint_findings(repo: str, findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return copies of ``findings`` with ``repo`` and a ``fingerprint``: stable across runs and line shifts.

    fingerprint = sha1(repo, rule, path, message without line numbers)[:16] + ":" + occurrence index, where the
    index numbers findings with the same key in file order (so two identical messages in one file stay apart).
    """
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        key = (str(finding["rule"]), str(finding["path"]), normalise_message(str(finding["message"])))
        groups[key].append(finding)
    out: list[dict[str, Any]] = []
    for (rule, path, norm), members in groups.items():
        digest = hashlib.sha1("\0".join((repo, rule, path, norm)).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        for index, finding in enumerate(sorted(members, key=_sort_key)):
            item = dict(finding)
            item["repo"] = repo
            item["fingerprint"] = f"{digest}:{index}"
            out.append(item)
    out.sort(key=finding_order)
    return out


def finding_order(f: dict[str, Any]) -> tuple:
    line = f.get("line")
    return (f.get("repo", ""), f.get("path", ""), line if isinstance(line, int) else 0, f.get("rule", ""),
            f.get("fingerprint", ""))


def rule_family(rule: str) -> str:
    return rule.split(".", 1)[0]


def rule_matches(rule: str, selector: str) -> bool:
    """``X3`` selects X3 and X3.*; ``B2.missing-source`` selects itself (and deeper sub-rules)."""
    return rule == selector or rule.startswith(selector + ".")


@dataclasses.dataclass
class Comparison:
    current: list[dict[str, Any]]  # current error findings, each with the snapshot's verdict/reason (or unjudged)
    new: list[dict[str, Any]]  # not in the snapshot
    vanished: list[dict[str, Any]]  # in the snapshot (for the repositories compared), not found now


def compare(current_errors: Sequence[dict[str, Any]], snapshot_findings: Sequence[dict[str, Any]],
            repos: Iterable[str]) -> Comparison:
    scope = set(repos)
    known = {f["fingerprint"]: f for f in snapshot_findings if f.get("repo") in scope}
    seen: set[str] = set()
    current: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for finding in current_errors:
        item = dict(finding)
        old = known.get(item["fingerprint"])
        seen.add(item["fingerprint"])
        if old is None:
            item["verdict"], item["reason"] = "unjudged", ""
            new.append(item)
        else:
            item["verdict"], item["reason"] = old.get("verdict", "unjudged"), old.get("reason", "")
        current.append(item)
    vanished = [f for fp, f in known.items() if fp not in seen]
    vanished.sort(key=finding_order)
    return Comparison(current, new, vanished)


@dataclasses.dataclass
class Cell:
    errors: int = 0
    real: int = 0
    false_alarm: int = 0
    policy: int = 0
    unjudged: int = 0

    def add(self, verdict: str) -> None:
        self.errors += 1
        if verdict == "real":
            self.real += 1
        elif verdict == "false-alarm":
            self.false_alarm += 1
        elif verdict == "policy":
            self.policy += 1
        else:
            self.unjudged += 1

    @property
    def judged(self) -> int:
        return self.real + self.false_alarm + self.policy

    @property
    def precision(self) -> float | None:
        """real / (errors judged); None when nothing is judged."""
        return self.real / self.judged if self.judged else None

    def as_dict(self) -> dict[str, Any]:
        return {"errors": self.errors, "judged": self.judged, "real": self.real, "false_alarm": self.false_alarm,
                "policy": self.policy, "unjudged": self.unjudged, "precision": self.precision}


def precision_table(findings: Iterable[dict[str, Any]], *, by: str = "family") -> dict[tuple[str, str], Cell]:
    """(repo, rule) -> Cell over error findings with verdicts. ``by``: 'family' (X3) or 'rule' (X3.unc-path)."""
    table: dict[tuple[str, str], Cell] = defaultdict(Cell)
    for f in findings:
        rule = rule_family(f["rule"]) if by == "family" else f["rule"]
        table[(f["repo"], rule)].add(f.get("verdict", "unjudged"))
    return dict(table)


def rule_totals(table: dict[tuple[str, str], Cell]) -> dict[str, Cell]:
    totals: dict[str, Cell] = defaultdict(Cell)
    for (_repo, rule), cell in table.items():
        total = totals[rule]
        for field in ("errors", "real", "false_alarm", "policy", "unjudged"):
            setattr(total, field, getattr(total, field) + getattr(cell, field))
    return dict(totals)


def overall(table: dict[tuple[str, str], Cell]) -> Cell:
    total = Cell()
    for cell in table.values():
        for field in ("errors", "real", "false_alarm", "policy", "unjudged"):
            setattr(total, field, getattr(total, field) + getattr(cell, field))
    return total


def _rule_sort_key(rule: str) -> tuple:
    m = re.match(r"([A-Z])(\d+)([a-z]?)(.*)", rule)
    return (m.group(1), int(m.group(2)), m.group(3), m.group(4)) if m else (rule, 0, "", "")


def format_precision(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.0f}%"


def format_table(table: dict[tuple[str, str], Cell], repos_order: Sequence[str]) -> str:
    """Long form: one row per repo x rule with errors, judged, real, false alarm, policy, unjudged, precision."""
    rows = [("repo", "rule", "errors", "judged", "real", "false-alarm", "policy", "unjudged", "precision")]
    order = {name: i for i, name in enumerate(repos_order)}
    for (repo, rule), c in sorted(table.items(), key=lambda kv: (order.get(kv[0][0], 1 << 30), kv[0][0],
                                                                 _rule_sort_key(kv[0][1]))):
        rows.append((repo, rule, str(c.errors), str(c.judged), str(c.real), str(c.false_alarm), str(c.policy),
                     str(c.unjudged), format_precision(c.precision)))
    return _columns(rows)


def format_totals(totals: dict[str, Cell], title: str = "rule") -> str:
    rows = [(title, "errors", "judged", "real", "false-alarm", "policy", "unjudged", "precision")]
    for rule in sorted(totals, key=lambda r: (r == "ALL", _rule_sort_key(r))):
        c = totals[rule]
        rows.append((rule, str(c.errors), str(c.judged), str(c.real), str(c.false_alarm), str(c.policy),
                     str(c.unjudged), format_precision(c.precision)))
    return _columns(rows)


def _columns(rows: Sequence[Sequence[str]]) -> str:
    """Plain-text table: the first two columns left-aligned, the others right-aligned, a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def severity_counts(findings: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {s: Counter() for s in SEVERITIES}
    for f in findings:
        counts.setdefault(f["severity"], Counter())[f["rule"]] += 1
    return {sev: dict(sorted(c.items(), key=lambda kv: _rule_sort_key(kv[0]))) for sev, c in counts.items()}


# "Shape" of a message, to list findings by class: quoted text, paths and numbers become placeholders.
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|«[^»]*»")
_PATHISH = re.compile(r"(?<![\w$])(?:[\w.@+-]+/)+[\w.@+*-]+")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)*\b")


def message_shape(message: str) -> str:
    text = _QUOTED.sub("'…'", message)
    text = _PATHISH.sub("PATH", text)
    text = _NUMBER.sub("N", text)
    return _SPACES.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------------
# Snapshot files
# --------------------------------------------------------------------------------------------------

SNAPSHOT_FIELDS = ("repo", "rule", "path", "line", "column", "message", "fingerprint", "verdict", "reason")


def empty_snapshot() -> dict[str, Any]:
    return {"format": SNAPSHOT_FORMAT, "corpus": {}, "counts": {}, "findings": []}


def load_snapshot(path: Path) -> dict[str, Any]:
    if not path.exists():
        return empty_snapshot()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EcosystemError(f"cannot read snapshot {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or not isinstance(data.get("findings"), list):
        raise EcosystemError(f"{path}: not an ecosystem snapshot (format {SNAPSHOT_FORMAT})")
    for f in data["findings"]:
        if f.get("verdict") not in VERDICTS:
            raise EcosystemError(f"{path}: finding {f.get('fingerprint')} has verdict {f.get('verdict')!r}; "
                                 f"expected one of {VERDICTS}")
    return data


def dump_json_lines(data: dict[str, Any], list_key: str) -> str:
    """JSON with one object per line in ``data[list_key]``: small, and diffs show one finding per changed line."""
    head = {k: v for k, v in data.items() if k != list_key}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, sort_keys=False)},")
    items = data.get(list_key) or []
    lines.append(f" {json.dumps(list_key)}: [")
    lines.extend("  " + json.dumps(item, ensure_ascii=False) + ("," if i < len(items) - 1 else "")
                 for i, item in enumerate(items))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dump_findings_file(out: dict[str, Any]) -> str:
    """The --save-findings file: per repository its run metadata and every finding, one finding per line."""
    blocks = []
    for name, repo in out["repos"].items():
        meta = "".join(f"   {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n"
                       for k, v in repo.items() if k != "findings")
        body = ",\n".join("    " + json.dumps(f, ensure_ascii=False) for f in repo["findings"])
        blocks.append(f"  {json.dumps(name)}: {{\n{meta}   \"findings\": [\n{body}\n   ]\n  }}")
    return ("{\n" + f' "format": {out["format"]},\n "tool": {json.dumps(out["tool"])},\n "repos": {{\n'
            + ",\n".join(blocks) + "\n }\n}\n")


def dump_snapshot(data: dict[str, Any], path: Path) -> None:
    data = dict(data)
    data["findings"] = sorted(({k: f.get(k) for k in SNAPSHOT_FIELDS} for f in data["findings"]), key=finding_order)
    data["corpus"] = dict(sorted(data.get("corpus", {}).items()))
    data["counts"] = dict(sorted(data.get("counts", {}).items()))
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dump_json_lines(data, "findings"), encoding="utf-8")
    tmp.replace(path)


def updated_snapshot(snapshot: dict[str, Any], comparison: Comparison, results: dict[str, dict[str, Any]],
                     corpus: Sequence[CorpusRepo]) -> dict[str, Any]:
    """Replace the entries of the repositories in ``results`` with the current run, keeping verdicts by fingerprint."""
    names = {r.name for r in corpus}
    commits = {r.name: r.commit for r in corpus}
    data = {"format": SNAPSHOT_FORMAT, "corpus": dict(snapshot.get("corpus", {})),
            "counts": dict(snapshot.get("counts", {})), "findings": []}
    data["findings"] = [f for f in snapshot["findings"] if f.get("repo") not in results and f.get("repo") in names]
    data["findings"].extend(comparison.current)
    for name, result in results.items():
        data["corpus"][name] = commits[name]
        data["counts"][name] = {sev: counts for sev, counts in result["counts"].items() if sev != "error"}
    data["corpus"] = {k: v for k, v in data["corpus"].items() if k in names}
    data["counts"] = {k: v for k, v in data["counts"].items() if k in names}
    return data


# --------------------------------------------------------------------------------------------------
# Reading a flagged line (judge --source-regex / --show)
# --------------------------------------------------------------------------------------------------


def read_source_line(cache: Path, finding: dict[str, Any]) -> str | None:
    line = finding.get("line")
    if not isinstance(line, int) or line < 1:
        return None
    path = cache / finding["repo"] / finding["path"]
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    return lines[line - 1] if line <= len(lines) else None


# --------------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------------


def _fmt_finding(f: dict[str, Any]) -> str:
    loc = f"{f['path']}:{f['line']}" if f.get("line") else f["path"]
    verdict = f" [{f['verdict']}]" if f.get("verdict") and f["verdict"] != "unjudged" else ""
    return f"  {f['repo']}: {loc}: {f['rule']} {f['message']}{verdict}"


def cmd_check(args: argparse.Namespace) -> int:
    corpus = load_corpus(Path(args.corpus))
    repos = select_repos(corpus, args.only)
    snapshot_path = Path(args.snapshot)
    snapshot = load_snapshot(snapshot_path)
    cache, mirrors = Path(args.cache), Path(args.mirrors)
    tool = shlex.split(args.tool) if args.tool else default_tool()
    log = (lambda msg: print(msg, file=sys.stderr)) if not args.quiet else (lambda msg: None)

    saved: dict[str, Any] = {}
    if args.from_findings:
        try:
            saved = json.loads(Path(args.from_findings).read_text(encoding="utf-8"))["repos"]
        except (OSError, ValueError, KeyError) as exc:
            raise EcosystemError(f"cannot read --from-findings {args.from_findings}: {exc}") from None

    results: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    all_errors: list[dict[str, Any]] = []
    for repo in repos:
        if args.from_findings:
            entry = saved.get(repo.name)
            if entry is None or entry.get("commit") != repo.commit:
                failures.append(f"{repo.name}: not in {args.from_findings} at commit {repo.commit}")
                continue
            findings = entry["findings"]
            result = {k: entry.get(k) for k in ("commit", "status", "tool_seconds", "checkout_seconds", "dropped")}
        else:
            try:
                checkout = materialise(repo, cache, mirrors)
            except EcosystemError as exc:
                failures.append(str(exc))
                log(f"[{repo.name}] {exc}")
                continue
            log(f"[{repo.name}] {'cached' if checkout.reused else 'materialised'} {repo.commit[:12]} "
                f"({checkout.seconds:.1f}s, {len(checkout.dropped)} blob(s) absent); running the tool…")
            run = run_tool(tool, checkout.path, args.timeout)
            log(f"[{repo.name}] {run.status} in {run.seconds:.1f}s: {len(run.findings)} finding(s)")
            if run.status != "ok":
                failures.append(f"{repo.name}: tool {run.status} (exit {run.returncode}): {run.stderr[-500:]}")
                continue
            findings = run.findings
            result = {"commit": repo.commit, "status": run.status, "tool_seconds": round(run.seconds, 2),
                      "checkout_seconds": round(checkout.seconds, 2), "dropped": checkout.dropped}
        fingerprinted = fingerprint_findings(repo.name, findings)
        result["findings"] = fingerprinted
        result["counts"] = severity_counts(fingerprinted)
        results[repo.name] = result
        all_errors.extend(f for f in fingerprinted if f["severity"] == "error")

    errors_only = [{k: f.get(k) for k in ("repo", "rule", "path", "line", "column", "message", "fingerprint")}
                   for f in all_errors]
    comparison = compare(errors_only, snapshot["findings"], results)

    if args.save_findings:
        out = {"format": SNAPSHOT_FORMAT, "tool": " ".join(tool), "repos": {
            name: {**{k: v for k, v in r.items() if k not in ("counts",)},
                   "findings": [{k: f.get(k) for k in ("rule", "severity", "path", "line", "column", "message",
                                                       "fingerprint")} for f in r["findings"]]}
            for name, r in results.items()}}
        text = dump_findings_file(out)
        Path(args.save_findings).write_text(text, encoding="utf-8")
        log(f"wrote {args.save_findings}")

    if args.update:
        dump_snapshot(updated_snapshot(snapshot, comparison, results, corpus), snapshot_path)
        log(f"updated {snapshot_path}: {len(comparison.new)} new finding(s) marked unjudged, "
            f"{len(comparison.vanished)} vanished finding(s) dropped")

    table = precision_table(comparison.current)
    sub_table = precision_table(comparison.current, by="rule")
    code = EXIT_ERROR if failures else (EXIT_NEW if comparison.new and not args.update else EXIT_OK)
    if args.json:
        print(json.dumps(_json_report(repos, results, comparison, table, sub_table, failures, code),
                         indent=1, ensure_ascii=False))
        return code
    _print_report(repos, results, comparison, table, sub_table, failures, args.max_list)
    return code


def _json_report(repos, results, comparison, table, sub_table, failures, code) -> dict[str, Any]:
    return {
        "exit": code,
        "failures": failures,
        "repos": [{"name": r.name, "repo": r.repo, "commit": r.commit,
                   **({k: results[r.name].get(k) for k in ("status", "tool_seconds", "checkout_seconds")}
                      if r.name in results else {"status": "not-run"}),
                   "counts": results[r.name]["counts"] if r.name in results else None,
                   "absent_blobs": len(results[r.name].get("dropped") or []) if r.name in results else None}
                  for r in repos],
        "new": comparison.new,
        "vanished": comparison.vanished,
        "table": [{"repo": repo, "rule": rule, **c.as_dict()} for (repo, rule), c in sorted(table.items())],
        "rules": {rule: c.as_dict() for rule, c in sorted(rule_totals(table).items())},
        "sub_rules": {rule: c.as_dict() for rule, c in sorted(rule_totals(sub_table).items())},
        "overall": overall(table).as_dict(),
    }


def _print_report(repos, results, comparison, table, sub_table, failures, max_list) -> None:
    def listing(title: str, items: list[dict[str, Any]]) -> None:
        print(f"\n## {title}: {len(items)}")
        for f in items[:max_list]:
            print(_fmt_finding(f))
        if len(items) > max_list:
            print(f"  … and {len(items) - max_list} more (--max-list, or --json)")

    listing("New error findings (not in the snapshot; judge them)", comparison.new)
    listing("Vanished error findings (in the snapshot, not found now)", comparison.vanished)
    print("\n## Error findings: repo x rule (precision = real / judged)")
    print(format_table(table, [r.name for r in repos]) if table else "  (none)")
    print("\n## Per rule")
    totals = rule_totals(table)
    all_cell = overall(table)
    print(format_totals({**totals, "ALL": all_cell}) if totals else "  (none)")
    print("\n## Per sub-rule")
    print(format_totals(rule_totals(sub_table), "sub-rule") if sub_table else "  (none)")
    print("\n## Warnings and notes (counted, not judged)")
    lines = []
    for sev in ("warning", "note"):
        total: Counter = Counter()
        for r in results.values():
            total.update(r["counts"].get(sev, {}))
        if total:
            lines.append(f"  {sev}: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items(),
                                                                                key=lambda kv: _rule_sort_key(kv[0]))))
    print("\n".join(lines) or "  (none)")
    print("\n## Timings")
    rows = [("repo", "commit", "checkout s", "tool s", "errors", "warnings", "notes", "absent blobs")]
    for r in repos:
        if r.name not in results:
            rows.append((r.name, r.commit[:12], "-", "-", "-", "-", "-", "-"))
            continue
        res = results[r.name]
        n = {sev: sum(res["counts"].get(sev, {}).values()) for sev in SEVERITIES}
        rows.append((r.name, r.commit[:12], _num(res.get("checkout_seconds")), _num(res.get("tool_seconds")),
                     str(n["error"]), str(n["warning"]), str(n["note"]), str(len(res.get("dropped") or []))))
    print(_columns(rows))
    tool_total = sum(float(r.get("tool_seconds") or 0) for r in results.values())
    print(f"  total tool time {tool_total:.1f}s over {len(results)} repositories")
    if failures:
        print("\n## FAILURES")
        for failure in failures:
            print(f"  {failure}")


def _num(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}"


# --------------------------------------------------------------------------------------------------
# judge
# --------------------------------------------------------------------------------------------------


def filter_findings(findings: Iterable[dict[str, Any]], *, repos: Sequence[str] = (), rules: Sequence[str] = (),
                    path_regex: str | None = None, message_regex: str | None = None,
                    fingerprints: Sequence[str] = (), verdicts: Sequence[str] = (),
                    lines: Sequence[int] = (), source_regex: str | None = None,
                    cache: Path | None = None) -> list[dict[str, Any]]:
    path_re = re.compile(path_regex) if path_regex else None
    msg_re = re.compile(message_regex) if message_regex else None
    src_re = re.compile(source_regex) if source_regex else None
    out = []
    for f in findings:
        if repos and f.get("repo") not in repos:
            continue
        if rules and not any(rule_matches(f["rule"], r) for r in rules):
            continue
        if verdicts and f.get("verdict") not in verdicts:
            continue
        if fingerprints and f.get("fingerprint") not in fingerprints:
            continue
        if lines and f.get("line") not in lines:
            continue
        if path_re and not path_re.search(f["path"]):
            continue
        if msg_re and not msg_re.search(f["message"]):
            continue
        if src_re:
            text = read_source_line(cache, f) if cache else None
            if text is None or not src_re.search(text):
                continue
        out.append(f)
    return out


def group_by_shape(findings: Iterable[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        groups[(f["rule"], message_shape(f["message"]))].append(f)
    return sorted(((rule, shape, items) for (rule, shape), items in groups.items()),
                  key=lambda g: (-len(g[2]), _rule_sort_key(g[0]), g[1]))


def cmd_judge(args: argparse.Namespace) -> int:
    snapshot_path = Path(args.snapshot)
    if not snapshot_path.exists():
        raise EcosystemError(f"no snapshot at {snapshot_path} (run `run.py --update` first)")
    snapshot = load_snapshot(snapshot_path)
    verdict_filter = args.verdict_is or ([] if args.overwrite else ["unjudged"])
    if args.all:
        verdict_filter = []
    cache = Path(args.cache)
    try:
        matched = filter_findings(snapshot["findings"], repos=args.repo or (), rules=args.rule or (),
                                  path_regex=args.path_regex, message_regex=args.message_regex,
                                  fingerprints=args.fingerprint or (), verdicts=verdict_filter,
                                  lines=args.line or (), source_regex=args.source_regex, cache=cache)
    except re.error as exc:
        raise EcosystemError(f"bad regular expression: {exc}") from None

    if args.verdict is None:
        if args.show:
            for f in matched[: args.show]:
                src = read_source_line(cache, f)
                if args.brief:
                    print(f"  {f['repo']}: {f['path']}:{f.get('line')}: {f['rule']} {message_shape(f['message'])[:70]}"
                          f"  ({f['fingerprint']})")
                else:
                    print(_fmt_finding(f) + f"  ({f['fingerprint']})")
                if src is not None:
                    print(f"      | {src.strip()[:200]}")
                if f.get("reason"):
                    print(f"      reason: {f['reason']}")
            if len(matched) > args.show:
                print(f"  … and {len(matched) - args.show} more")
            print(f"{len(matched)} finding(s) matched")
            return EXIT_OK
        groups = group_by_shape(matched)
        what = "/".join(verdict_filter) if verdict_filter else "all"
        print(f"{len(matched)} {what} error finding(s) in {len(groups)} group(s) (rule + message shape):")
        for rule, shape, items in groups:
            repos = Counter(f["repo"] for f in items)
            example = items[0]
            print(f"\n{len(items):5d}  {rule}  {shape}")
            print(f"       repos: " + ", ".join(f"{k} {v}" for k, v in repos.most_common()))
            print(f"       e.g. {example['repo']}: {example['path']}:{example.get('line')}: {example['message'][:160]}")
        return EXIT_OK

    if not args.reason or not args.reason.strip():
        raise EcosystemError("--verdict needs --reason (one line: why)")
    if "\n" in args.reason:
        raise EcosystemError("--reason must be one line")
    if not matched:
        print("no finding matched; nothing changed")
        return EXIT_ERROR if args.expect else EXIT_OK
    if args.expect is not None and len(matched) != args.expect:
        raise EcosystemError(f"--expect {args.expect}: {len(matched)} finding(s) matched; nothing changed")
    for f in matched[:10]:
        print(_fmt_finding(f))
    if len(matched) > 10:
        print(f"  … and {len(matched) - 10} more")
    if args.dry_run:
        print(f"dry run: would set {len(matched)} finding(s) to {args.verdict}")
        return EXIT_OK
    targets = {id(f) for f in matched}
    for f in snapshot["findings"]:
        if id(f) in targets:
            f["verdict"] = args.verdict
            f["reason"] = args.reason.strip() if args.verdict != "unjudged" else ""
    dump_snapshot(snapshot, snapshot_path)
    left = sum(1 for f in snapshot["findings"] if f["verdict"] == "unjudged")
    print(f"set {len(matched)} finding(s) to {args.verdict}; {left} unjudged left in {snapshot_path}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# report (markdown)
# --------------------------------------------------------------------------------------------------


def _md_table(rows: Sequence[Sequence[Any]]) -> str:
    head, *body = rows
    out = ["| " + " | ".join(str(c) for c in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(out)


def _cell_row(c: Cell) -> list[Any]:
    return [c.errors, c.real, c.false_alarm, c.policy, c.unjudged, format_precision(c.precision)]


def markdown_report(snapshot: dict[str, Any], corpus: Sequence[CorpusRepo],
                    saved: dict[str, Any] | None = None) -> str:
    """Markdown tables of a judged snapshot: repo x rule, per rule / sub-rule, verdict classes, real findings,
    and (with the --save-findings file of the same run) warnings/notes and timings."""
    findings = snapshot["findings"]
    order = [r.name for r in corpus]
    table = precision_table(findings)
    parts = ["### Error findings: repo x rule\n",
             _md_table([["repo", "rule", "errors", "real", "false alarm", "policy", "unjudged", "precision"]]
                       + [[repo, rule, *_cell_row(c)] for (repo, rule), c in sorted(
                           table.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 1 << 30,
                                                          _rule_sort_key(kv[0][1])))])]
    names_with_errors = {repo for repo, _ in table}
    quiet = [n for n in order if n not in names_with_errors]
    if quiet:
        parts.append(f"\nNo error findings: {', '.join(quiet)}.")
    totals = rule_totals(table)
    parts += ["\n### Per rule\n", _md_table(
        [["rule", "errors", "real", "false alarm", "policy", "unjudged", "precision"]]
        + [[rule, *_cell_row(totals[rule])] for rule in sorted(totals, key=_rule_sort_key)]
        + [["**all**", *_cell_row(overall(table))]])]
    sub = rule_totals(precision_table(findings, by="rule"))
    parts += ["\n### Per sub-rule\n", _md_table(
        [["sub-rule", "errors", "real", "false alarm", "policy", "unjudged", "precision"]]
        + [[rule, *_cell_row(sub[rule])] for rule in sorted(sub, key=_rule_sort_key)])]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        groups[(f["verdict"], f.get("reason") or "")].append(f)
    parts.append("\n### Verdicts by reason (largest first)\n")
    rows = [["verdict", "count", "rules", "repos", "example", "reason"]]
    for (verdict, reason), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rules = ", ".join(sorted({f["rule"] for f in items}, key=_rule_sort_key))
        repos = ", ".join(sorted({f["repo"] for f in items}))
        ex = items[0]
        rows.append([verdict, len(items), rules, repos, f"{ex['repo']}: `{ex['path']}:{ex.get('line')}`",
                     reason.replace("|", "\\|")])
    parts.append(_md_table(rows))
    real = [f for f in findings if f["verdict"] == "real"]
    parts.append(f"\n### Real findings ({len(real)})\n")
    parts += [f"- {f['repo']}: `{f['path']}:{f.get('line')}` {f['rule']} — {f.get('reason')}" for f in real]
    if saved:
        parts.append("\n### Warnings and notes (not judged)\n")
        rows = [["repo", "warnings", "notes"]]
        for name in order:
            if name not in saved:
                continue
            counts = severity_counts(saved[name]["findings"])
            rows.append([name, ", ".join(f"{k} {v}" for k, v in counts.get("warning", {}).items()) or "-",
                         ", ".join(f"{k} {v}" for k, v in counts.get("note", {}).items()) or "-"])
        parts.append(_md_table(rows))
        parts.append("\n### Timings\n")
        rows = [["repo", "commit", "tool s", "findings (all severities)", "blobs absent from the mirror"]]
        total = 0.0
        for name in order:
            if name not in saved:
                continue
            r = saved[name]
            total += float(r.get("tool_seconds") or 0)
            rows.append([name, str(r.get("commit", ""))[:12], _num(r.get("tool_seconds")), len(r["findings"]),
                         len(r.get("dropped") or [])])
        rows.append(["**total**", "", f"{total:.1f}", sum(len(saved[n]["findings"]) for n in saved), ""])
        parts.append(_md_table(rows))
    return "\n".join(parts) + "\n"


def cmd_report(args: argparse.Namespace) -> int:
    corpus = load_corpus(Path(args.corpus))
    snapshot = load_snapshot(Path(args.snapshot))
    saved = None
    if args.findings:
        try:
            saved = json.loads(Path(args.findings).read_text(encoding="utf-8"))["repos"]
        except (OSError, ValueError, KeyError) as exc:
            raise EcosystemError(f"cannot read --findings {args.findings}: {exc}") from None
    print(markdown_report(snapshot, corpus, saved), end="")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# materialise
# --------------------------------------------------------------------------------------------------


def cmd_materialise(args: argparse.Namespace) -> int:
    repos = select_repos(load_corpus(Path(args.corpus)), args.only)
    failed = 0
    for repo in repos:
        try:
            c = materialise(repo, Path(args.cache), Path(args.mirrors))
        except EcosystemError as exc:
            print(f"{repo.name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{repo.name}: {c.path} at {repo.commit[:12]} ({'cached' if c.reused else 'materialised'}, "
              f"{c.seconds:.1f}s, {len(c.dropped)} blob(s) absent from the mirror)")
    return EXIT_ERROR if failed else EXIT_OK


# --------------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    env_cache = os.environ.get("OBS_ECOSYSTEM_CACHE") or DEFAULT_CACHE
    env_mirrors = os.environ.get("OBS_ECOSYSTEM_MIRRORS") or DEFAULT_MIRRORS
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Ecosystem check: run observatory-invariants on the pinned public repositories of corpus.toml "
                    "and compare every error finding with the judged snapshot.",
        epilog="Sub-commands: check (default), judge, report, materialise; `run.py SUB --help` for each. "
               "Exit status of check: 0 no new error findings, 1 new (unjudged) error findings, "
               "2 usage error or a repository that could not be materialised or checked.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus file (default: %(default)s)")
    common.add_argument("--cache", default=env_cache,
                        help="where checkouts are materialised, outside the project "
                             "(env OBS_ECOSYSTEM_CACHE; default: %(default)s)")
    common.add_argument("--mirrors", default=env_mirrors,
                        help="folder of git mirrors <owner>+<name>/repo (env OBS_ECOSYSTEM_MIRRORS; "
                             "default: %(default)s)")
    common.add_argument("--only", action="append", metavar="NAME",
                        help="only these corpus names (repeat or comma-separate)")
    common.add_argument("--snapshot", default=str(DEFAULT_SNAPSHOT), help="judged snapshot (default: %(default)s)")
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", parents=[common], help="run the tool on the corpus and compare (default)",
                           description="Materialise each repository, run `TOOL check --format json --exit-zero "
                                       "--root DIR` in it, compare error findings with the snapshot, print new and "
                                       "vanished findings, precision tables and timings.")
    check.add_argument("--tool", help="command that runs observatory-invariants (shell words); default: this "
                                      "interpreter with -m observatory_invariants")
    check.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per repository "
                                                                             "(default: %(default)s)")
    check.add_argument("--update", action="store_true",
                       help="write this run into the snapshot: verdicts kept by fingerprint, new findings "
                            "unjudged, vanished ones dropped (repositories not run are kept as they are)")
    check.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    check.add_argument("--save-findings", metavar="FILE",
                       help="also write every finding (all severities) per repository to FILE")
    check.add_argument("--from-findings", metavar="FILE",
                       help="do not run the tool: compare the findings saved earlier with --save-findings")
    check.add_argument("--max-list", type=int, default=50, help="list at most this many new / vanished findings")
    check.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    check.set_defaults(handler=cmd_check)

    judge = sub.add_parser(
        "judge", parents=[common], help="list unjudged findings by class, or apply a verdict by pattern",
        description="Without --verdict: list the matching findings grouped by rule + message shape (or one by one "
                    "with --show N, with the flagged source line read from the cache). With --verdict and --reason: "
                    "set them on every matching finding. By default only unjudged findings match "
                    "(--overwrite / --verdict-is / --all to re-judge).",
        epilog="Example: run.py judge --snapshot before/snapshot.json --rule B2.missing-source "
               "--message-regex 'COPY \"' --verdict false-alarm --reason 'quoted COPY source: Docker strips the "
               "quotes'")
    judge.add_argument("--repo", action="append", help="corpus name (repeatable)")
    judge.add_argument("--rule", action="append", help="rule or sub-rule id; X3 also selects X3.* (repeatable)")
    judge.add_argument("--path-regex", help="regular expression searched in the finding's path")
    judge.add_argument("--message-regex", help="regular expression searched in the message")
    judge.add_argument("--source-regex", help="regular expression searched in the flagged source line (from the cache)")
    judge.add_argument("--line", type=int, action="append", help="line number (repeatable)")
    judge.add_argument("--fingerprint", action="append", help="exact fingerprint (repeatable)")
    judge.add_argument("--verdict-is", action="append", choices=VERDICTS, help="match findings with this verdict")
    judge.add_argument("--overwrite", action="store_true", help="match findings whatever their verdict")
    judge.add_argument("--all", action="store_true", help="same as --overwrite (for listing)")
    judge.add_argument("--verdict", choices=VERDICTS, help="verdict to set")
    judge.add_argument("--reason", help="one-line reason (required with --verdict)")
    judge.add_argument("--expect", type=int, help="refuse to write unless exactly this many findings match")
    judge.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    judge.add_argument("--show", type=int, default=0, metavar="N", help="list N matching findings one by one")
    judge.add_argument("--brief", action="store_true", help="with --show: the message's shape only, shortened")
    judge.set_defaults(handler=cmd_judge)

    rep = sub.add_parser("report", parents=[common], help="markdown tables of a judged snapshot",
                         description="Print markdown: repo x rule precision, per rule and sub-rule, verdicts grouped "
                                     "by reason with an example each, the real findings, and (with --findings, the "
                                     "--save-findings file of the same run) warnings/notes and timings.")
    rep.add_argument("--findings", metavar="FILE", help="the --save-findings file of the same run")
    rep.set_defaults(handler=cmd_report)

    mat = sub.add_parser("materialise", parents=[common], help="only materialise the cached checkouts")
    mat.set_defaults(handler=cmd_materialise)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("check", "judge", "report", "materialise", "-h", "--help"):
        argv.insert(0, "check")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except EcosystemError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `run.py judge | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
