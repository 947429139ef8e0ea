"""I7: every workload the k8s manifests run has a service in the integration compose file.

Workloads are found by ``kind`` (Deployment, StatefulSet, DaemonSet, Job, CronJob; ``List`` items too) in
every document of every manifest (layout ``k8s-manifests``) — ConfigMaps, Services, Ingresses and the like are
ignored by kind, not by file name. A workload is matched by a compose service (layout ``integration-compose``)
when their names agree (the ``aliases`` option makes names equivalent: ``mongodb`` ↔ ``mongo``), or when the
service runs the image the workload runs (``web-pty-ws`` running ``web-pty-server:0.1.0`` is the compose service
``web-pty-server``, or one whose ``image:`` is ``…/web-pty-server:…``).

- ``I7.missing-in-compose``: a k8s workload has no compose service — integration tests run without it. An
  **error** when the system depends on it: its image is built from the repository (a ``services`` folder of that
  name), or another manifest reaches it — its name (or the name of a Service selecting it) is used as a host in a
  value of another workload, ConfigMap or Secret (``http://alertmanager:9093``, ``REDIS_HOST: redis``). A
  **warning** for a third-party add-on nothing reaches but an Ingress (admin UIs such as pgadmin): the
  integration tests cannot miss what nothing calls, so the gap is the team's call (``ignore-workloads``).
- ``I7.compose-only`` (note): a compose service no k8s workload matches.

Applies when the integration compose file exists and parses, and the manifests hold at least one workload.
Manifests that do not parse (Helm templates) are skipped here (B3 reports them).
"""

from __future__ import annotations

import re
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
    labels: tuple[tuple[str, str], ...] = ()     # the pod template's labels
    reached: bool = False                        # another manifest uses it as a host (set by reach())


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
                            tuple(images), _template_labels(doc)))
    return out


def _template_labels(doc: dict) -> tuple[tuple[str, str], ...]:
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    if doc.get("kind") == "CronJob":
        job = spec.get("jobTemplate") if isinstance(spec.get("jobTemplate"), dict) else {}
        spec = job.get("spec") if isinstance(job.get("spec"), dict) else {}
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    meta = template.get("metadata") if isinstance(template.get("metadata"), dict) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


_REFERENCING_KINDS = WORKLOAD_KINDS | {"ConfigMap", "Secret", "Pod", "ReplicaSet"}


def _strings(value, limit: int = 100_000):
    stack = [value]
    count = 0
    while stack and count < limit:
        item = stack.pop()
        count += 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _host_pattern(names: set[str]):
    import re

    alternatives = "|".join(sorted(re.escape(n) for n in names))
    # the name as a host: a whole value, after // or @, or before :port / .namespace / a path
    return re.compile(rf"(?:^|//|@|[\s'\"\[,=])(?:{alternatives})(?=$|:\d|\.(?:svc|[a-z0-9-]+\.svc)|/|[\s'\",\]])",
                      re.IGNORECASE | re.MULTILINE)


def reach(manifests: list[tuple[str, list]], found: list[Workload]) -> list[Workload]:
    """The workloads with ``reached`` set: another workload, ConfigMap or Secret names them as a host (by the
    workload's name or the name of a Service whose selector picks its pods). Ingresses are human entry points,
    not dependencies, and a workload's own document does not count."""
    import dataclasses

    services: dict[str, set[str]] = {}
    for _path, docs in manifests:
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Service":
                meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
                spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
                selector = spec.get("selector") if isinstance(spec.get("selector"), dict) else {}
                if isinstance(meta.get("name"), str) and selector:
                    services[meta["name"]] = {f"{k}={v}" for k, v in selector.items()}
    # Each referencing document's strings are read once, and indexed by the words a host name can be: a name
    # matched by _host_pattern starts a run of [a-z0-9._-] and ends at the run's end or at a dot. The index only
    # narrows which documents the exact pattern is run on, so a workload costs what mentions it, not every document.
    referencing = []   # (kind, own name, strings)
    index: dict[str, set[int]] = {}
    unindexed: set[int] = set()
    for _path, docs in manifests:
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") not in _REFERENCING_KINDS:
                continue
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            strings = list(_strings({k: v for k, v in doc.items() if k != "metadata"}))
            number = len(referencing)
            referencing.append((doc.get("kind"), meta.get("name"), strings))
            if not all(text.isascii() for text in strings):
                # IGNORECASE folds some non-ASCII letters to ASCII ones ('ſ' ~ 's', 'İ' ~ 'i'): no word index
                # can promise what the pattern finds there, so such a document is looked at for every workload
                unindexed.add(number)
                continue
            for word in _host_words(strings):
                index.setdefault(word, set()).add(number)
    out = []
    for workload in found:
        labels = {f"{k}={v}" for k, v in workload.labels}
        names = {workload.name} | {name for name, sel in services.items() if sel <= labels}
        if all(_WORD_CHARS.fullmatch(n.lower()) for n in names):
            candidates = sorted(unindexed.union(*(index.get(n.lower(), ()) for n in names)))
        else:   # a name no word can spell: look everywhere
            candidates = range(len(referencing))
        pattern = None   # compiled only when some other document mentions one of the names
        reached = False
        for number in candidates:
            kind, own_name, strings = referencing[number]
            if kind in WORKLOAD_KINDS and own_name == workload.name:
                continue
            pattern = pattern or _host_pattern(names)
            if any(pattern.search(text) for text in strings):
                reached = True
                break
        out.append(dataclasses.replace(workload, reached=reached))
    return out


_WORD_CHARS = re.compile(r"[a-z0-9._-]+")


def _host_words(strings) -> set[str]:
    """Every word a host name in these strings can be: each run of [a-z0-9._-], and its prefixes ending at a dot."""
    words: set[str] = set()
    for text in strings:
        for run in _WORD_CHARS.findall(text.lower()):
            words.add(run)
            dot = run.find(".")
            while dot != -1:
                words.add(run[:dot])
                dot = run.find(".", dot + 1)
    return words


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
                 options: ParityOptions = ParityOptions(), own_images: frozenset[str] = frozenset()) -> list[Finding]:
    """I7 findings for compose services (parsers.compose.Service) against the k8s workloads (``reach`` applied);
    ``own_images``: image names the repository builds (its service folder names)."""
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
        own = sorted({image_name(i) for i in workload.images} & own_images)
        if own or workload.reached:
            why = (f"the repository builds its image ({', '.join(own)})" if own else
                   "other manifests reach it by name")
            out.append(finding(MISSING, workload.path,
                               f"k8s {workload.kind} {workload.name!r}{images} has no service in {compose_path}, and "
                               f"{why}: the integration tests run without it; add a service (same name, an alias, or "
                               "the same image), or list it in ignore-workloads if integration deliberately leaves it "
                               "out", workload.line))
        else:
            out.append(finding(MISSING, workload.path,
                               f"k8s {workload.kind} {workload.name!r}{images} has no service in {compose_path}; no "
                               "other manifest reaches it (an add-on such as an admin UI?): add it, or list it in "
                               "ignore-workloads to record that integration leaves it out", workload.line,
                               severity="warning"))
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
    streams: list[tuple[str, list]] = []
    for path in ws.glob("k8s-manifests"):
        docs, problem, _ = yaml_documents(ws, path)
        if docs:
            streams.append((path, docs))
    manifests = reach(streams, [w for path, docs in streams for w in workloads(path, docs)])
    if not manifests:
        return []
    own = frozenset(folder.rsplit("/", 1)[-1].lower() for folder in _service_folders(ws))
    out: list[Finding] = []
    for path, doc in composes:
        out.extend(check_parity(path, read_services(path, doc, compose_reader(ws)), manifests, options, own))
    return out


def _service_folders(ws) -> set[str]:
    """Folders matching the ``services`` layout (src/services/*, src/interfaces/*) that hold files."""
    from ...patterns import compile_patterns

    spec = compile_patterns(ws.patterns("services"))
    found: set[str] = set()
    for path in ws.repo.files:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if spec.match_file(folder):
                found.add(folder)
                break
    return found
