"""I1/I2: the integration gate runs on contracts changes (I1) and on services changes (I2).

Two halves:

- :func:`decide_gate` — the decision itself, pure: changed paths and the filters (default ``contracts/**`` for
  I1 and ``src/services/**`` for I2, git wildmatch like every layout pattern) in; "run the gate?" and why out.
  When the diff cannot be computed the answer is "run it" (fail closed). The ``gate`` command prints it.
- :func:`check_gate_workflow` — the static check: in every workflow, each job that runs the integration harness
  (or is named in ``gate-jobs``) is simulated for a change to an example path of each filter
  (``contracts/x.json``, then the repository's own files under ``contracts/``): when the job certainly runs
  once every path filter passes but certainly does not run for that change, a path filter lets the change skip
  the gate — a finding that shows the example path.

Applies when a workflow has a gate job (a step running a file of the ``integration-harness`` layout, or a job
listed in ``gate-jobs``) triggered by pull_request / push / merge_group; otherwise it says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...declare import Options, Rule, option
from ...findings import Finding, finding


@dataclass(frozen=True)
class GateOptions(Options):
    section = "integration"
    description = "Options of the integration rules I1-I7."

    contracts_paths: tuple = option("contracts-paths", ["contracts/**"],
                                    "I1: changes to these paths (git wildmatch) must run the integration gate.")
    services_paths: tuple = option("services-paths", ["src/services/**"],
                                   "I2: changes to these paths (git wildmatch) must run the integration gate.")
    gate_jobs: tuple = option("gate-jobs", [],
                              "Workflow job ids that are the integration gate, beyond the jobs that run the harness.")
    max_example_files: int = option("max-example-files", 200,
                                    "I1/I2: at most this many of the repository's own files are tried as example "
                                    "changes per filter (after the synthetic example).",
                                    schema={"type": "integer", "minimum": 0, "maximum": 100000})


I1 = Rule("I1", "Integration gate runs on contracts changes", "integration", ("workflows", "integration-harness"),
          ".i1_i2_gate:run", options=(GateOptions,), hooks=("observatory-ci-gate",),
          seed_check="dorny/paths-filter + job")
I2 = Rule("I2", "Integration gate runs on services changes", "integration", ("workflows", "integration-harness"),
          ".i1_i2_gate:run", options=(GateOptions,), hooks=("observatory-ci-gate",),
          seed_check="dorny/paths-filter + job")


# --- the decision ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GateMatch:
    path: str
    pattern: str
    rule: str                 # 'I1' or 'I2'


@dataclass(frozen=True)
class GateDecision:
    run: bool
    reason: str
    matches: tuple[GateMatch, ...] = ()
    error: str | None = None  # why the diff could not be computed (then run is True)
    changed: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"integration": self.run, "reason": self.reason, "error": self.error,
                "changed": len(self.changed),
                "matches": [{"path": m.path, "pattern": m.pattern, "rule": m.rule} for m in self.matches]}


def decide_gate(changed, options: GateOptions = GateOptions(), error: str | None = None) -> GateDecision:
    """Whether the integration gate must run for ``changed`` paths (None: the diff could not be computed)."""
    from ...patterns import compile_patterns

    if changed is None or error is not None:
        why = error or "the changed paths are unknown"
        return GateDecision(True, f"the diff could not be computed ({why}); running the gate (fail closed)",
                            error=why)
    paths = tuple(sorted(set(changed)))
    matches: list[GateMatch] = []
    for rule, patterns in (("I1", options.contracts_paths), ("I2", options.services_paths)):
        for pattern in patterns:
            spec = compile_patterns((pattern,))
            matches.extend(GateMatch(p, pattern, rule) for p in paths if spec.match_file(p))
    if matches:
        first = matches[0]
        more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        return GateDecision(True, f"{first.path} matches {first.pattern} ({first.rule}){more}", tuple(matches),
                            changed=paths)
    if not paths:
        return GateDecision(False, "nothing changed", changed=paths)
    return GateDecision(False, f"none of the {len(paths)} changed path(s) matches "
                               f"{', '.join((*options.contracts_paths, *options.services_paths))}", changed=paths)


# --- the static check ----------------------------------------------------------------------------------------

def gate_jobs_of(doc, harness_runs: set[str], configured: tuple) -> list[str]:
    """The workflow's integration-gate jobs: those running the harness, plus the configured ids it has."""
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return []
    return [str(j) for j in jobs if str(j) in harness_runs or str(j) in configured]


def examples_for(patterns: tuple, files: list[str], limit: int) -> list[str]:
    """Example changed paths for a filter: one synthetic path per pattern, then the repository's own files."""
    from ...parsers.ci_globs import example_path
    from ...patterns import compile_patterns

    out = list(dict.fromkeys(example_path(p) for p in patterns))
    spec = compile_patterns(tuple(patterns))
    spec_ok = [f for f in files if spec.match_file(f)]
    out.extend(f for f in spec_ok[:limit] if f not in out)
    return [p for p in out if spec.match_file(p)]


def check_gate_workflow(path: str, doc, gate_jobs: list[str], examples: dict[str, list[str]], filter_steps: dict,
                        patterns: dict[str, tuple]) -> list[Finding]:
    """I1/I2 findings for one workflow document (plain data): a path filter lets an example change skip a gate job."""
    from ...engines.ci_gate import gate_gaps
    from ...parsers.workflows import triggers
    from ...parsers.yaml_loader import line_of

    out: list[Finding] = []
    jobs = doc.get("jobs") if isinstance(doc, dict) else {}
    for rule, candidates in examples.items():
        if not candidates:
            continue
        gaps = gate_gaps(doc, gate_jobs, candidates, filter_steps)
        by_job: dict[tuple[str, str], list] = {}
        for gap in gaps:
            by_job.setdefault((gap.job, gap.example), []).append(gap)
        for (job, example), group in by_job.items():
            events = ", ".join(g.event for g in group)
            gap = group[0]
            what = ", ".join(patterns[rule])
            if gap.decided_by == "trigger":
                settings = triggers(doc).get(gap.event)
                key = "paths" if isinstance(settings, dict) and "paths" in settings else "paths-ignore"
                line = line_of(settings, key) if isinstance(settings, dict) else None
                why = f"the workflow's on.{gap.event}.{key} does not let it start the workflow"
            else:
                job_doc = jobs.get(job) if isinstance(jobs, dict) else None
                line = line_of(job_doc, "if") if isinstance(job_doc, dict) and "if" in job_doc else \
                    line_of(jobs, job)
                matched = (f"it matches only the paths-filter filter(s) {', '.join(gap.matched_filters)}"
                           if gap.matched_filters else "it matches none of the paths-filter filters")
                why = f"the job is skipped: {matched}, and its if:/needs do not run it then"
            out.append(finding(rule, path,
                               f"a change to {example} would not run the integration gate (job {job!r}, on {events}): "
                               f"{why}; make the filter that gates it cover {what}",
                               line or 1))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    """The adapter for I1 and I2."""
    from ...engines.ci_gate import path_filter_steps
    from .inputs import gather_workflows, read_optional, steps_running

    options = ws.options(GateOptions)
    workflows = gather_workflows(ws)
    harness = ws.glob("integration-harness")
    runs = steps_running(workflows, harness)
    examples = {"I1": examples_for(options.contracts_paths, ws.repo.files, options.max_example_files),
                "I2": examples_for(options.services_paths, ws.repo.files, options.max_example_files)}
    patterns = {"I1": options.contracts_paths, "I2": options.services_paths}
    out: list[Finding] = []
    for wf in workflows:
        if wf.doc is None:
            continue
        jobs = gate_jobs_of(wf.doc, {r.job for r in runs if r.workflow == wf.path}, options.gate_jobs)
        if not jobs:
            continue
        steps = path_filter_steps(wf.doc, lambda p: read_optional(ws, p))
        out.extend(check_gate_workflow(wf.path, wf.doc, jobs, examples, steps, patterns))
    return out
