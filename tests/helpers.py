"""Shared test helpers: build file trees and real git repositories in tmp_path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "examples" / "observatory-sample"

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/tmp"),
}


def write_tree(root: Path, files: dict) -> Path:
    """Write ``{relative path: str | bytes | dict (as JSON)}`` under root; returns root."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (dict, list)):
            content = json.dumps(content, indent=2) + "\n"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV}
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def git_repo(root: Path, files: dict | None = None, message: str = "initial") -> Path:
    """A real git repository at root, with ``files`` committed."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    if files:
        write_tree(root, files)
        commit_all(root, message)
    return root


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess (what users and pre-commit run)."""
    return subprocess.run([sys.executable, "-m", "observatory_invariants", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=120)


def schema(stem: str, version: str = "1.0.0", dialect: str = "https://json-schema.org/draft/2020-12/schema",
           **body) -> dict:
    """A minimal valid contract schema."""
    return {"$schema": dialect, "$id": f"https://example.test/{stem}.json", "$version": version,
            "type": "object", **body}


def versions_md(rows: dict[str, str]) -> str:
    """A VERSIONS.md documenting ``{stem: version}`` correctly."""
    table = "\n".join(f"| [{s}](./schemas/{s}.json) | {v} | |" for s, v in rows.items())
    history = "\n".join(f"### {s}\n\n- {v} — first release.\n" for s, v in rows.items())
    return f"# Versions\n\n| Schema | Current Version | Notes |\n|---|---|---|\n{table}\n\n## Version History\n\n{history}"


FINDING_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<rule>[A-Z]\d+[a-z]?(?:\.[\w-]+)?) ")


def findings_in(output: str) -> set[tuple[str, int, str]]:
    """(path, line, rule) of every finding line in text output."""
    return {(m["path"], int(m["line"]), m["rule"]) for m in map(FINDING_LINE.match, output.splitlines()) if m}
