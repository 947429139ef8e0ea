"""``observatory-invariants compat OLD.json NEW.json``: explain the compatibility of two schema versions.

One line per change (pointer, kind, bump, what changed), then the verdict and,
when both files carry ``$version``, whether the bump is big enough. Exit code:
2 for unusable input; otherwise 1 when the pair needs a bigger version bump
than it has (or, when the files carry no ``$version``, when it is
incompatible under the policy), else 0.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..engines.compat.model import POLICIES
from . import add_format_option


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.json", help="the old version of the schema")
    parser.add_argument("new", metavar="NEW.json", help="the new version of the schema")
    parser.add_argument("--policy", choices=POLICIES, default="seed",
                        help="seed (the seed's table, default), backward (new reads old data), forward (old reads new "
                             "data) or full (both)")
    add_format_option(parser, choices=("text", "json"))
    parser.add_argument("--no-example", dest="example", action="store_false",
                        help="do not search for a counterexample instance (text output)")


class _BadInput(Exception):
    pass


def _load(path: str):
    from ..parsers.strict_json import parse_json
    from ..errors import UnreadableFile
    from ..repo import read_regular_file
    from ..textio import DEFAULT_MAX_FILE_SIZE, decode_text

    try:   # a regular file under the size cap: a FIFO, a device or /dev/zero is refused, never read
        text = decode_text(path, read_regular_file(path, DEFAULT_MAX_FILE_SIZE, shown=path))
    except UnreadableFile as exc:
        raise _BadInput(str(exc)) from None
    value, problem = parse_json(text)
    if problem is not None:
        raise _BadInput(f"{path}:{problem.line}:{problem.column}: {problem.message}")
    return value


def _verdict(changes, policy: str, old, new):
    from ..engines.compat import check_version_bump, is_compatible, required_bump
    from ..engines.compat.versions import content_differs

    needed = required_bump(changes)
    compatible = is_compatible(changes)
    versions = None
    if isinstance(old, dict) and isinstance(new, dict) and ("$version" in old or "$version" in new):
        versions = check_version_bump(old.get("$version"), new.get("$version"), changes,
                                      content_changed=content_differs(old, new), policy=policy)
    return needed, compatible, versions


def main(args: argparse.Namespace) -> int:
    from ..engines.compat import InvalidSchema, diff_schemas

    try:
        old, new = _load(args.old), _load(args.new)
        changes = diff_schemas(old, new, policy=args.policy)
    except (_BadInput, InvalidSchema) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    needed, compatible, versions = _verdict(changes, args.policy, old, new)
    failed = bool(versions) if versions is not None else not compatible
    if args.format == "json":
        report = {"changes": [c.to_dict() for c in changes], "required_bump": str(needed), "compatible": compatible}
        if versions is not None:   # both files carry $version: is the bump big enough?
            report["version"] = {"old": old.get("$version"), "new": new.get("$version"), "ok": not versions,
                                 "problems": [{"code": p.code, "message": p.message} for p in versions]}
        print(json.dumps(report, indent=2))
        return 1 if failed else 0
    out = sys.stdout
    if not changes:
        out.write("no changes that affect validation\n")
    for change in changes:
        flag = " [undecidable]" if change.undecidable else ""
        out.write(f"{change.pointer or '/'}: {change.kind} ({change.bump}){flag}: {change.message}\n")
    verdict = "compatible" if compatible else "INCOMPATIBLE"
    out.write(f"\nverdict under the {args.policy!r} policy: {verdict}; required bump: {needed}\n")
    if versions is not None:
        if versions:
            for problem in versions:
                out.write(f"version: {problem.message}\n")
        else:
            out.write(f"version: {old.get('$version')} -> {new.get('$version')} covers it\n")
    if not compatible and args.example:
        _write_examples(out, old, new, changes)
    return 1 if failed else 0


def _write_examples(out, old, new, changes) -> None:
    from ..engines.compat import Bump
    from ..engines.compat.examples import find_counterexample

    breaking = [c for c in changes if c.bump == Bump.MAJOR]
    if any(c.narrows for c in breaking):
        found = find_counterexample(old, new)
        if found is not None:
            out.write(f"example: the old schema accepts, the new one rejects: {json.dumps(found[0])}\n")
    if any(c.widens for c in breaking):
        found = find_counterexample(new, old)
        if found is not None:
            out.write(f"example: the new schema accepts, the old one rejects: {json.dumps(found[0])}\n")
