"""The script-rule adapter end to end: a repository on disk, api.check, targets, bad files."""

from __future__ import annotations

import pytest

from observatory_invariants import memory
from observatory_invariants.rules.scripts.lint import run

from ..helpers import write_tree

FILES = {
    "scripts/build.ps1": "\ufeff#Requires -Version 7\r\nexport FOO=1\r\ngit fetch && git pull\r\n$p = 'C:\\tools'",
    "scripts/ok.ps1": "Write-Host 'fine'\n",
    "tools/deploy": "#!/bin/sh\nif [[ -f x ]]; then :; fi\n",
    "tools/run.sh": "#!/bin/bash\nif [[ -f x ]]; then :; fi\n",
    ".github/workflows/ci.yml": "jobs:\n  a:\n    runs-on: windows-latest\n    steps:\n      - run: export A=1\n",
    ".github/actions/setup/action.yml": "runs:\n  using: composite\n  steps:\n    - run: export B=1\n      shell: pwsh\n",
    "src/services/gateway/main.rs": "fn main() { let p = \"C:\\\\data\"; }\n",
    "src/services/gateway/Dockerfile": "FROM alpine\nWORKDIR C:\\app\n",
    "docs/guide.md": "Install into C:\\Program Files.\n",
    "bin/tool.exe": b"MZ\x00\x00binary",
}


def test_whole_repository():
    found = sorted((f.path, f.line, f.rule) for f in run(memory.workspace(FILES), None))
    assert found == [
        (".github/actions/setup/action.yml", 4, "X4.workflow-step"),
        (".github/workflows/ci.yml", 5, "X4.workflow-step"),
        ("scripts/build.ps1", 2, "X4.pwsh-bashism"),
        ("scripts/build.ps1", 4, "X3.drive-path"),
        ("src/services/gateway/Dockerfile", 2, "X3.drive-path"),
        ("src/services/gateway/main.rs", 1, "X3.drive-path"),
        ("tools/deploy", 2, "X4.sh-bashism"),
    ]


def test_targets_limit_the_files():
    found = run(memory.workspace(FILES), ["tools/deploy", "scripts/ok.ps1"])
    assert [(f.path, f.rule) for f in found] == [("tools/deploy", "X4.sh-bashism")]


def test_unreadable_script_is_a_finding_not_a_crash():
    binary = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"   # a PE header, not text in any encoding
    ws = memory.workspace({"scripts/bad.ps1": binary, "a.sh": b"#!/bin/sh\n\xff\n"})
    found = sorted((f.path, f.rule) for f in run(ws, None))
    assert found == [("a.sh", "X4"), ("scripts/bad.ps1", "X4")]


def test_api_check_selects_rules(tmp_path):
    from observatory_invariants import api

    write_tree(tmp_path, FILES)
    rules = {f.rule for f in api.check(tmp_path, select=["X4"])}
    assert rules == {"X4.workflow-step", "X4.pwsh-bashism", "X4.sh-bashism"}
    assert {f.rule for f in api.check(tmp_path, select=["X3.drive-path"])} == {"X3.drive-path"}


def test_file_kinds_are_linted_by_their_rules():
    from observatory_invariants.rules.scripts.lint import POWERSHELL, SHELL, WORKFLOW, run_kinds

    ws = memory.workspace(FILES)
    assert {f.path for f in run_kinds(ws, None, {POWERSHELL})} == {"scripts/build.ps1"}
    assert {f.path for f in run_kinds(ws, None, {SHELL, None})} == {"tools/deploy"}
    assert {f.path for f in run_kinds(ws, None, {WORKFLOW})} == {".github/workflows/ci.yml",
                                                                 ".github/actions/setup/action.yml"}
    assert {f.rule for f in run_kinds(ws, None, None) if f.rule.startswith("X3")} == {"X3.drive-path"}


def test_only_the_work_the_selected_rules_need(monkeypatch):
    from observatory_invariants.rules.scripts import lint, x3_windows_paths

    def boom(*_a, **_k):
        raise AssertionError("work a selected rule does not need")

    ws = memory.workspace(FILES)
    monkeypatch.setattr(x3_windows_paths, "source_paths", boom)
    monkeypatch.setattr(x3_windows_paths, "python_paths", boom)
    found = {f.rule for f in lint.run_kinds(ws, None, None, rules={"X4"})}   # evidence yes (test data), X3 no
    assert found == {"X4.workflow-step", "X4.pwsh-bashism", "X4.sh-bashism"}
    from observatory_invariants.rules.scripts import x4_bashisms

    monkeypatch.setattr(x4_bashisms, "bashisms", boom)
    monkeypatch.setattr(lint, "_gather_evidence", lambda ws, options, no_file_only=False: __import__(
        "observatory_invariants.rules.scripts.evidence", fromlist=["Evidence"]).Evidence())
    assert lint.run_kinds(ws, None, None, rules={"B4"}) == []   # B4 reads PowerShell only: no sh lexing


def test_the_pool_gives_the_same_findings_in_the_same_order():
    from observatory_invariants.rules.scripts.lint import POWERSHELL, check_many

    items = [(f"s{k}.ps1", f"export A{k}=1\n$p = 'C:\\\\x{k}'\ncmd /c dir\n", POWERSHELL, None) for k in range(6)]
    one = check_many(items, None, None, jobs=1)
    pooled = check_many(items, None, None, jobs=2)
    assert pooled == one and len(one) == 6 and all(len(f) == 3 for f in one)


@pytest.mark.parametrize("files, rules", [
    ({  # test data a Pester test reads, never runs: skipped by the evidence, whatever is selected
        "scripts/lint.Tests.ps1": 'Describe "x" {\n  It "parses" {\n    $text = Get-Content (Join-Path $PSScriptRoot '
                                  '"sample.ps1") -Raw\n  }\n}\n',
        "scripts/sample.ps1": "if [ -f /etc/passwd ]; then\n  echo found\nfi\nexport FOO=bar\n",
    }, {"X4"}),
    ({  # an extension-less #!/bin/sh script copied into an Alpine image runs under busybox ash
        "app/Dockerfile": 'FROM alpine:3.19\nCOPY app/entry /entry\nCMD ["/entry"]\n',
        "app/entry": '#!/bin/sh\nif [[ -n "$1" ]]; then echo hi; fi\nsource ./env\n',
    }, {"X4"}),
])
def test_a_rule_alone_finds_what_it_finds_in_a_full_run(files, rules):
    from observatory_invariants.rules.scripts import lint

    ws_all, ws_one = memory.workspace(files), memory.workspace(files)
    everything = [f for f in lint.run_kinds(ws_all, None, None, None) if f.rule.split(".")[0] in rules]
    assert lint.run_kinds(ws_one, None, None, rules) == everything


def test_ash_evidence_reaches_extension_less_scripts_in_a_full_run():
    from observatory_invariants.rules.scripts import lint

    ws = memory.workspace({"app/Dockerfile": 'FROM alpine:3.19\nCOPY app/entry /entry\nCMD ["/entry"]\n',
                           "app/entry": '#!/bin/sh\nif [[ -n "$1" ]]; then echo hi; fi\n',
                           "scripts/x.ps1": "Write-Host hi\n"})   # a PowerShell file: the evidence is gathered
    found = [f for f in lint.run_kinds(ws, None, None, None) if f.path == "app/entry"]
    assert found and all(str(f.severity) == "warning" and "ash" in f.message for f in found), found


def test_a_batch_collects_rarely_and_restores_the_collector_threshold(monkeypatch):
    """check_many raises gen-0's threshold for the batch only: the caller's setting is back afterwards, also when a
    file's check fails."""
    import gc

    from observatory_invariants.rules.scripts import lint

    seen = []
    real = lint.check_script_file

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return real(*args, **kwargs)

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        monkeypatch.setattr(lint, "check_script_file", spy)
        lint.check_many([("a.ps1", "Write-Host hi\n", lint.POWERSHELL, None)], jobs=1)
        assert seen == [100_000] and gc.get_threshold() == (700, 10, 10)

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(lint, "check_script_file", broken)
        with pytest.raises(RuntimeError):
            lint.check_many([("a.ps1", "x\n", lint.POWERSHELL, None)], jobs=1)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_extension_less_files_without_a_shebang_need_no_evidence(monkeypatch):
    """LICENSE, VERSION, Makefile…: not scripts, so no rule's work and no repository evidence for them."""
    from observatory_invariants.rules.scripts import lint

    def boom(*_a, **_k):
        raise AssertionError("evidence gathered for files that are not scripts")

    ws = memory.workspace({"VERSION": "1.2.3\n", "LICENSE": "MIT C:\\x\n", "src/svc/Makefile": "all:\n\techo hi\n",
                           "tools/run": "\ufeff#!/bin/sh\necho hi\n"})
    monkeypatch.setattr(lint, "_gather_evidence", boom)
    with pytest.raises(AssertionError, match="not scripts"):   # tools/run has a shebang (after a BOM): evidence
        lint.run_kinds(ws, None, None, rules={"B4"})
    ws = memory.workspace({"VERSION": "1.2.3\n", "LICENSE": "MIT C:\\x\n", "src/svc/Makefile": "all:\n\techo hi\n"})
    for rules in ({"B4"}, {"X1", "X2"}, {"X3"}, {"X4"}, None):
        assert lint.run_kinds(ws, None, None, rules=rules) == []


def test_busybox_ash_evidence_only_for_x4(monkeypatch):
    """Which scripts run under busybox ash (copied into Alpine images) matters to X4's bashisms alone."""
    from observatory_invariants.rules.scripts import lint

    files = {"Dockerfile": "FROM alpine:3.19\nCOPY tools/run /run\nRUN /run\n",
             "tools/run": "#!/bin/sh\nif [[ -n \"$X\" ]]; then echo C:\\\\x; fi\n"}
    ws = memory.workspace(files)
    monkeypatch.setattr(lint, "ash_shells", lambda ws: (_ for _ in ()).throw(AssertionError("ash for no X4")))
    for rules in ({"X1", "X2", "B4"}, {"X3"}):
        lint.run_kinds(ws, None, None, rules=rules)
    with pytest.raises(AssertionError, match="ash for no X4"):
        lint.run_kinds(memory.workspace(files), None, None, rules={"X4"})


_UNGUARDED = "$config = Join-Path $PSScriptRoot 'config.json'\nGet-Content $config\n"


@pytest.mark.parametrize("where, text", [
    ("README.md", "Install: `irm https://example.org/tools/install.ps1 | iex`\n"),
    (".github/workflows/ci.yml", "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                                 "      - run: \"\\x69ex (irm https://example.org/tools/install.ps1)\"\n"
                                 "        shell: pwsh\n"),
    ("tools/setup.ps1", "Invoke-Expression (Get-Content ./tools/install.ps1 -Raw)\n"),
])
def test_b4_alone_finds_what_b4_finds_in_a_whole_run(where, text):
    # B4 alone gathers only the evidence it reads (code run without its script file): the sources that cannot hold
    # such a reference are skipped, a workflow with a backslash is not (YAML escapes can spell "iex").
    from observatory_invariants.rules.scripts.lint import run_kinds

    ws_files = {"tools/install.ps1": _UNGUARDED, "tools/other.ps1": _UNGUARDED, where: text}
    alone = [f for f in run_kinds(memory.workspace(ws_files), None, None, rules={"B4"})]
    whole = [f for f in run_kinds(memory.workspace(ws_files), None, None) if f.rule.startswith("B4")]
    assert alone == whole
    assert [f.path for f in alone] == ["tools/install.ps1"]   # the evidence is what makes it a finding
