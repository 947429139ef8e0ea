"""``observatory-invariants coverage``: judge every configured service's coverage now, print a table, and (when
asked) raise the ratchet's baseline.

The findings are V1–V6/V2a's, produced by the same rules ``check`` runs (suppressions, per-path ignores and
severity overrides included); this command only adds what ``check`` leaves to CI: reports are *required* here (a
configured service without one is an error), ``--report SERVICE=PATH`` names reports the config does not, and
``--update-baseline`` writes ``coverage-baseline.json`` — the one thing in this tool that writes a file. It raises
entries to the new measurements and never lowers one unless ``--allow-decrease`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import EXIT_CLEAN, EXIT_FINDINGS, UsageError, add_format_option, add_repository_options

SERVICE_IDS = ("V1", "V2", "V2a", "V3", "V4", "V5", "V6")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", action="append", default=[], metavar="SERVICE=PATH",
                        help="the coverage report of SERVICE (a key of coverage-config.json's thresholds); PATH is "
                             "relative to the current folder; repeat for several services. Overrides the config's "
                             "report path")
    parser.add_argument("--update-baseline", action="store_true",
                        help="raise the ratchet's baseline (coverage-baseline.json) to the measurements; entries "
                             "are never lowered")
    parser.add_argument("--allow-decrease", action="store_true",
                        help="with --update-baseline: also lower entries (and replace ones measured differently)")
    add_format_option(parser, choices=("text", "json"))
    add_repository_options(parser)


def parse_reports(values: list[str], cwd: Path) -> dict[str, str]:
    reports: dict[str, str] = {}
    for value in values:
        service, sep, path = value.partition("=")
        if not sep or not service.strip() or not path.strip():
            raise UsageError(f"--report {value}: expected SERVICE=PATH")
        if service in reports:
            raise UsageError(f"--report {service}=…: given twice")
        reports[service.strip()] = str((cwd / path).resolve()) if not Path(path).is_absolute() else path
    return reports


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.2f}%".replace(".00%", "%")


def table_rows(inputs, reports: dict, results: dict, findings) -> list[dict]:
    """One row per service and sub-path: measured, min, warn, baseline, verdict."""
    from ..engines.coverage import compare_with_baseline

    rows = []
    if inputs.config is None:
        return rows
    ratchet = {}
    if inputs.baseline is not None:
        ratchet = {(r.service, r.path): r for r in
                   compare_with_baseline(results.values(), inputs.baseline, inputs.config.ratchet.tolerance)}
    for name, service in inputs.config.services.items():
        item = reports.get(name)
        result = results.get(name)
        baseline = inputs.baseline.entries.get((name, None)) if inputs.baseline is not None else None
        if result is None:
            verdict = "no report" if item is None or item.missing else "bad report"
            measured = None
        else:
            verdict = {"ok": "ok", "warn": "below warn", "fail": "below min", "empty": "empty"}[result.verdict]
            measured = result.measured.percent
        r = ratchet.get((name, None))
        if r is not None and r.status == "decreased":
            verdict += ", below baseline"
        rows.append({"service": name, "path": None, "rule": inputs.rules.get(name), "report": item.path if item else None,
                     "measurement": result.measured.measurement if result else None, "measured": measured,
                     "covered": result.measured.counter.covered if result else None,
                     "total": result.measured.counter.total if result else None,
                     "min": service.min, "warn": service.warn,
                     "baseline": baseline.percent if baseline else None, "verdict": verdict})
        for sub in service.paths:
            sub_result = next((p for p in result.paths if p.pattern == sub.pattern), None) if result else None
            sub_baseline = inputs.baseline.entries.get((name, sub.pattern)) if inputs.baseline is not None else None
            verdict = ({"ok": "ok", "warn": "below warn", "fail": "below min", "empty": "empty"}[sub_result.verdict]
                       if sub_result else rows[-1]["verdict"] if result is None else "—")
            r = ratchet.get((name, sub.pattern))
            if r is not None and r.status == "decreased":
                verdict += ", below baseline"
            rows.append({"service": name, "path": sub.pattern, "rule": inputs.path_rule(name, sub),
                         "report": item.path if item else None,
                         "measurement": sub_result.measured.measurement if sub_result else None,
                         "measured": sub_result.measured.percent if sub_result else None,
                         "covered": sub_result.measured.counter.covered if sub_result else None,
                         "total": sub_result.measured.counter.total if sub_result else None,
                         "min": sub.min, "warn": sub.warn,
                         "baseline": sub_baseline.percent if sub_baseline else None, "verdict": verdict})
    return rows


def print_table(rows: list[dict]) -> None:
    headers = ("SERVICE", "RULE", "MEASURED", "MIN", "WARN", "BASELINE", "VERDICT", "REPORT")
    cells = []
    for row in rows:
        name = row["service"] + (f" {row['path']}" if row["path"] else "")
        measured = _fmt(row["measured"])
        if row["measured"] is not None:
            measured += f" ({row['covered']}/{row['total']} {row['measurement']})"
        cells.append([name, row["rule"] or "", measured, f"{row['min']:g}%", f"{row['warn']:g}%",
                      _fmt(row["baseline"]), row["verdict"], row["report"] or "—"])
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())


def main(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..api import open_workspace, run_workspace
    from ..reporters import render
    from ..rules.coverage.v1_v6_thresholds import evaluate
    from . import open_repository, rule_descriptors

    if args.allow_decrease and not args.update_baseline:
        raise UsageError("--allow-decrease only makes sense with --update-baseline")
    reports = parse_reports(args.report, Path.cwd())
    root, config = open_repository(args)
    ws = open_workspace(root, config=config)
    ws.reports = reports
    ws.require_reports = True
    result = run_workspace(ws, select=list(SERVICE_IDS))
    inputs, _findings, read, results = evaluate(ws)
    if inputs.config_path is None:
        raise UsageError(f"no coverage config at {root} (looked for {', '.join(ws.patterns('coverage-config'))})")
    findings = result.findings
    rows = table_rows(inputs, read, results, findings)
    changes = []
    written = None
    if args.update_baseline:
        written, changes = _update_baseline(ws, inputs, results, args.allow_decrease)
    if args.format == "json":
        document = {"config": inputs.config_path, "baseline": inputs.baseline_path, "services": rows,
                    "findings": [f.to_dict() for f in findings],
                    "baseline_update": None if not args.update_baseline else {
                        "written": written, "changes": [vars(c) for c in changes]}}
        print(json.dumps(document, indent=2))
    else:
        if rows:
            print_table(rows)
            print()
        sys.stdout.write(render("text", findings, descriptors=rule_descriptors(ws.config), tool_version=__version__))
        if args.update_baseline:
            for c in changes:
                label = c.service + (f" {c.path}" if c.path else "")
                print(f"baseline {c.action}: {label} {_fmt(c.old)} -> {_fmt(c.new)}"
                      + (" (kept: pass --allow-decrease to lower it)" if c.action == "kept" else ""))
            print(f"wrote {written}" if written else "baseline unchanged: nothing measured to record")
    for error in result.internal_errors:
        print(f"observatory-invariants: internal error in check {error}", file=sys.stderr)
    if result.internal_errors:
        return 2
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in findings) else EXIT_CLEAN


def _update_baseline(ws, inputs, results: dict, allow_decrease: bool):
    from ..engines.coverage import update_baseline
    from ..engines.coverage_config import Baseline, dump_baseline

    if inputs.config is None:
        raise UsageError(f"{inputs.config_path} is not valid; fix it before updating the baseline")
    if inputs.baseline_path is None:
        raise UsageError("no baseline path: set ratchet.baseline in coverage-config.json or [paths] "
                         "coverage-baseline")
    if inputs.baseline is None and inputs.baseline_text is not None:
        raise UsageError(f"{inputs.baseline_path} is not a valid baseline; fix or delete it first")
    if not results:
        return None, []
    new, changes = update_baseline(inputs.baseline or Baseline(), results.values(), allow_decrease)
    text = dump_baseline(new)
    if text != inputs.baseline_text:
        ws.repo.write_text(inputs.baseline_path, text)
        return inputs.baseline_path, changes
    return None, changes
