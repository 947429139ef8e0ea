"""I4: the integration harness declares a runtime budget of at most 180 s, and the CI job or step that runs
the harness has a ``timeout-minutes`` that covers the budget plus a buffer.

- ``I4.budget``: the declared budget (``$RuntimeBudgetSec = N``, in a ``param()`` block or an assignment; the
  variable names are configurable) is over ``max-budget-seconds``.
- ``I4.no-budget`` (warning): a harness declares no budget variable at all.
- ``I4.ci-timeout``: the step or job running the harness has a ``timeout-minutes`` shorter than budget + buffer.
- ``I4.no-ci-timeout`` (warning): neither the step nor its job sets ``timeout-minutes`` (GitHub's default is
  six hours).

The workflow YAML is parsed (job and step ``timeout-minutes``, which step runs the harness by its commands).
Applies to harness scripts that exist and the workflow steps that run them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding


@dataclass(frozen=True)
class BudgetOptions(Options):
    section = "integration"

    budget_variables: tuple = option("budget-variables", ["RuntimeBudgetSec"],
                                     "I4: PowerShell/sh variables that declare the harness's runtime budget in "
                                     "seconds (case-insensitive).")
    max_budget: int = option("max-budget-seconds", 180, "I4: the largest runtime budget allowed, in seconds.",
                             schema={"type": "integer", "minimum": 1})
    buffer: int = option("timeout-buffer-seconds", 60,
                         "I4: what CI's timeout-minutes must allow beyond the budget (start-up, pulls, teardown).",
                         schema={"type": "integer", "minimum": 0})


BUDGET = SubRule("I4.budget", "The harness's runtime budget is over the maximum")
NO_BUDGET = SubRule("I4.no-budget", "The harness declares no runtime budget")
CI_TIMEOUT = SubRule("I4.ci-timeout", "CI's timeout for the harness is shorter than budget + buffer")
NO_CI_TIMEOUT = SubRule("I4.no-ci-timeout", "The CI step running the harness has no timeout-minutes")
I4 = Rule("I4", "Integration runtime budget is at most 180 s and CI's timeout covers it", "integration",
          ("integration-harness", "workflows"), "run", subrules=(BUDGET, NO_BUDGET, CI_TIMEOUT, NO_CI_TIMEOUT),
          options=(BudgetOptions,), hooks=("observatory-integration",), seed_check="integration-harness.ps1 timeout")


def declared_budgets(text: str, kind: str | None, names: tuple) -> list[tuple[int, int]]:
    """(seconds, line) of every ``$<name> = <number>`` in a harness script."""
    wanted = {n.lower().lstrip("$") for n in names}
    out: list[tuple[int, int]] = []
    if kind == "pwsh":
        from ...parsers.powershell import NUMBER, OPERATOR, VARIABLE, next_significant, tokenize

        tokens = tokenize(text)
        for i, tok in enumerate(tokens):
            if tok.kind != VARIABLE or tok.value.lower().split(":")[-1] not in wanted:
                continue
            j = next_significant(tokens, i, skip_newlines=False)
            if j < len(tokens) and tokens[j].kind == OPERATOR and tokens[j].text == "=":
                k = next_significant(tokens, j, skip_newlines=False)
                if k < len(tokens) and tokens[k].kind == NUMBER:
                    try:
                        out.append((int(float(tokens[k].text)), tok.line))
                    except ValueError:
                        pass
    elif kind == "sh":
        from ...parsers.shell.lexer import WORD, lex
        from ...parsers.script_commands import unquote

        for tok in lex(text):
            if tok.kind != WORD or "=" not in tok.text:
                continue
            name, value = tok.text.split("=", 1)
            value = unquote(value)
            if name.lower() in wanted and value.isdigit():
                out.append((int(value), tok.line))
            elif name.lower() in wanted and value.startswith("${") and ":-" in value and value.endswith("}"):
                default = value[2:-1].split(":-", 1)[1]
                if default.isdigit():
                    out.append((int(default), tok.line))
    return out


def check_budget(path: str, text: str, kind: str | None, options: BudgetOptions = BudgetOptions()) -> list[Finding]:
    if kind is None:
        return []
    budgets = declared_budgets(text, kind, options.budget_variables)
    if not budgets:
        return [finding(NO_BUDGET, path, f"the integration harness declares no runtime budget (a variable named "
                                         f"{' or '.join(options.budget_variables)}); declare one of at most "
                                         f"{options.max_budget} s and fail the run when it is exceeded", 1,
                        severity="warning")]
    return [finding(BUDGET, path, f"the runtime budget is {seconds} s, over the {options.max_budget} s the "
                                  f"invariant allows; make the harness faster or lower the budget", line)
            for seconds, line in budgets if seconds > options.max_budget]


def _minutes(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def check_ci_timeouts(runs, jobs_by_workflow: dict, budget: int | None, options: BudgetOptions = BudgetOptions()
                      ) -> list[Finding]:
    """I4.ci-timeout / I4.no-ci-timeout for the CI steps running a harness (``runs``: inputs.ScriptRun)."""
    from ...parsers.yaml_loader import line_of

    out = []
    need = (budget or options.max_budget) + options.buffer
    for run in runs:
        job = jobs_by_workflow.get(run.workflow, {}).get(run.job)
        step_timeout = run.step.get("timeout-minutes") if isinstance(run.step, dict) else None
        job_timeout = job.get("timeout-minutes") if isinstance(job, dict) else None
        if step_timeout is not None:
            value, where, line = _minutes(step_timeout), "the step's", line_of(run.step, "timeout-minutes")
        elif job_timeout is not None:
            value, where, line = _minutes(job_timeout), f"job {run.job!r}'s", line_of(job, "timeout-minutes")
        else:
            out.append(finding(NO_CI_TIMEOUT, run.workflow,
                               f"the step running {run.script} (job {run.job!r}) has no timeout-minutes, on the step "
                               f"or its job (GitHub's default is 360 minutes); set one that covers the budget plus "
                               f"a buffer ({need} s → {-(-need // 60)} minutes)", run.line, severity="warning"))
            continue
        if value is None:
            continue   # an expression: not known statically
        if value * 60 < need:
            out.append(finding(CI_TIMEOUT, run.workflow,
                               f"{where} timeout-minutes: {value:g} ({value * 60:g} s) does not cover the harness's "
                               f"budget plus buffer ({budget or options.max_budget} s + {options.buffer} s); raise it "
                               f"to at least {-(-need // 60)}", line))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    from .inputs import gather_harnesses, gather_workflows, steps_running

    options = ws.options(BudgetOptions)
    out: list[Finding] = []
    harnesses = [h for h in gather_harnesses(ws) if h.text is not None]
    budgets: dict[str, int | None] = {}
    for harness in harnesses:
        out.extend(check_budget(harness.path, harness.text, harness.kind, options))
        declared = declared_budgets(harness.text, harness.kind, options.budget_variables)
        budgets[harness.path] = max((s for s, _ in declared), default=None)
    workflows = gather_workflows(ws)
    jobs = {wf.path: (wf.doc.get("jobs") if isinstance(wf.doc.get("jobs"), dict) else {})
            for wf in workflows if wf.doc is not None}
    for harness in harnesses:
        runs = steps_running(workflows, [harness.path])
        out.extend(check_ci_timeouts(runs, jobs, budgets.get(harness.path), options))
    return out
