"""B3: every service has a VERSION holding one SemVer, the repository's own images are never tagged
``:latest`` or left untagged, k8s image tags and version labels equal VERSION, and scripts do not fall back
to ``latest`` when VERSION is missing.
"""

from __future__ import annotations

import posixpath
import re

from ...engines.docker.context import DockerInputs, local_folder
from ...engines.docker.discovery import Build, ImageRef, norm
from ...declare import Rule, SubRule
from ...findings import Finding, finding
from .inputs import MANIFEST, DockerOptions, gather_docker_inputs, touches_docker

MISSING_VERSION = SubRule("B3.missing-version", "A service with a Dockerfile has no VERSION file")
INVALID_VERSION = SubRule("B3.invalid-version", "A VERSION file does not hold one valid SemVer")
LATEST_TAG = SubRule("B3.latest-tag", "An own image is tagged :latest")
UNTAGGED = SubRule("B3.untagged", "An own image is referenced without a tag")
VERSION_MISMATCH = SubRule("B3.version-mismatch", "A k8s image tag or version label differs from VERSION")
LATEST_FALLBACK = SubRule("B3.latest-fallback", "A script or compose file falls back to 'latest' without VERSION")
BAD_MANIFEST = SubRule("B3.bad-manifest", "A k8s manifest that is not valid YAML")
THIRD_PARTY_LATEST = SubRule("B3.third-party-latest", "A third-party image floats on :latest", default_enabled=False)

_B3_READS = ("services", "version-files", "k8s-manifests", "compose-files", "workflows", "powershell-scripts",
             "shell-scripts")
B3 = Rule("B3", "Services carry a SemVer VERSION and images are never :latest", "docker", _B3_READS, "run",
          subrules=(MISSING_VERSION, INVALID_VERSION, LATEST_TAG, UNTAGGED, VERSION_MISMATCH, LATEST_FALLBACK, BAD_MANIFEST, THIRD_PARTY_LATEST),
          options=(DockerOptions,), hooks=("observatory-docker",), seed_check="start-all.ps1 fail-fast")

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
VERSION_LABEL = "app.kubernetes.io/version"


def parse_image(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:], digest
    return ref, None, digest


def image_name(repository: str) -> str:
    return repository.rsplit("/", 1)[-1].lower()


def check_versions(service_dirs: list[str], versions: dict[str, str | None],
                   service_dockerfiles: dict[str, str]) -> tuple[list[Finding], dict[str, str]]:
    """B3.missing-version / B3.invalid-version; returns the valid versions by service folder."""
    import semver

    findings: list[Finding] = []
    valid: dict[str, str] = {}
    for folder in service_dirs:
        if folder not in service_dockerfiles:
            continue
        text = versions.get(folder)
        path = f"{folder}/VERSION"
        if text is None:
            findings.append(finding(
                MISSING_VERSION, service_dockerfiles[folder],
                f"{folder} has a Dockerfile but no VERSION file; add {path} holding the service's SemVer "
                "(e.g. 0.1.0) — without it builds fall back to :latest"))
            continue
        lines = [ln for ln in text.splitlines() if ln.strip()]
        value = lines[0].strip() if lines else ""
        if len(lines) != 1 or not semver.Version.is_valid(value):
            shown = value if len(lines) == 1 else f"{len(lines)} non-empty lines"
            findings.append(finding(
                INVALID_VERSION, path,
                f"VERSION holds {shown!r}, not one valid SemVer version; write MAJOR.MINOR.PATCH such as "
                f"{_suggest_semver(value)}", 1))
            continue
        valid[folder] = value
    return findings, valid


def _suggest_semver(value: str) -> str:
    digits = re.findall(r"\d+", value)
    parts = (digits + ["0", "0", "0"])[:3]
    return ".".join(str(int(p)) for p in parts) if digits else "0.1.0"


def own_images(inputs: DockerInputs) -> dict[str, str | None]:
    """Image names the repository builds, mapped to their service folder when known."""
    own: dict[str, str | None] = {}
    for folder in inputs.service_dirs:
        own.setdefault(posixpath.basename(folder).lower(), folder)
    for name, folder in inputs.images.items():
        own[name.lower()] = norm(folder) if folder else None
    by_decl: dict[tuple[str, int | None], Build] = {(b.declared_in, b.line): b for b in inputs.discovery.builds}
    for ref in inputs.discovery.images:
        if ref.how in ("docker build -t", "build-push-action tags"):
            repo, _tag, _digest = parse_image(ref.ref)
            if "$" in repo:
                continue
            build = by_decl.get((ref.path, ref.line))
            folder = local_folder(build.dockerfile, inputs.service_dirs) if build and build.dockerfile else None
            own.setdefault(image_name(repo), folder if folder in inputs.service_dirs else None)
    return own


def check_images(refs: list[ImageRef], own: dict[str, str | None], versions: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for ref in refs:
        if "$" in ref.ref or "{{" in ref.ref or not ref.ref.strip():
            continue
        repo, tag, digest = parse_image(ref.ref.strip())
        if digest:
            continue
        name = image_name(repo)
        if name in own:
            if tag is None:
                findings.append(finding(UNTAGGED, ref.path,
                                        f"the repository's own image {ref.ref} ({ref.how}) has no tag, which means "
                                        f":latest; tag it with the service's VERSION", ref.line))
            elif tag == "latest":
                findings.append(finding(LATEST_TAG, ref.path,
                                        f"the repository's own image {ref.ref} ({ref.how}) is tagged :latest; tag it "
                                        "with the service's VERSION instead", ref.line))
            elif ref.how == "k8s container":
                folder = own.get(name)
                want = versions.get(folder) if folder else None
                if want and tag != want:
                    findings.append(finding(VERSION_MISMATCH, ref.path,
                                            f"image {ref.ref} is tagged {tag} but {folder}/VERSION says {want}; "
                                            f"use {repo}:{want} (or bump VERSION)", ref.line))
        elif tag in (None, "latest"):
            findings.append(finding(THIRD_PARTY_LATEST, ref.path,
                                    f"third-party image {ref.ref} ({ref.how}) floats on :latest; pin a version tag "
                                    "or digest", ref.line, severity="warning"))
    return findings


def k8s_images_and_labels(path: str, docs: list) -> tuple[list[ImageRef], list[tuple[int | None, str, list[ImageRef]]]]:
    """Container images of the workloads, and each workload's version labels with its images."""
    from ...parsers.yaml_loader import line_of

    refs: list[ImageRef] = []
    labels: list[tuple[int | None, str, list[ImageRef]]] = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        templates = []
        if doc["kind"] == "Pod":
            templates.append((doc, spec))
        elif doc["kind"] == "CronJob":
            job = (spec.get("jobTemplate") or {}).get("spec") if isinstance(spec.get("jobTemplate"), dict) else None
            tpl = job.get("template") if isinstance(job, dict) else None
            if isinstance(tpl, dict):
                templates.append((tpl, tpl.get("spec") or {}))
        else:
            tpl = spec.get("template")
            if isinstance(tpl, dict):
                templates.append((tpl, tpl.get("spec") or {}))
        workload_refs: list[ImageRef] = []
        label_places = []
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("labels"), dict):
            label_places.append(meta["labels"])
        for tpl, pod_spec in templates:
            tmeta = tpl.get("metadata") if tpl is not doc else None
            if isinstance(tmeta, dict) and isinstance(tmeta.get("labels"), dict):
                label_places.append(tmeta["labels"])
            if not isinstance(pod_spec, dict):
                continue
            for key in ("initContainers", "containers"):
                containers = pod_spec.get(key)
                if not isinstance(containers, list):
                    continue
                for c in containers:
                    if isinstance(c, dict) and isinstance(c.get("image"), str):
                        workload_refs.append(ImageRef(c["image"], path, line_of(c, "image"), "k8s container"))
        refs.extend(workload_refs)
        for place in label_places:
            if VERSION_LABEL in place:
                labels.append((line_of(place, VERSION_LABEL), str(place[VERSION_LABEL]), workload_refs))
    return refs, labels


def check_k8s(inputs: DockerInputs, own: dict[str, str | None], versions: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for path, docs in inputs.k8s:
        refs, labels = k8s_images_and_labels(path, docs)
        findings.extend(check_images(refs, own, versions))
        for line, value, workload_refs in labels:
            wanted = {versions.get(own.get(image_name(parse_image(r.ref)[0])) or "")
                      for r in workload_refs if image_name(parse_image(r.ref)[0]) in own} - {None}
            if len(wanted) == 1:
                want = wanted.pop()
                if value != want:
                    findings.append(finding(VERSION_MISMATCH, path,
                                            f"label {VERSION_LABEL}: {value} disagrees with the service's VERSION "
                                            f"{want}; set it to {want}", line))
    return findings


def check_b3(inputs: DockerInputs) -> list[Finding]:
    service_dockerfiles: dict[str, str] = {}
    for path in inputs.all_dockerfiles:
        folder = local_folder(path, inputs.service_dirs)
        if folder in inputs.service_dirs:
            service_dockerfiles.setdefault(folder, path)
    findings, versions = check_versions(inputs.service_dirs, inputs.versions, service_dockerfiles)
    own = own_images(inputs)
    findings.extend(check_images(inputs.discovery.images, own, versions))
    findings.extend(check_k8s(inputs, own, versions))
    for fb in inputs.discovery.fallbacks:
        findings.append(finding(LATEST_FALLBACK, fb.path,
                                f"falls back to the tag 'latest' when VERSION is missing ({fb.text.strip()[:80]}); "
                                "fail instead: a missing VERSION must stop the build", fb.line))
    return findings


def run(ws, targets: list[str] | None) -> list[Finding]:
    """The adapter for B3."""
    if not touches_docker(ws, targets):
        return []
    inputs, problems = gather_docker_inputs(ws)
    return problem_findings(problems) + check_b3(inputs)


def problem_findings(problems) -> list[Finding]:
    """B3.bad-manifest for the k8s manifests that could not be read."""
    return [finding(BAD_MANIFEST, p.path, p.message, p.line, severity=p.severity) for p in problems
            if p.purpose == MANIFEST]
