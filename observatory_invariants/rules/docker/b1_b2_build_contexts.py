"""B1 and B2: each declared Docker build is built from the context its Dockerfile's sources need, and every
COPY/ADD source exists in that context after its ignore file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from ...engines.docker.context import (ContextView, DockerInputs, FileTree, SourceCheck, clean_source, check_source,
                                       classify_sources,
                                       declared_context_folder, local_folder, make_context_view)
from ...engines.docker.model import Build
from ...declare import Rule, SubRule
from ...findings import Finding, Severity, finding
from ...parsers.dockerfile import context_sources
from ...parsers.dockerignore import DockerIgnore, ignore_file_candidates, parse_dockerignore
from .inputs import DECLARATION, DOCKERIGNORE, DockerOptions, gather_docker_inputs, touches_docker

B1_WRONG_CONTEXT = SubRule("B1.wrong-context", "A repo-relative Dockerfile is built from a folder below the root")
MIXED_SOURCES = SubRule("B1.mixed-sources", "A Dockerfile mixes repo-relative and service-local COPY sources")
DECLARED_CONTEXT = SubRule("B1.declared-context", "A build contradicts the Dockerfile's BUILD CONTEXT header")
UNBUILT = SubRule("B1.unbuilt", "A Dockerfile nobody builds (note)")
UNRESOLVED = SubRule("B1.unresolved", "A build whose Dockerfile or context is not a literal (note)")
BAD_DECLARATION = SubRule("B1.bad-declaration", "A workflow, compose file or script that declares builds is unreadable")
MISSING_SOURCE = SubRule("B2.missing-source", "A COPY/ADD source does not exist in the build context")
EMPTY_GLOB = SubRule("B2.empty-glob", "A COPY/ADD glob matches nothing in the build context")
ESCAPES_CONTEXT = SubRule("B2.escapes-context", "A COPY/ADD source leaves the build context with '..'")
DOCKERIGNORED = SubRule("B2.dockerignored", "A COPY/ADD source is excluded by .dockerignore")
UNTRACKED = SubRule("B2.untracked", "A COPY/ADD source exists but git does not track it")
B2_WRONG_CONTEXT = SubRule("B2.wrong-context", "A service-local Dockerfile is built from the repository root")
MISSING_CONTEXT = SubRule("B2.missing-context", "A build's context folder does not exist")
MISSING_DOCKERFILE = SubRule("B2.missing-dockerfile", "A build's Dockerfile does not exist or is a folder")
BAD_TARGET = SubRule("B2.bad-target", "A build's target stage is not in the Dockerfile")
BAD_DOCKERFILE = SubRule("B2.bad-dockerfile", "A Dockerfile Docker cannot parse")
BAD_DOCKERIGNORE = SubRule("B2.bad-dockerignore", "A .dockerignore with patterns Docker refuses")

_B1_READS = ("dockerfiles", "workflows", "compose-files", "powershell-scripts", "shell-scripts")
_B2_READS = ("dockerfiles", "dockerignores", "workflows", "compose-files", "powershell-scripts", "shell-scripts")
B1 = Rule("B1", "Shared-asset services are built with the repository root as context", "docker", _B1_READS, "run",
          subrules=(B1_WRONG_CONTEXT, MIXED_SOURCES, DECLARED_CONTEXT, UNBUILT, UNRESOLVED, BAD_DECLARATION),
          options=(DockerOptions,), hooks=("observatory-docker",), seed_check="validate-dockerfile-context.py")
B2 = Rule("B2", "COPY/ADD sources exist in the build context actually used", "docker", _B2_READS, "run",
          subrules=(MISSING_SOURCE, EMPTY_GLOB, ESCAPES_CONTEXT, DOCKERIGNORED, UNTRACKED, B2_WRONG_CONTEXT, MISSING_CONTEXT, MISSING_DOCKERFILE, BAD_TARGET, BAD_DOCKERFILE, BAD_DOCKERIGNORE),
          options=(DockerOptions,), hooks=("observatory-docker",), seed_check="validate-dockerfile-context.py")


@dataclass
class BuildReport:
    """One build, checked: what ``observatory-invariants builds`` lists."""

    build: Build
    style: str = "?"
    verdict: str = "ok"
    findings: list[Finding] = field(default_factory=list)



def check_builds(inputs: DockerInputs) -> tuple[list[BuildReport], list[Finding]]:
    """B1 and B2 for every discovered build; findings not tied to one build come second."""
    tree = inputs.tree
    findings: list[Finding] = []
    views: dict[tuple[str, str | None], ContextView] = {}
    ignores: dict[str, DockerIgnore | None] = {}
    reported_ignore_errors: set[str] = set()

    def ignore_for(path: str) -> DockerIgnore | None:
        if path not in ignores:
            text = inputs.ignore_texts.get(path)
            if text is None:
                ignores[path] = None
            else:
                rules, errors = parse_dockerignore(text)
                if errors and path not in reported_ignore_errors:
                    reported_ignore_errors.add(path)
                    for err in errors:
                        findings.append(finding(BAD_DOCKERIGNORE, path,
                                                f"pattern {err.pattern!r} {err.reason}; Docker refuses this file "
                                                "(\"docker build\" fails before sending the context): fix or remove "
                                                "the line", err.line))
                ignores[path] = DockerIgnore(rules)
        return ignores[path]

    for problem in inputs.discovery.problems:
        findings.append(finding(BAD_DECLARATION, problem.path, problem.message, problem.line))

    service_set = set(inputs.service_dirs)
    reports: list[BuildReport] = []
    mixed_reported: set[str] = set()
    # one check per distinct build (Dockerfile, context, target, args): N declarations of it share the findings
    groups: dict[tuple, list[Build]] = {}
    group_findings: dict[tuple, list[Finding]] = {}
    first_reports: dict[tuple, BuildReport] = {}   # the report of each group's first build (its verdict is theirs)
    for build in inputs.discovery.builds:
        report = BuildReport(build)
        reports.append(report)
        if build.unresolved or build.dockerfile is None or build.context is None:
            report.verdict = "unresolved"
            report.findings.append(finding(
                UNRESOLVED, build.declared_in,
                f"this {build.origin} build cannot be checked: {build.unresolved or 'unresolved'}; use literal paths "
                "(or a matrix of literal values) so the context can be verified", build.line, severity="note"))
            continue
        key = (build.dockerfile, build.context, build.target, build.args, build.assumed)
        if key in groups:
            groups[key].append(build)
            first = first_reports[key]
            report.style, report.verdict = first.style, first.verdict
            continue
        groups[key] = [build]
        first_reports[key] = report
        _check_build(build, report, inputs, ignore_for, views, service_set, mixed_reported, findings)
        group_findings[key] = report.findings
    # Dockerfiles: unreadable / unparseable ones, and those nobody builds
    built = {b.dockerfile for b in inputs.discovery.builds if b.dockerfile}
    for path in inputs.all_dockerfiles:
        model = inputs.dockerfiles.get(path)
        if isinstance(model, str):
            findings.append(finding(BAD_DOCKERFILE, path, f"{path} {model}; fix the file so Docker can read it"))
            continue
        if model is not None:
            for p in model.problems:
                findings.append(finding(BAD_DOCKERFILE, path, f"{p.message}", p.line))
        if path not in built:
            findings.append(finding(
                UNBUILT, path, "no workflow, compose file or script builds this Dockerfile (that we could "
                "resolve), so its build context is unchecked; delete it if it is dead, or declare its build",
                severity="note"))
            if model is not None and path not in mixed_reported:
                sources, _ = context_sources(model)
                style, kinds = classify_sources(sources, local_folder(path, inputs.service_dirs), tree)
                if style == "mixed":
                    mixed_reported.add(path)
                    findings.append(_mixed_finding(path, kinds, local_folder(path, inputs.service_dirs)))
    for report in reports:
        if report.build.unresolved or report.build.dockerfile is None or report.build.context is None:
            findings.extend(report.findings)
    for key, group in groups.items():
        findings.extend(_with_declarations(group_findings[key], group))
    return reports, _one_per_line_and_context(findings)


_WHERE = "\x00where\x00"


def _with_declarations(found: list[Finding], group: list[Build]) -> list[Finding]:
    """The findings of one build, naming every declaration that shares it ("… and 20 more declarations")."""
    first = group[0].where
    where = first if len(group) == 1 else f"{first} and {len(group) - 1} more (one of {len(group)} declarations of this build)"
    return [dataclasses.replace(f, message=f.message.replace(_WHERE, where)) for f in found]


def _one_per_line_and_context(found: list[Finding]) -> list[Finding]:
    """One finding per (rule, file, line, message once declarations are set aside): different args of one build
    reaching the same missing source report it once."""
    seen: set[tuple] = set()
    out: list[Finding] = []
    for f in found:
        key = (f.rule, f.path, f.line, re.sub(r"\(declared at [^)]*\)|[^ ]+:\d+ and \d+ more \([^)]*\)", "", f.message))
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _check_build(build: Build, report: BuildReport, inputs: DockerInputs, ignore_for, views, service_set,
                 mixed_reported: set[str], findings: list[Finding]) -> None:
    tree = inputs.tree
    where = _WHERE
    if not tree.is_dir(build.context):
        on_disk = inputs.on_disk(build.context) if inputs.on_disk else False
        report.verdict = "missing context" if not on_disk else "unresolved"
        if on_disk:
            report.findings.append(finding(
                UNRESOLVED, build.declared_in,
                f"the build context {build.context} holds no files the project lists (a symlinked folder or "
                "only untracked files); its COPY sources were not checked", build.line, severity="note"))
        else:
            report.findings.append(_assumed(build, finding(
                MISSING_CONTEXT, build.declared_in,
                f"the build context {build.context} does not exist; fix the context of this {build.origin} "
                f"build (Dockerfile {build.dockerfile})", build.line)))
        return
    model = inputs.dockerfiles.get(build.dockerfile)
    if model is None:
        kind = "is a folder, not a file" if tree.is_dir(build.dockerfile) else "does not exist"
        report.verdict = "missing Dockerfile"
        report.findings.append(_assumed(build, finding(
            MISSING_DOCKERFILE, build.declared_in,
            f"the Dockerfile {build.dockerfile} {kind}; fix the Dockerfile path of this {build.origin} build",
            build.line)))
        return
    if isinstance(model, str):
        report.verdict = "unreadable Dockerfile"
        return      # reported once per Dockerfile
    sources, problems = context_sources(model, dict(build.args), build.target)
    for p in problems:
        if p.line is None:
            report.findings.append(finding(BAD_TARGET, build.declared_in,
                                           f"{p.message}; fix --target/target of this build", build.line))
        else:
            report.findings.append(finding(BAD_DOCKERFILE, build.dockerfile,
                                           f"{p.message}; Docker refuses this build", p.line))
    local = local_folder(build.dockerfile, service_set)
    style, kinds = classify_sources(sources, local, tree)
    report.style = style
    # the declared intent in the Dockerfile's header
    if model.declared_context:
        text, line = model.declared_context
        wanted = declared_context_folder(text, local)
        if wanted is not None and wanted != build.context:
            report.findings.append(_assumed(build, finding(
                DECLARED_CONTEXT, build.dockerfile,
                f"the header says BUILD CONTEXT: {text}, but {where} builds it with context "
                f"{build.context}; build it with context {wanted} or correct the header", line)))
    ignore_path = next((p for p in ignore_file_candidates(build.context, build.dockerfile)
                        if p in inputs.ignore_texts), None)
    key = (build.context, ignore_path)
    if key not in views:
        views[key] = make_context_view(tree, build.context, ignore_path,
                                       ignore_for(ignore_path) if ignore_path else None)
    view = views[key]
    checks = [check_source(s, view, tree, inputs.on_disk) for s in sources]
    if style == "mixed":
        mixed_reported.add(build.dockerfile)
        checks = _mixed_findings(build, checks, kinds, local, report)
    report.findings.extend(_assumed(build, f) for f in _source_findings(build, checks, local, tree, views))
    errors = sorted({f.rule for f in report.findings if f.severity == "error"})
    warnings = sorted({f.rule for f in report.findings if f.severity == "warning"} - set(errors))
    report.verdict = ", ".join(errors + [f"{w} (warning)" for w in warnings]) or "ok"


def _assumed(build: Build, f: Finding) -> Finding:
    """A finding that rests on an assumed script start folder is a warning that says so."""
    if build.assumed is None or f.severity != "error":
        return f
    return dataclasses.replace(f, severity=Severity.WARNING,
                               message=f"{f.message} [{build.assumed}: no workflow step or recipe runs this script "
                                       "from a known folder, so this is not certain]")


def _mixed_findings(build: Build, checks: list[SourceCheck], kinds, local: str, report: BuildReport):
    """B1.mixed-sources at each line that fails in the known context (never at a line that resolves); those
    checks are left out of the B2 findings."""
    failing = [c for c in checks if c.status in ("missing", "empty-glob")]
    if not failing:
        return checks
    repo_src, local_src = kinds["repo"][0], kinds["local"][0]
    for c in failing:
        s = c.source
        other = local_src if c.source in kinds["repo"] else repo_src
        style = "repo-relative" if c.source in kinds["repo"] else "service-local"
        report.findings.append(finding(
            MIXED_SOURCES, build.dockerfile,
            f"{s.instruction} {s.written} is {style}, but this Dockerfile also copies {other.instruction} "
            f"{other.written} (line {other.line}), and {_WHERE} builds it with context {build.context}, where "
            f"{s.written} does not exist: no single context serves both; write every source relative to the "
            f"repository root (e.g. {local}/...) and build with the root as context", s.line))
    return [c for c in checks if c not in failing]


def _mixed_finding(dockerfile: str, kinds, local: str) -> Finding:
    repo_src, local_src = kinds["repo"][0], kinds["local"][0]
    first = min(repo_src, local_src, key=lambda s: s.line)
    return finding(
        MIXED_SOURCES, dockerfile,
        f"COPY sources mix repo-relative paths ({repo_src.instruction} {repo_src.written}, line {repo_src.line}) "
        f"and service-local paths ({local_src.instruction} {local_src.written}, line {local_src.line}): no single "
        f"context serves both; write every source relative to the repository root (e.g. {local}/{local_src.written}) "
        "and build with the root as context", first.line)


def _source_findings(build: Build, checks: list[SourceCheck], local: str, tree: FileTree,
                     views: dict) -> list[Finding]:
    out: list[Finding] = []
    where = _WHERE
    ctx = build.context
    missing = [c for c in checks if c.status in ("missing", "empty-glob")]
    if missing:
        alternative = "." if ctx != "." else local
        if alternative != ctx and alternative not in ("", None):
            # without ignore files: the question is only which folder the paths are written for
            alt_key = (alternative, "<no ignore file>")
            if alt_key not in views:
                views[alt_key] = make_context_view(tree, alternative, None, None)
            alt_view = views[alt_key]
            if all(check_source(c.source, alt_view, tree).status in ("ok", "untracked") for c in checks
                   if c.status != "escapes"):
                first = missing[0].source
                rule = B1_WRONG_CONTEXT if alternative == "." else B2_WRONG_CONTEXT
                kind = "repo-relative" if alternative == "." else "service-local"
                alt_name = "the repository root (.)" if alternative == "." else alternative
                out.append(finding(
                    rule, build.dockerfile,
                    f"{first.instruction} {first.written} (and {len(missing) - 1} more) cannot be found: "
                    f"{where} builds with context {ctx}, but this Dockerfile's sources are {kind}; build it with "
                    f"context {alt_name}, e.g. docker build -f {build.dockerfile} {alternative}",
                    first.line))
                missing_handled = True
            else:
                missing_handled = False
        else:
            missing_handled = False
    else:
        missing_handled = True
    for c in checks:
        s = c.source
        said = f"{s.instruction} {s.written}" + (f" (= {s.path})" if s.written != s.path else "")
        empty = f"; ${{{', '.join(s.empty_vars)}}} was empty (no default, no build arg)" if s.empty_vars else ""
        if c.status == "escapes":
            out.append(finding(ESCAPES_CONTEXT, build.dockerfile,
                               f"{said} reaches outside the build context {ctx} (declared at {where}) with '..': "
                               "Docker cannot read it (BuildKit silently clamps it to the context root); move the "
                               "file into the context or widen the context", s.line))
        elif c.status in ("missing", "empty-glob") and not missing_handled:
            what = "matches no file" if c.status == "empty-glob" else "does not exist"
            rule = EMPTY_GLOB if c.status == "empty-glob" else MISSING_SOURCE
            out.append(finding(rule, build.dockerfile,
                               f"{said} {what} in the build context {ctx} (declared at {where}){empty}; fix the "
                               "path or the context", s.line))
        elif c.status == "ignored":
            out.append(finding(DOCKERIGNORED, build.dockerfile,
                               f"{said} is excluded from the build context {ctx} (declared at {where}) by "
                               f"{c.detail}; add an exception (!{clean_source(s.path)}) or stop copying it", s.line))
        elif c.status in ("untracked", "on-disk-only"):
            out.append(finding(UNTRACKED, build.dockerfile,
                               f"{said} exists here but git does not track it (generated or gitignored), so a clean "
                               f"checkout cannot build context {ctx} (declared at {where}); commit it or generate it "
                               "in the build", s.line, severity="warning"))
    return out


def analyse(ws):
    """(build reports, every B1-B3 finding) for the whole repository: what ``builds`` lists."""
    from .b3_image_versions import check_b3

    from .b3_image_versions import problem_findings as b3_problems

    import dataclasses as _dc

    from .inputs import gather_k8s

    inputs, problems = gather_docker_inputs(ws)
    reports, findings = check_builds(inputs)
    k8s, k8s_problems = gather_k8s(ws)
    findings = (problem_findings(problems) + b3_problems(problems + k8s_problems) + findings
                + check_b3(_dc.replace(inputs, k8s=k8s)))
    return reports, sorted(set(findings), key=Finding.sort_key)


def run(ws, targets: list[str] | None) -> list[Finding]:
    """The adapter for B1 and B2: every build is judged, whatever file of it changed."""
    if not touches_docker(ws, targets):
        return []
    inputs, problems = gather_docker_inputs(ws)
    return problem_findings(problems) + check_builds(inputs)[1]


def problem_findings(problems) -> list[Finding]:
    """B1.bad-declaration / B2.bad-dockerignore for the declarations and ignore files that could not be read."""
    rule = {DECLARATION: BAD_DECLARATION, DOCKERIGNORE: BAD_DOCKERIGNORE}
    return [finding(rule[p.purpose], p.path, p.message, p.line, severity=p.severity)
            for p in problems if p.purpose in rule]
