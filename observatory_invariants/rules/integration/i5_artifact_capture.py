"""I5: the integration harness captures its artifacts on every run — in a ``finally`` block.

PowerShell harnesses are read with the PowerShell tokenizer's block structure: a capture command (default
``docker compose logs``, ``docker-compose logs``, ``docker logs``; configurable) counts when it sits inside a
``finally { }`` block, directly or through a function of the script that captures (followed to a fixed point).
POSIX sh harnesses: the capture must run from a ``trap … EXIT`` handler.

- ``I5.no-capture``: the harness never captures logs.
- ``I5.outside-finally``: it captures, but not in a ``finally`` block (or EXIT trap), so a failing run — the
  one whose logs matter — exits before the capture.

Applies to the harness scripts that exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding


@dataclass(frozen=True)
class CaptureOptions(Options):
    section = "integration"

    capture_commands: tuple = option("capture-commands", ["docker compose logs", "docker-compose logs", "docker logs"],
                                     "I5: commands that capture the harness's artifacts (program then words in order; "
                                     "options may come between).")


NO_CAPTURE = SubRule("I5.no-capture", "The harness never captures logs")
OUTSIDE_FINALLY = SubRule("I5.outside-finally", "The harness captures logs, but not in a finally block")
I5 = Rule("I5", "Artifact capture runs on every harness run (finally block)", "integration", ("integration-harness",),
          "run", subrules=(NO_CAPTURE, OUTSIDE_FINALLY), options=(CaptureOptions,),
          hooks=("observatory-integration",), seed_check="Guarded capture in finally block")


def _pwsh_captures(text: str, patterns: tuple) -> tuple[list, bool]:
    """(capture commands found, whether one runs from a finally block)."""
    from ...parsers.powershell import blocks, tokenize
    from ...parsers.script_commands import commands, matches_words

    tokens = tokenize(text)
    all_blocks = blocks(tokens)
    functions = [b for b in all_blocks if b.keyword in ("function", "filter") and b.name]
    found = commands(text, "pwsh")
    direct = [c for c in found if any(matches_words(c, p) for p in patterns)]
    capturing: set[str] = set()
    changed = True
    while changed:   # functions that capture, directly or by calling one that does
        changed = False
        for fn in functions:
            name = fn.name.lower()
            if name in capturing:
                continue
            inside = [c for c in found if fn.open < c.index < fn.close]
            if any(c in direct or c.name.lower() in capturing for c in inside):
                capturing.add(name)
                changed = True
    finallies = [b for b in all_blocks if b.keyword == "finally"]

    def in_function_body(index: int) -> bool:
        return any(fn.open < index < fn.close for fn in functions)

    def in_finally(index: int) -> bool:
        for block in finallies:
            if block.open < index < block.close:
                # a function merely defined inside the finally block does not run there
                inner = [fn for fn in functions if block.open < fn.open and fn.open < index < fn.close]
                if not inner:
                    return True
        return False

    captures = [c for c in found if c in direct or c.name.lower() in capturing]
    ok = any(in_finally(c.index) for c in captures if c.index >= 0)
    return [c for c in direct if not in_function_body(c.index)] or direct, ok


def _sh_captures(text: str, patterns: tuple) -> tuple[list, bool | None]:
    from ...parsers.script_commands import commands, matches_words

    found = commands(text, "sh")
    direct = [c for c in found if any(matches_words(c, p) for p in patterns)]
    ok: bool | None = False
    for command in found:
        if command.program() != "trap" or not command.args:
            continue
        signals = {a.upper() for a in command.args[1:]}
        if not signals & {"EXIT", "0"}:
            continue
        handler = commands(command.args[0], "sh")
        if any(any(matches_words(h, p) for p in patterns) for h in handler):
            return direct, True
        if handler:
            ok = None   # the handler calls something we do not follow: not judged
    return direct, ok


def check_capture(path: str, text: str, kind: str | None, options: CaptureOptions = CaptureOptions()) -> list[Finding]:
    if kind == "pwsh":
        direct, ok = _pwsh_captures(text, options.capture_commands)
        where = "a finally block"
    elif kind == "sh":
        direct, ok = _sh_captures(text, options.capture_commands)
        where = "a trap … EXIT handler"
    else:
        return []
    if ok or ok is None:
        return []
    if not direct:
        return [finding(NO_CAPTURE, path, f"the integration harness never captures its logs (none of: "
                                          f"{', '.join(options.capture_commands)}); capture them in {where} so "
                                          "every run, failed ones first, leaves artifacts", 1)]
    first = direct[0]
    lines = text.replace("\r\n", "\n").split("\n")
    shown = lines[first.line - 1].strip()[:60] if 0 < first.line <= len(lines) else " ".join(first.words)[:60]
    return [finding(OUTSIDE_FINALLY, path, f"`{shown}` captures logs outside {where}: a run that "
                                           f"fails before it leaves no artifacts; move the capture into {where}",
                    first.line, first.column)]


def run(ws, targets: list[str] | None) -> list[Finding]:
    from .inputs import gather_harnesses

    options = ws.options(CaptureOptions)
    out: list[Finding] = []
    for harness in gather_harnesses(ws):
        if harness.text is not None:
            out.extend(check_capture(harness.path, harness.text, harness.kind, options))
    return out
