"""Would a CI workflow run its integration-gate job for a change to a given path?

The workflow is simulated, not grepped: the event's ``paths`` / ``paths-ignore`` (GitHub's glob dialect),
dorny/paths-filter steps (their ``filters`` parsed, picomatch dialect, ``predicate-quantifier``), job outputs
built from those steps' outputs, and every job's ``if:`` (GitHub's expression language, with the implicit
``success() &&`` and ``needs`` propagation: a job whose needed job was skipped is skipped unless its condition
calls a status function). Each answer is True, False or UNKNOWN (a condition reading something a static look
cannot know: an input, an environment variable, another action's output). Callers report only a definite
False, and only when the same job definitely runs once every path filter passes — so a finding always means
"a path filter, and nothing else, lets this change skip the gate".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..parsers.ci_globs import UnsupportedPattern, github_filter, picomatch_any
from ..parsers.gha_expressions import (UNKNOWN, ExpressionError, evaluate, interpolate, parse, to_string, truthy,
                                       uses_status_function)

RUN, SKIPPED = "success", "skipped"
PATH_EVENTS = ("pull_request", "pull_request_target", "push", "merge_group")
EVERY_FILTER = None   # the scenario "every path filter passes"


@dataclass(frozen=True)
class PathFilterStep:
    job: str
    step_id: str
    filters: dict                 # filter name -> list of patterns (None when the filter cannot be read)
    quantifier: str = "some"
    conditional: bool = False     # the step has its own if: (its outputs are then unknown)

    def outputs(self, path: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, patterns in self.filters.items():
            if self.conditional or patterns is None:
                out[name] = UNKNOWN
            elif path is EVERY_FILTER:
                out[name] = "true"
            else:
                try:
                    out[name] = "true" if picomatch_any(patterns, path, self.quantifier) else "false"
                except UnsupportedPattern:
                    out[name] = UNKNOWN
        return out


def _flatten(value) -> list[str] | None:
    """A dorny filter's patterns: strings, lists (nested by YAML anchors), and ``{change-type: patterns}``."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            # any change type counts: a finding must hold for every kind of change, the most permissive reading
            stack.extend(reversed(list(item.values())))
        else:
            return None
    return out


def path_filter_steps(doc, read_text: Callable[[str], str | None]) -> dict[tuple[str, str], PathFilterStep]:
    """dorny/paths-filter steps with an ``id``, by (job, step id); ``read_text`` opens a filters file."""
    from ..parsers.yaml_loader import YamlError, load_one

    found: dict[tuple[str, str], PathFilterStep] = {}
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    for job_id, job in (jobs.items() if isinstance(jobs, dict) else ()):
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or not isinstance(step.get("uses"), str):
                continue
            if not step["uses"].lower().startswith("dorny/paths-filter@") or not isinstance(step.get("id"), str):
                continue
            inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
            raw = inputs.get("filters")
            data = None
            if isinstance(raw, str):
                text = raw
                if "\n" not in raw.strip() and raw.strip().endswith((".yml", ".yaml")):
                    text = read_text(raw.strip().lstrip("./")) or ""
                try:
                    data = load_one(text) if "${{" not in text else None
                except YamlError:
                    data = None
            elif isinstance(raw, dict):
                data = raw
            filters = {str(k): _flatten(v) for k, v in data.items()} if isinstance(data, dict) else {}
            quantifier = inputs.get("predicate-quantifier", "some")
            found[(str(job_id), step["id"])] = PathFilterStep(
                str(job_id), step["id"], filters, quantifier if quantifier in ("some", "every") else "some",
                conditional="if" in step and step["if"] is not True)
    return found


def trigger_passes(settings, path: str | None):
    """Whether an event's ``paths`` / ``paths-ignore`` let a change to ``path`` start the workflow."""
    if path is EVERY_FILTER or not isinstance(settings, dict):
        return True
    try:
        if isinstance(settings.get("paths"), list):
            return github_filter(settings["paths"], path)
        if isinstance(settings.get("paths-ignore"), list):
            return not github_filter(settings["paths-ignore"], path)
    except UnsupportedPattern:
        return UNKNOWN
    return True


@dataclass
class Simulation:
    """Job statuses of one workflow for one event and one changed path (or EVERY_FILTER)."""

    doc: Any
    event: str
    path: str | None
    filter_steps: dict
    statuses: dict = field(default_factory=dict)
    _busy: set = field(default_factory=set)

    @property
    def jobs(self) -> dict:
        jobs = self.doc.get("jobs") if isinstance(self.doc, dict) else None
        return jobs if isinstance(jobs, dict) else {}

    def needs(self, job_id: str) -> list[str]:
        job = self.jobs.get(job_id)
        value = job.get("needs") if isinstance(job, dict) else None
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    def status(self, job_id: str):
        if job_id in self.statuses:
            return self.statuses[job_id]
        if job_id not in self.jobs or job_id in self._busy:
            return UNKNOWN
        self._busy.add(job_id)
        result = self._status(job_id)
        self._busy.discard(job_id)
        self.statuses[job_id] = result
        return result

    def _status(self, job_id: str):
        job = self.jobs[job_id]
        needs = self.needs(job_id)
        dep = {n: self.status(n) for n in needs}

        def success():
            if any(s == SKIPPED for s in dep.values()):
                return False
            return UNKNOWN if any(s is UNKNOWN for s in dep.values()) else True

        functions = {"always": lambda: True, "success": success, "failure": lambda: False,
                     "cancelled": lambda: False}
        condition = job.get("if", None) if isinstance(job, dict) else None
        if condition is None:
            value = success()
        elif isinstance(condition, str):
            try:
                tree = parse(condition)
            except ExpressionError:
                return UNKNOWN
            value = evaluate(tree, lambda path: self._job_context(path, dep), functions)
            if not uses_status_function(tree):
                ok = success()
                value = False if ok is False else (value if ok is True else
                                                   (False if truthy(value) is False else UNKNOWN))
        else:
            value = condition
        t = truthy(value)
        return UNKNOWN if t is UNKNOWN else (RUN if t else SKIPPED)

    def _job_context(self, path: tuple, dep: dict):
        if path[:1] == ("github",):
            return self.event if path[1:] == ("event_name",) else UNKNOWN
        if path[:1] == ("needs",) and len(path) >= 3:
            name = path[1]
            if name not in dep:
                return None
            status = dep[name]
            if path[2] == "result":
                return status
            if path[2] == "outputs" and len(path) == 4:
                if status is UNKNOWN:
                    return UNKNOWN
                if status == SKIPPED:
                    return ""
                return self.output(name, path[3])
        return UNKNOWN

    def output(self, job_id: str, name: str):
        job = self.jobs.get(job_id)
        outputs = job.get("outputs") if isinstance(job, dict) else None
        value = outputs.get(name) if isinstance(outputs, dict) else None
        if value is None:
            return ""
        if not isinstance(value, str):
            return to_string(value)
        try:
            result = interpolate(value, lambda path: self._step_context(job_id, path))
        except ExpressionError:
            return UNKNOWN
        return to_string(result)

    def _step_context(self, job_id: str, path: tuple):
        if path[:1] == ("github",):
            return self.event if path[1:] == ("event_name",) else UNKNOWN
        if path[:1] == ("steps",) and len(path) >= 3:
            step = self.filter_steps.get((job_id, path[1]))
            if step is None:
                return UNKNOWN
            if path[2] in ("outcome", "conclusion") and len(path) == 3:
                return "success" if not step.conditional else UNKNOWN
            if path[2] == "outputs" and len(path) == 4:
                return step.outputs(self.path).get(path[3], UNKNOWN if path[3] == "changes" else "")
        return UNKNOWN


def gate_runs(doc, event: str, job_id: str, path: str | None, filter_steps: dict):
    """Whether ``job_id`` runs for an ``event`` whose change is ``path`` (EVERY_FILTER: every filter passes).
    Returns (True | False | UNKNOWN, what decided it: 'trigger' or 'job')."""
    from ..parsers.workflows import triggers

    passes = trigger_passes(triggers(doc).get(event), path)
    if passes is not True:
        return passes, "trigger"
    status = Simulation(doc, event, path, filter_steps).status(job_id)
    if status is UNKNOWN:
        return UNKNOWN, "job"
    return status == RUN, "job"


@dataclass(frozen=True)
class GateGap:
    job: str
    event: str
    example: str
    decided_by: str            # 'trigger' (on.<event>.paths…) or 'job' (its if:/needs)
    matched_filters: tuple[str, ...]   # dorny filters the example matches


def gate_gaps(doc, gate_jobs: list[str], examples: list[str], filter_steps: dict) -> list[GateGap]:
    """For each path-triggered event and gate job: the first example change that certainly skips the job,
    when the job certainly runs once every path filter passes."""
    from ..parsers.workflows import triggers

    events = [e for e in PATH_EVENTS if e in triggers(doc)]
    gaps: list[GateGap] = []
    for job_id in gate_jobs:
        for event in events:
            baseline, _ = gate_runs(doc, event, job_id, EVERY_FILTER, filter_steps)
            if baseline is not True:
                continue
            for example in examples:
                runs, decided_by = gate_runs(doc, event, job_id, example, filter_steps)
                if runs is False:
                    matched = tuple(sorted(name for step in filter_steps.values()
                                           for name, value in step.outputs(example).items() if value == "true"))
                    gaps.append(GateGap(job_id, event, example, decided_by, matched))
                    break
    return gaps
