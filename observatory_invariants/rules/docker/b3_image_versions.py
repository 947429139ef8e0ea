"""B3: every service has a VERSION holding one SemVer, the repository's own images are never tagged
``:latest`` or left untagged, k8s image tags and version labels equal VERSION, and scripts do not fall back
to ``latest`` when VERSION is missing.
"""

from __future__ import annotations

import posixpath
import re

from ...engines.docker.context import DockerInputs, local_folder
from ...engines.docker.model import BUILT, DEPLOYED, PUBLISHED, RUN, ImageRef, norm
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
    for build in inputs.discovery.builds:
        folder = local_folder(build.dockerfile, inputs.service_dirs) if build.dockerfile else None
        for tag in build.tags:
            repo, _tag, _digest = parse_image(tag)
            if "$" in repo or "{{" in repo:
                continue
            own.setdefault(image_name(repo), folder if folder in inputs.service_dirs else None)
    for ref in inputs.discovery.images:
        if ref.how in ("docker build -t", "build-push-action tags", "bake tags") and not ref.dynamic_name:
            repo, _tag, _digest = parse_image(ref.ref)
            if "$" not in repo:
                own.setdefault(image_name(repo), None)
    return own


_STRONG = (RUN, PUBLISHED, DEPLOYED)


def check_images(refs: list[ImageRef], own: dict[str, str | None], versions: dict[str, str], *,
                 allow_extra_latest: bool = True, substituted: frozenset[str] = frozenset()) -> list[Finding]:
    """B3.latest-tag / B3.untagged / B3.version-mismatch / B3.third-party-latest for image references.

    Severity follows the evidence: ``:latest`` (or no tag) is an error where the image is pushed, deployed or
    pulled to run; an extra ``:latest`` beside a version tag of the same image in one push or build is allowed
    (``allow-extra-latest``); an image built and used inside one CI job or script and never pushed or deployed
    is one note; a tag only given to a local build is a warning.
    """
    findings: list[Finding] = []
    parsed = []
    for ref in refs:
        if ref.dynamic_name:
            parsed.append((ref, None, ref.ref.rsplit(":", 1)[1], None, True))
            continue
        text = ref.ref.strip()
        if "$" in text or "{{" in text or not text:
            continue
        repo, tag, digest = parse_image(text)
        if digest:
            continue
        name = image_name(repo)
        parsed.append((ref, repo, tag, name, name in own))
    # per own image name: where it is used (scopes) and whether anything pushes, deploys or runs it elsewhere
    uses: dict[str, list[ImageRef]] = {}
    for ref, repo, tag, name, is_own in parsed:
        if is_own and name is not None:
            uses.setdefault(name, []).append(ref)
    group_versions: dict[str, set[str]] = {}
    for ref, repo, tag, name, is_own in parsed:
        if ref.group and tag not in (None, "latest"):
            group_versions.setdefault(ref.group, set()).add(repo or "$DYNAMIC")
    noted: set[tuple] = set()
    for ref, repo, tag, name, is_own in parsed:
        if not is_own:
            if tag in (None, "latest"):
                findings.append(finding(THIRD_PARTY_LATEST, ref.path,
                                        f"third-party image {ref.ref} ({ref.how}) floats on :latest; pin a version "
                                        "tag or digest", ref.line, severity="warning"))
            continue
        shown = ref.ref if not ref.dynamic_name else f"…:{tag} (a dynamic name with a literal tag)"
        if tag not in (None, "latest"):
            if ref.how == "k8s container" and name is not None:
                folder = own.get(name)
                want = versions.get(folder) if folder else None
                if want and tag != want:
                    findings.append(finding(VERSION_MISMATCH, ref.path,
                                            f"image {ref.ref} is tagged {tag} but {folder}/VERSION says {want}; "
                                            f"use {repo}:{want} (or bump VERSION)", ref.line))
            continue
        if ref.how == "k8s container" and name in substituted:
            continue        # skaffold (or the like) builds it and rewrites the manifest's image with its own tag
        sub = UNTAGGED if tag is None else LATEST_TAG
        what = "has no tag, which means :latest" if tag is None else "is tagged :latest"
        if allow_extra_latest and tag == "latest" and ref.group and (repo or "$DYNAMIC") in group_versions.get(ref.group, ()):
            continue        # an extra :latest beside a version tag of the same image, in the same push or build
        all_uses = uses.get(name, []) if name is not None else [ref]
        scopes = {u.scope for u in all_uses}
        strong_elsewhere = any(u.role in (PUBLISHED, DEPLOYED) for u in all_uses)
        built_here = any(u.role == BUILT and u.scope == ref.scope for u in all_uses)
        if not ref.dynamic_name and built_here and len(scopes) == 1 and not strong_elsewhere \
                and ref.how not in ("compose image", "k8s container"):
            key = (ref.scope, name)
            if key not in noted:
                noted.add(key)
                findings.append(finding(sub, ref.path,
                                        f"the image {ref.ref} ({ref.how}) {what}; it is built and used only in "
                                        f"{_scope_name(ref.scope)} and never pushed or deployed, so this is a note: "
                                        "give it a version tag if it ever leaves", ref.line, severity="note"))
            continue
        if ref.role in _STRONG:
            how = {RUN: "run or pulled", PUBLISHED: "pushed", DEPLOYED: "deployed"}[ref.role]
            findings.append(finding(sub, ref.path,
                                    f"the repository's own image {shown} ({ref.how}) {what} and is {how}: whatever "
                                    "was pushed last is what runs; tag it with the service's VERSION", ref.line))
        elif not any(u.role in _STRONG and (u.scope != ref.scope or u.line != ref.line) for u in all_uses
                     if (parse_image(u.ref)[1] if not u.dynamic_name else u.ref.rsplit(":", 1)[1]) == tag):
            findings.append(finding(sub, ref.path,
                                    f"the repository's own image {shown} ({ref.how}) {what}; nothing here pushes or "
                                    "deploys it, but a version tag makes every build traceable: tag it with the "
                                    "service's VERSION", ref.line, severity="warning"))
    return findings


def _scope_name(scope: str | None) -> str:
    if not scope:
        return "one place"
    path, _, job = scope.partition("#")
    return f"job {job} of {path}" if job else path


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
                        workload_refs.append(ImageRef(c["image"], path, line_of(c, "image"), "k8s container",
                                                      DEPLOYED, None, f"k8s:{path}"))
        refs.extend(workload_refs)
        for place in label_places:
            if VERSION_LABEL in place:
                labels.append((line_of(place, VERSION_LABEL), str(place[VERSION_LABEL]), workload_refs))
    return refs, labels


def check_k8s_labels(inputs: DockerInputs, own: dict[str, str | None], versions: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for path, docs in inputs.k8s:
        _refs, labels = k8s_images_and_labels(path, docs)
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
    refs = list(inputs.discovery.images)
    for path, docs in inputs.k8s:
        refs.extend(k8s_images_and_labels(path, docs)[0])
    findings.extend(check_images(refs, own, versions, allow_extra_latest=inputs.allow_extra_latest,
                                 substituted=inputs.substituted_images))
    findings.extend(check_k8s_labels(inputs, own, versions))
    findings.extend(check_fallbacks(inputs.discovery.fallbacks))
    return findings


def check_fallbacks(fallbacks) -> list[Finding]:
    """B3.latest-fallback where ``latest`` replaces a missing version: the fallback of a VERSION-file read, or a
    default that flows into an image reference (an error where the image is pushed, deployed or run, a warning
    where it only names a local build). A ``latest`` that picks a package or a release to download is not B3's."""
    found: dict[tuple, Finding] = {}
    for fb in fallbacks:
        if not fb.version_read and not fb.flows_into:
            continue
        strong = fb.version_read or not any(w in (fb.flows_into or "") for w in ("build -t", "docker tag", "built here"))
        text = fb.text.strip()[:80]
        if fb.version_read:
            message = (f"falls back to 'latest' when the VERSION file is missing ({text}); fail instead: a missing "
                       "VERSION must stop the build")
        elif strong:
            message = (f"a missing version becomes the tag 'latest' ({text}), and the image is {fb.flows_into}: "
                       "whatever was pushed last is what runs; require the version instead")
        else:
            message = (f"a missing version becomes the tag 'latest' ({text}) of a local build ({fb.flows_into}); "
                       "nothing shows it is pushed or deployed, but a required version keeps builds traceable")
        f = finding(LATEST_FALLBACK, fb.path, message, fb.line, severity="error" if strong else "warning")
        key = (fb.path, fb.line)
        if key not in found or (found[key].severity != "error" and f.severity == "error"):
            found[key] = f
    return list(found.values())


def run(ws, targets: list[str] | None) -> list[Finding]:
    """The adapter for B3."""
    import dataclasses

    from .inputs import gather_k8s

    if not touches_docker(ws, targets):
        return []
    inputs, problems = gather_docker_inputs(ws)
    k8s, k8s_problems = gather_k8s(ws)
    inputs = dataclasses.replace(inputs, k8s=k8s)
    return problem_findings(problems + k8s_problems) + check_b3(inputs)


def problem_findings(problems) -> list[Finding]:
    """B3.bad-manifest for the k8s manifests that could not be read."""
    return [finding(BAD_MANIFEST, p.path, p.message, p.line, severity=p.severity) for p in problems
            if p.purpose == MANIFEST]
