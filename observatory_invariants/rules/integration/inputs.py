"""What the integration and build rules read, gathered once per run: workflow documents, the harness scripts,
the integration compose file(s) and which CI steps run a given script.

Every rule here applies only to what the repository has: no harness, no compose file, no workflow → nothing
to say (a repository without an integration harness is not "missing" one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import UnreadableFile
from ...workspace import Workspace


@dataclass(frozen=True)
class WorkflowDoc:
    path: str
    doc: Any                  # plain data (LineDict), or None when the file is not usable YAML
    problem: str | None = None


def gather_workflows(ws: Workspace) -> list[WorkflowDoc]:
    """Every workflow, parsed once per run (shared with the other rules through the YAML loader's memo)."""
    return ws.memo("integration-workflows", lambda: _workflows(ws))


def _workflows(ws: Workspace) -> list[WorkflowDoc]:
    from ...parsers.yaml_loader import YamlError, load

    out = []
    for path in ws.glob("workflows"):
        try:
            docs = load(ws, path).data()
        except UnreadableFile as exc:
            out.append(WorkflowDoc(path, None, exc.reason))
            continue
        except YamlError as exc:
            out.append(WorkflowDoc(path, None, exc.message))
            continue
        out.append(WorkflowDoc(path, docs[0] if len(docs) == 1 and isinstance(docs[0], dict) else None))
    return out


def read_optional(ws: Workspace, path: str) -> str | None:
    try:
        return ws.read_text(path)
    except UnreadableFile:
        return None


def yaml_documents(ws: Workspace, path: str):
    """(documents, problem message, problem line) of a YAML file."""
    from ...parsers.yaml_loader import YamlError, load

    try:
        return load(ws, path).data(), None, None
    except UnreadableFile as exc:
        return None, f"{path} {exc.reason}", None
    except YamlError as exc:
        return None, f"{path} {exc.message}", exc.line


def script_kind(path: str, text: str) -> str | None:
    """'pwsh' or 'sh' for a script file, from its extension or shebang."""
    from ...parsers.shell.lexer import shebang_shell
    from ...parsers.script_commands import shell_kind

    lower = path.lower()
    if lower.endswith((".ps1", ".psm1")):
        return "pwsh"
    if lower.endswith((".sh", ".bash")):
        return "sh"
    shell = shebang_shell(text)
    return shell_kind(shell) if shell else None


@dataclass(frozen=True)
class ScriptRun:
    """A CI step that runs a repository script."""

    workflow: str
    job: str
    step: Any
    line: int | None
    script: str                # the repository path it runs


def steps_running(workflows: list[WorkflowDoc], scripts: list[str]) -> list[ScriptRun]:
    """Workflow run: steps whose commands run one of ``scripts`` (as a command or an argument: ``pwsh -File x``)."""
    from ...parsers.script_commands import commands, runs_script, shell_kind
    from ...parsers.workflows import job_steps

    found: list[ScriptRun] = []
    if not scripts:
        return found
    for wf in workflows:
        if wf.doc is None:
            continue
        for step in job_steps(wf.doc):
            if step.script is None:
                continue
            kind = shell_kind(step.shell)
            if kind is None:
                continue
            for command in commands(step.script, kind):
                hit = next((s for s in scripts if runs_script(command, s, step.working_directory)), None)
                if hit:
                    found.append(ScriptRun(wf.path, step.job, step.step, step.line, hit))
                    break
    return found


@dataclass(frozen=True)
class Harness:
    path: str
    text: str | None            # None when unreadable (problem says why)
    kind: str | None            # 'pwsh', 'sh' or None
    problem: str | None = None


def gather_harnesses(ws: Workspace) -> list[Harness]:
    """The integration harness scripts (layout ``integration-harness``) that exist, read once per run."""
    return ws.memo("integration-harnesses", lambda: _harnesses(ws))


def _harnesses(ws: Workspace) -> list[Harness]:
    out = []
    for path in ws.glob("integration-harness"):
        try:
            text = ws.read_text(path)
        except UnreadableFile as exc:
            out.append(Harness(path, None, None, f"{path} {exc.reason}"))
            continue
        out.append(Harness(path, text, script_kind(path, text)))
    return out


def gather_compose(ws: Workspace):
    """The integration compose files: [(path, first document or None, problem, problem line)]."""
    def compute():
        out = []
        for path in ws.glob("integration-compose"):
            docs, problem, line = yaml_documents(ws, path)
            doc = docs[0] if docs else None
            if docs is not None and not isinstance(doc, dict):
                problem, line = f"{path} is not a compose file (its top level is not a mapping)", 1
                doc = None
            out.append((path, doc, problem, line))
        return out
    return ws.memo("integration-compose", compute)


def compose_reader(ws: Workspace):
    """``read(path) -> document or None`` for compose files an ``extends.file`` names."""
    def read(path: str):
        if not ws.repo.exists(path):
            return None
        docs, _, _ = yaml_documents(ws, path)
        return docs[0] if docs else None
    return read
