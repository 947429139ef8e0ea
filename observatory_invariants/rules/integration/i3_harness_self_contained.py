"""I3: the integration harness is self-contained — Docker Compose only.

- ``I3.k8s-tooling``: a harness script (layout ``integration-harness``) runs Kubernetes tooling (kubectl, kind,
  helm, minikube, k3d by default). Commands are read with the PowerShell / sh lexers, so a name in a comment, a
  string or a here-string is not a command; ``pwsh -c "…"`` / ``bash -c '…'`` arguments are read as scripts too.
- ``I3.not-runnable``: a service of the integration compose file (layout ``integration-compose``) neither
  builds (``build:``) nor pulls (``image:``) what it runs, after ``extends`` and ``<<`` merges are followed.
- ``I3.external``: the integration compose file declares an ``external`` network or volume, which must exist
  before ``docker compose up`` — something outside the harness has to create it.
- ``I3.bad-compose``: the integration compose file is not usable YAML.

Applies to the harness scripts and integration compose files that exist; a repository without them gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding


@dataclass(frozen=True)
class HarnessOptions(Options):
    section = "integration"

    k8s_commands: tuple = option("k8s-commands", ["kubectl", "kind", "helm", "minikube", "k3d"],
                                 "I3: programs the integration harness must not run (Kubernetes tooling).")


K8S_TOOLING = SubRule("I3.k8s-tooling", "The harness runs Kubernetes tooling")
NOT_RUNNABLE = SubRule("I3.not-runnable", "A compose service neither builds nor pulls an image")
EXTERNAL = SubRule("I3.external", "The compose file needs an external network or volume")
BAD_COMPOSE = SubRule("I3.bad-compose", "The integration compose file is not usable YAML")
I3 = Rule("I3", "Integration harness is self-contained (Docker Compose only)", "integration",
          ("integration-harness", "integration-compose"), "run",
          subrules=(K8S_TOOLING, NOT_RUNNABLE, EXTERNAL, BAD_COMPOSE), options=(HarnessOptions,),
          hooks=("observatory-integration",), seed_check="Docker Compose only (no K8s)")


def check_harness_commands(path: str, text: str, kind: str | None,
                           options: HarnessOptions = HarnessOptions()) -> list[Finding]:
    """I3.k8s-tooling for one harness script."""
    from ...parsers.script_commands import commands

    if kind is None:
        return []
    banned = {c.lower() for c in options.k8s_commands}
    out = []
    for command in commands(text, kind):
        if command.program() in banned:
            out.append(finding(K8S_TOOLING, path,
                               f"the integration harness runs {command.program()} ({' '.join(command.words)[:80]}); "
                               "it must bring everything up with Docker Compose only, so it runs on any machine "
                               "with Docker and no cluster", command.line, command.column))
    return out


def check_compose(path: str, doc, read=None) -> list[Finding]:
    """I3.not-runnable and I3.external for one integration compose document (plain data)."""
    from ...parsers.compose import externals, read_services

    out = []
    for service in read_services(path, doc, read):
        if service.resolved and service.image is None and service.build is None:
            out.append(finding(NOT_RUNNABLE, path,
                               f"service {service.name!r} has neither image: nor build:, so `docker compose up` "
                               "cannot start it; give it an image to pull or a build", service.line))
    for ext in externals(doc):
        out.append(finding(EXTERNAL, path,
                           f"{ext.kind} {ext.name!r} is external: it must exist before `docker compose up`, so the "
                           f"harness is not self-contained; let compose create it (drop external: true)", ext.line))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    from .inputs import compose_reader, gather_compose, gather_harnesses

    options = ws.options(HarnessOptions)
    out: list[Finding] = []
    for harness in gather_harnesses(ws):
        if harness.text is not None:
            out.extend(check_harness_commands(harness.path, harness.text, harness.kind, options))
    for path, doc, problem, line in gather_compose(ws):
        if problem is not None:
            out.append(finding(BAD_COMPOSE, path, f"{problem}; the integration harness cannot start it", line))
        elif doc is not None:
            out.extend(check_compose(path, doc, compose_reader(ws)))
    return out
