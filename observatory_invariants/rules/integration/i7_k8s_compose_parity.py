"""I7: every workload the k8s manifests run has a service in the integration compose file.

Workloads are found by ``kind`` (Deployment, StatefulSet, DaemonSet, Job, CronJob; ``List`` items too) in
every document of every manifest (layout ``k8s-manifests``) — ConfigMaps, Services, Ingresses and the like are
ignored by kind, not by file name. A workload is matched by a compose service (layout ``integration-compose``)
when their names agree (the ``aliases`` option makes names equivalent: ``mongodb`` ↔ ``mongo``), or when the
service runs the image the workload runs (``web-pty-ws`` running ``web-pty-server:0.1.0`` is the compose service
``web-pty-server``, or one whose ``image:`` is ``…/web-pty-server:…``).

- ``I7.missing-in-compose`` (error): a k8s workload has no compose service — integration tests run without it.
- ``I7.compose-only`` (note): a compose service no k8s workload matches.

Applies when the integration compose file exists and parses, and the manifests hold at least one workload.
Manifests that do not parse (Helm templates) are skipped here (B3 reports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding

WORKLOAD_KINDS = frozenset(("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"))


@dataclass(frozen=True)
class ParityOptions(Options):
    section = "integration"

    aliases: Mapping[str, str] = option("aliases", {"mongodb": "mongo"},
                                        "I7: names that mean the same component in k8s and compose (either way round).")
    ignore_workloads: tuple = option("ignore-workloads", [],
                                     "I7: k8s workload names the integration compose file deliberately leaves out.")


MISSING = SubRule("I7.missing-in-compose", "A k8s workload has no integration compose service")
COMPOSE_ONLY = SubRule("I7.compose-only", "A compose service matches no k8s workload")
I7 = Rule("I7", "Every k8s workload has an integration compose service", "integration",
          ("k8s-manifests", "integration-compose"), "run", subrules=(MISSING, COMPOSE_ONLY), options=(ParityOptions,),
          hooks=("observatory-integration",), seed_check="validate-compose-k8s-parity.ps1")


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str
    path: str
    line: int | None
    images: tuple[str, ...]


def _pod_spec(doc: dict):
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    if doc.get("kind") == "CronJob":
        job = spec.get("jobTemplate") if isinstance(spec.get("jobTemplate"), dict) else {}
        spec = job.get("spec") if isinstance(job.get("spec"), dict) else {}
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    pod = template.get("spec")
    return pod if isinstance(pod, dict) else {}


def workloads(path: str, docs: list) -> list[Workload]:
    """The workloads of one manifest stream (empty documents, trailing ``---`` and ``List`` kinds handled)."""
    from ...parsers.yaml_loader import line_of

    out: list[Workload] = []
    stack = list(reversed(docs))
    while stack:
        doc = stack.pop()
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            stack.extend(reversed(doc["items"]))
            continue
        if doc.get("kind") not in WORKLOAD_KINDS:
            continue
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        name = meta.get("name")
        if not isinstance(name, str) or not name or "{{" in name:
            continue
        images = []
        pod = _pod_spec(doc)
        for key in ("containers", "initContainers"):
            for container in pod.get(key) or () if isinstance(pod.get(key), list) else ():
                if isinstance(container, dict) and isinstance(container.get("image"), str):
                    images.append(container["image"])
        out.append(Workload(name, doc["kind"], path, line_of(meta, "name") or getattr(doc, "line", None),
                            tuple(images)))
    return out


def image_name(ref: str) -> str:
    """``registry:5000/team/web-pty-server:0.1.0@sha256:…`` → ``web-pty-server``."""
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def _equivalents(name: str, aliases: Mapping[str, str]) -> set[str]:
    names = {name.lower()}
    changed = True
    while changed:
        changed = False
        for a, b in aliases.items():
            a, b = str(a).lower(), str(b).lower()
            for x, y in ((a, b), (b, a)):
                if x in names and y not in names:
                    names.add(y)
                    changed = True
    return names


def check_parity(compose_path: str, services: list, manifests: list[Workload],
                 options: ParityOptions = ParityOptions()) -> list[Finding]:
    """I7 findings for compose services (parsers.compose.Service) against the k8s workloads."""
    ignored = {n.lower() for n in options.ignore_workloads}
    by_name: dict[str, list] = {}
    by_image: dict[str, list] = {}
    for service in services:
        for name in _equivalents(service.name, options.aliases):
            by_name.setdefault(name, []).append(service)
        if service.image:
            by_image.setdefault(image_name(service.image), []).append(service)
        if service.build is not None:
            by_image.setdefault(service.name.lower(), []).append(service)
    matched: set[str] = set()
    out: list[Finding] = []
    for workload in manifests:
        hits = [s for n in _equivalents(workload.name, options.aliases) for s in by_name.get(n, ())]
        for image in workload.images:
            for n in _equivalents(image_name(image), options.aliases):
                hits.extend(by_name.get(n, ()))
                hits.extend(by_image.get(n, ()))
        matched.update(s.name for s in hits)
        if hits or workload.name.lower() in ignored:
            continue
        images = f" (image {', '.join(workload.images)})" if workload.images else ""
        out.append(finding(MISSING, workload.path,
                           f"k8s {workload.kind} {workload.name!r}{images} has no service in {compose_path}: the "
                           "integration tests run without it; add a service (same name, an alias, or the same "
                           "image), or list it in ignore-workloads if integration deliberately leaves it out",
                           workload.line))
    if manifests:
        for service in services:
            if service.name not in matched:
                out.append(finding(COMPOSE_ONLY, compose_path,
                                   f"compose service {service.name!r} matches no k8s workload (name, alias or image)",
                                   service.line, severity="note"))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    from ...parsers.compose import read_services
    from .inputs import compose_reader, gather_compose, yaml_documents

    options = ws.options(ParityOptions)
    composes = [(path, doc) for path, doc, problem, _ in gather_compose(ws) if doc is not None]
    if not composes:
        return []
    manifests: list[Workload] = []
    for path in ws.glob("k8s-manifests"):
        docs, problem, _ = yaml_documents(ws, path)
        if docs:
            manifests.extend(workloads(path, docs))
    if not manifests:
        return []
    out: list[Finding] = []
    for path, doc in composes:
        out.extend(check_parity(path, read_services(path, doc, compose_reader(ws)), manifests, options))
    return out
