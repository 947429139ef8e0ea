"""``observatory-invariants gate [--base REF | --staged] [--format text|json|github]``: must the integration
gate run for what changed? (I1/I2's decision, :func:`~observatory_invariants.rules.integration.i1_i2_gate.decide_gate`.)

What changed: since the merge base with ``--base REF``, the staged files with ``--staged``, else the work tree
against HEAD. Fail closed: when the diff cannot be computed (no git, an unknown or malformed ref, a shallow
clone without the merge base) the answer is "run it", with the reason, and the exit code is still 0 — the
decision is the output. ``--format github`` prints ``integration=true|false`` (and ``reason=…``) lines for
``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_CLEAN, UsageError, add_format_option, add_repository_options


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF", help="what changed since the merge base with REF (a pull request)")
    parser.add_argument("--staged", action="store_true", help="what is staged for commit")
    add_format_option(parser, choices=("text", "json", "github"))
    add_repository_options(parser)


def changed_paths(repo, base: str | None, staged: bool):
    """(paths, None) or (None, why the diff could not be computed)."""
    from ..errors import ConfigError, GitError

    try:
        if base is not None:
            return repo.changed_paths(base), None
        if staged:
            return repo.staged_paths(), None
        repo.require_git("gate")
        return repo.changed_paths("HEAD"), None
    except (GitError, ConfigError) as exc:
        return None, str(exc)


def render(decision, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(decision.to_dict(), indent=2) + "\n"
    if fmt == "github":
        reason = decision.reason.replace("\r", " ").replace("\n", " ")
        return f"integration={'true' if decision.run else 'false'}\nreason={reason}\n"
    verdict = "run" if decision.run else "skip"
    lines = [f"integration gate: {verdict} — {decision.reason}"]
    lines += [f"  {m.path} matches {m.pattern} ({m.rule})" for m in decision.matches[:20]]
    if len(decision.matches) > 20:
        lines.append(f"  … and {len(decision.matches) - 20} more")
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    from ..repo import Repository
    from ..rules.integration.i1_i2_gate import GateOptions, decide_gate
    from . import open_repository

    if args.base and args.staged:
        raise UsageError("--base and --staged cannot be combined")
    root, config = open_repository(args)
    repo = Repository(root, exclude=config.exclude)
    paths, error = changed_paths(repo, args.base, args.staged)
    decision = decide_gate(paths, config.options(GateOptions), error)
    sys.stdout.write(render(decision, args.format))
    if decision.error:
        print(f"observatory-invariants: gate: {decision.reason}", file=sys.stderr)
    return EXIT_CLEAN
