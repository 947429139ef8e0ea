"""Which Docker builds the repository runs, and where each one is declared: workflows and scripts.

Pure functions over parsed YAML / script text: workflows (matrices with ``include``/``exclude`` and
``${{ matrix.* }}`` substitution, ``docker/build-push-action`` steps, ``run:`` steps read by
:mod:`.docker_cli` from the step's ``working-directory``) and scripts. Compose files are
:mod:`.compose`'s, skaffold / bake / Makefiles :mod:`.buildfiles`'. Every item of the model
(:mod:`.model`) keeps the file and line that declared it.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import dataclass, field

from .docker_cli import scan_script
from .model import (BUILT, PUBLISHED, RUN, Build, DeclarationProblem, Discovery, Fallback, ImageRef, join, norm,
                    outside)
from ...parsers.yaml_loader import LineDict, line_of

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_outside = outside


# -- scripts -------------------------------------------------------------------


def discover_script(path: str, text: str, *, working_directory: str = "root", start: str | None = None) -> Discovery:
    """Builds, image references and ``latest`` fallbacks of one shell or PowerShell script.

    ``start``: the folder a workflow step or recipe runs it from (evidence); otherwise the
    ``script-working-directory`` option's assumption (the root, or the script's folder).
    """
    pwsh = path.lower().endswith((".ps1", ".psm1"))
    script_dir = posixpath.dirname(path) or "."
    if start is not None:
        cwd, exact = start, True
    else:
        # an assumption, except for a script at the root under the default (it is run from there: ./build.sh)
        cwd = script_dir if working_directory == "script" else "."
        exact = working_directory == "root" and script_dir == "."
    return scan_script(text, pwsh=pwsh, script_dir=script_dir, cwd=cwd, path=path, origin="script",
                       cwd_exact=exact, script_path=path)


# -- workflows -------------------------------------------------------------------


def matrix_combinations(matrix, limit: int) -> list[dict] | None:
    """GitHub's expansion of ``strategy.matrix`` (None when it is an expression we cannot expand)."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        return None
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    if any(not isinstance(v, list) for v in axes.values()):
        return None
    combos: list[dict] = []
    if axes:
        for values in itertools.product(*axes.values()):
            combos.append(dict(zip(axes.keys(), values)))
            if len(combos) >= limit:
                break
    excludes = matrix.get("exclude") or []
    if isinstance(excludes, list):
        combos = [c for c in combos if not any(isinstance(e, dict) and all(c.get(k) == v for k, v in e.items())
                                              for e in excludes)]
    includes = matrix.get("include") or []
    if isinstance(includes, str):
        return None
    # an include entry extends every original combination it does not contradict; otherwise it is a new one
    originals = [dict(c) for c in combos]
    extended = combos[: len(originals)]
    for entry in includes if isinstance(includes, list) else []:
        if not isinstance(entry, dict):
            continue
        matched = False
        for original, combo in zip(originals, extended):
            if all(original[k] == v for k, v in entry.items() if k in original):
                combo.update({k: v for k, v in entry.items() if k not in original})
                matched = True
        if not matched:
            combos.append(dict(entry))
    return combos[:limit] if combos else [{}]


def _substitute(value, matrix: dict | None, env: dict) -> str | None:
    """``${{ matrix.x }}`` / ``${{ env.X }}`` replaced; None when any expression is not literal."""
    if value is None:
        return None
    text = str(value)
    unresolved = False

    def repl(m: re.Match) -> str:
        nonlocal unresolved
        expr = m.group(1)
        mm = re.fullmatch(r"(matrix|env)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)", expr)
        if mm:
            source = matrix if mm.group(1) == "matrix" else env
            if source is not None and mm.group(2) in source:
                v = source[mm.group(2)]
                for prop in filter(None, mm.group(3).split(".")):
                    v = v.get(prop) if isinstance(v, dict) else None
                if v is not None and not isinstance(v, (dict, list)):
                    return str(v).lower() if isinstance(v, bool) else str(v)
        unresolved = True
        return m.group(0)

    out = _EXPR.sub(repl, text)
    return None if unresolved else out


def _env_of(*mappings) -> dict:
    env: dict = {}
    for m in mappings:
        if isinstance(m, dict):
            env.update({k: v for k, v in m.items() if not isinstance(v, (dict, list))})
    return env


def _list_setting(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]


def discover_workflow(path: str, doc, *, limit: int = 256) -> Discovery:
    """Builds, image tags and ``run:`` step builds of one parsed workflow."""
    found = Discovery()
    if not isinstance(doc, dict):
        if doc is not None:
            found.problems.append(DeclarationProblem(path, getattr(doc, "line", 1),
                                                     "is not a workflow mapping; its builds were not read"))
        return found
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return found
    wf_defaults = (doc.get("defaults") or {}).get("run") if isinstance(doc.get("defaults"), dict) else None
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        strategy = job.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
        combos = matrix_combinations(matrix, limit)
        steps = job.get("steps")
        if not isinstance(steps, list):
            continue
        job_defaults = (job.get("defaults") or {}).get("run") if isinstance(job.get("defaults"), dict) else None
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            step_line = line_of(steps, index, getattr(step, "line", None))
            for combo in (combos if combos is not None else [None]):
                env = _env_of(doc.get("env"), job.get("env"), step.get("env"))
                _workflow_step(found, path, step, step_line, combo, env, wf_defaults, job_defaults, job_id)
    # a matrix expands one declaration many times; keep each distinct build once
    found.builds = list(dict.fromkeys(found.builds))
    found.images = list(dict.fromkeys(found.images))
    found.fallbacks = list(dict.fromkeys(found.fallbacks))
    return found


def _workflow_step(found: Discovery, path: str, step: dict, step_line, combo, env, wf_defaults, job_defaults,
                   job_id=""):
    uses = step.get("uses")
    if isinstance(uses, str) and uses.split("@", 1)[0].lower() == "docker/build-push-action":
        with_ = step.get("with") if isinstance(step.get("with"), dict) else LineDict()
        line = line_of(with_, "context", line_of(step, "uses", step_line)) if isinstance(with_, LineDict) else step_line
        raw_context = with_.get("context", ".")
        context = _substitute(raw_context, combo, env)
        file_ = _substitute(with_.get("file"), combo, env) if with_.get("file") is not None else None
        target = _substitute(with_.get("target"), combo, env) if with_.get("target") is not None else None
        args_text = _substitute(with_.get("build-args", ""), combo, env)
        tags_text = _substitute(with_.get("tags", ""), combo, env)
        push = str(_substitute(with_.get("push", False), combo, env) or "").lower() == "true"
        if tags_text:
            tag_line = line_of(with_, "tags", line) if isinstance(with_, LineDict) else line
            raw_tags = with_.get("tags", "")
            group = f"{path}#{job_id}#{step_line}"
            for tag in _list_setting(tags_text):
                via = next((m.group(0) for m in re.finditer(r"\$\{[A-Za-z_]\w*:?-latest\}", str(raw_tags))), None)
                found.images.append(ImageRef(tag, path, tag_line, "build-push-action tags",
                                             PUBLISHED if push else BUILT, group, f"{path}#{job_id}", False, via))
        tag_refs = tuple(_list_setting(tags_text or ""))
        if context is None or (with_.get("file") is not None and file_ is None) or \
                (with_.get("target") is not None and target is None) or args_text is None:
            found.builds.append(Build(None, None, path, line, "build-push-action", None, (),
                                      "context/file/target/build-args use an expression other than a literal "
                                      "matrix or env value"))
            return
        if "://" in context:
            return
        ctx = norm(context)
        dockerfile = norm(file_) if file_ else join(ctx, "Dockerfile")
        args = tuple(sorted(tuple(a.partition("=")[::2]) for a in _list_setting(args_text or "")))
        unresolved = "its context lies outside the repository" if _outside(ctx) or _outside(dockerfile) else None
        found.builds.append(Build(None if unresolved else dockerfile, None if unresolved else ctx, path, line,
                                  "build-push-action", target, args, unresolved, tag_refs))
        return
    run = step.get("run")
    if not isinstance(run, str) or not ("docker" in run or "kind" in run or re.search(r"\.(?:sh|bash|ps1)\b", run)):
        return
    shell = step.get("shell") or (job_defaults or {}).get("shell") or (wf_defaults or {}).get("shell") or "bash"
    pwsh = "pwsh" in str(shell).lower() or "powershell" in str(shell).lower()
    workdir = step.get("working-directory") or (job_defaults or {}).get("working-directory") \
        or (wf_defaults or {}).get("working-directory") or "."
    # ${{ matrix.x }} is substituted by the runner before the shell sees the script
    text = _EXPR.sub(lambda m: _substitute(m.group(0), combo, env) or "$__UNRESOLVED_EXPRESSION", run)
    workdir_value = _substitute(workdir, combo, env)
    run_line = line_of(step, "run", step_line) or 1
    offset = run_line if "\n" in run.rstrip("\n") or run.endswith("\n") else run_line - 1
    sub = scan_script(text, pwsh=pwsh, script_dir=".", cwd=norm(workdir_value) if workdir_value else ".",
                      path=path, origin="workflow", line_offset=offset, cwd_exact=True,
                      scope=f"{path}#{job_id}")
    if workdir_value is None:
        sub.builds = [Build(None, None, b.declared_in, b.line, b.origin, None, (),
                            "working-directory is an expression") for b in sub.builds]
        sub.invocations = []
    found.extend(sub)
