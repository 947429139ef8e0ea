"""R1: the release workflow tests the packaged artifact before it publishes.

In the release workflow (layout ``release-workflow``), a *packaged-test* job runs the package command and then
the test command (defaults ``cargo package`` then ``cargo test``); a *publishing* job runs a publish command
(``cargo publish``, ``npm publish``, ``gh release create|upload``) or uses a publishing action
(``softprops/action-gh-release``). Commands are read from run: steps with the PowerShell / sh lexers.

- ``R1.no-packaged-test``: the workflow publishes but no job tests the packaged artifact.
- ``R1.publish-before-test``: a publishing job does not (transitively) ``needs`` a packaged-test job, so it can
  publish what was never tested.

Applies when the release workflow exists and uses the package or a publish-of-that-package command (by default:
any ``cargo`` packaging or publishing); other release workflows get nothing, since the default patterns say
nothing about them (configure yours).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding


@dataclass(frozen=True)
class ReleaseOptions(Options):
    section = "release"
    description = "Options of R1."

    package_commands: tuple = option("package-commands", ["cargo package"],
                                     "R1: commands that build the packaged artifact (program then words in order).")
    test_commands: tuple = option("test-commands", ["cargo test"],
                                  "R1: commands that test it (after a package command, in the same job).")
    publish_commands: tuple = option("publish-commands", ["cargo publish", "npm publish", "gh release create",
                                                          "gh release upload"],
                                     "R1: commands that publish a release.")
    publish_actions: tuple = option("publish-actions", ["softprops/action-gh-release"],
                                    "R1: actions (uses:, without @ref) that publish a release.")
    applies_when: tuple = option("applies-when", ["cargo package", "cargo publish"],
                                 "R1 applies to a release workflow that runs one of these commands.")


NO_PACKAGED_TEST = SubRule("R1.no-packaged-test", "The release workflow never tests the packaged artifact")
PUBLISH_BEFORE_TEST = SubRule("R1.publish-before-test", "A publishing job does not need the packaged-test job")
R1 = Rule("R1", "The release workflow tests the packaged artifact before publishing", "release",
          ("release-workflow",), "run", subrules=(NO_PACKAGED_TEST, PUBLISH_BEFORE_TEST), options=(ReleaseOptions,),
          hooks=("observatory-ci-gate",), seed_check="release.yml test-packaged job")


def job_commands(doc) -> dict[str, list]:
    """job id -> its run: commands in order (script_commands.Command)."""
    from ...parsers.script_commands import commands, shell_kind
    from ...parsers.workflows import job_steps

    out: dict[str, list] = {}
    for step in job_steps(doc):
        out.setdefault(step.job, [])
        kind = shell_kind(step.shell)
        if step.script is not None and kind is not None:
            out[step.job].extend(commands(step.script, kind))
    return out


def check_release(path: str, doc, options: ReleaseOptions = ReleaseOptions()) -> list[Finding]:
    from ...parsers.script_commands import matches_words
    from ...parsers.workflows import job_steps
    from ...parsers.yaml_loader import line_of

    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return []
    by_job = job_commands(doc)

    def runs(job: str, patterns) -> list:
        return [c for c in by_job.get(job, ()) if any(matches_words(c, p) for p in patterns)]

    if not any(runs(j, options.applies_when) for j in by_job):
        return []
    tested = []
    for job, cmds in by_job.items():
        packaged = False
        for command in cmds:
            if any(matches_words(command, p) for p in options.package_commands):
                packaged = True
            elif packaged and any(matches_words(command, p) for p in options.test_commands):
                tested.append(job)
                break
    publishing: dict[str, int | None] = {}
    actions = {a.lower() for a in options.publish_actions}
    for step in job_steps(doc):
        uses = step.step.get("uses") if isinstance(step.step, dict) else None
        if isinstance(uses, str) and uses.split("@", 1)[0].lower() in actions:
            publishing.setdefault(step.job, line_of(step.step, "uses"))
    for job in by_job:
        hit = runs(job, options.publish_commands)
        if hit and job not in publishing:
            publishing[job] = None
    if not publishing:
        return []
    if not tested:
        job = next(iter(publishing))
        return [finding(NO_PACKAGED_TEST, path, f"the release workflow publishes (job {job!r}) but no job runs "
                                                f"{' / '.join(options.package_commands)} then "
                                                f"{' / '.join(options.test_commands)}: what ships was never tested "
                                                "as packaged; add a job that tests the package and make publishing "
                                                "need it", line_of(jobs, job))]

    def needs(job: str) -> list[str]:
        value = jobs.get(job, {}).get("needs") if isinstance(jobs.get(job), dict) else None
        return [value] if isinstance(value, str) else [str(v) for v in value or ()] if isinstance(value, list) else []

    def upstream(job: str) -> set[str]:
        seen: set[str] = set()
        stack = needs(job)
        while stack:
            item = stack.pop()
            if item not in seen:
                seen.add(item)
                stack.extend(needs(item))
        return seen

    out = []
    for job in publishing:
        if job in tested or upstream(job) & set(tested):
            continue
        out.append(finding(PUBLISH_BEFORE_TEST, path,
                           f"job {job!r} publishes but does not need the packaged-test job "
                           f"({', '.join(repr(t) for t in tested)}), so it can publish an artifact whose tests "
                           "failed or never ran; add it to needs:", line_of(jobs, job)))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    from ..integration.inputs import gather_workflows

    options = ws.options(ReleaseOptions)
    wanted = set(ws.glob("release-workflow"))
    out: list[Finding] = []
    for wf in gather_workflows(ws):
        if wf.path in wanted and wf.doc is not None:
            out.extend(check_release(wf.path, wf.doc, options))
    return out
