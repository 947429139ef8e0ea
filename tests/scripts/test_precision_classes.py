"""Issue 9 §2: one minimal regression test per false-alarm class of the script rules (each failed before the fix).

The cases are written in our own words, after the classes seen on the ecosystem corpus
(benchmarks/ecosystem): what the rule must stay quiet about, and, beside it, the near miss it must still catch.
"""

from __future__ import annotations

import pytest

from observatory_invariants.rules.scripts.lint import check_powershell

from .conftest import ps_findings, sh_rules


def rules(text: str, **options) -> list[str]:
    return [f.rule for f in check_powershell("t.ps1", text, options)]


def errors(text: str, **options) -> list[str]:
    return [f.rule for f in check_powershell("t.ps1", text, options) if str(f.severity) == "error"]


# --- PowerShell: only a token in command position is a command ---------------------------------------------

@pytest.mark.parametrize("script", [
    '$Artifact = "tool-windows-x64.exe"',
    "$toolName = \"certutil\"\n& $toolName -hashfile x",
    "$cfg = @{ Command = 'Remove-Service'; Script = \"Get-Uptime\" }",
    "$cases = @(\n  @{ Script = 'Get-WmiObject Win32_Bios' }\n)",
    "Write-Host 'run powershell.exe to see'",
    "$report.AddToolVersion(\"PowerShell\", $version)",
    "switch ($shell) { 'cmd' { 'x' } powershell { 'y' } }",
])
def test_strings_and_keys_are_data_not_commands(script):
    assert [r for r in rules(script) if r[:2] in ("X1", "X2")] == []


@pytest.mark.parametrize("script, rule", [
    ("& 'tool.exe' /x", "X1.windows-command"),
    ("$v = cmd /c ver", "X1.windows-command"),
    ("$cfg = @{ Version = Get-Uptime }", "X2.undeclared"),
])
def test_real_commands_in_expressions_are_still_commands(script, rule):
    assert rules(script).count(rule) == 1, rules(script)


@pytest.mark.parametrize("script", [
    "[Parameter(Mandatory=$true)]\n[string]$Name",
    "param(\n  [Parameter(\n    Mandatory=$true,\n    Position=0)]\n  [string]$Path\n)",
    "[CmdletBinding(SupportsShouldProcess=$true)]\nparam()",
    "$h = @{ Name=\"api\"; File=\"api.ps1\" }",
    "$h = @{\n  Name=\"api\"\n  File=\"api.ps1\"\n}",
    "$opts = @{\n  source = $feed\n  target = 'x'\n}",
    "class Box {\n  Box() { }\n  [string]$Name = 'x'\n}",
])
def test_attributes_hashtables_and_classes_are_not_bash(script):
    assert [r for r in rules(script) if r.startswith("X4")] == []


@pytest.mark.parametrize("script", [
    "kubectl wait --for=condition=Ready pod/api",
    "docker run --env=FOO=bar alpine",
    "git log --format=format:%H -1",
])
def test_native_option_values_are_not_environment_prefixes(script):
    assert [r for r in rules(script) if r.startswith("X4")] == []


def test_bash_environment_prefix_and_source_are_still_found():
    assert "X4.pwsh-bashism" in rules("FOO=bar ./build.sh")
    assert "X4.pwsh-bashism" in rules("source ./env.sh")
    assert "X4.pwsh-bashism" in rules("greet() {\n  echo hi\n}")


def test_subexpression_around_a_grouping_is_not_arithmetic():
    assert rules("$v = $((Get-AppxPackage -Name x).Version)") == []
    assert "X4.pwsh-bashism" in rules("$n = $((1 + 2))")


def test_alias_named_like_an_operator_and_functions_shadowing_cmdlets():
    assert [r for r in rules("Set-Alias ?? Invoke-NullCoalescing") if r.startswith("X2")] == []
    assert [r for r in rules("function Get-Error { 'mine' }\nGet-Error") if r.startswith("X2")] == []
    assert "X2.undeclared" in rules("Get-Error -Newest 1")


def test_the_same_finding_never_twice():
    found = [(f.rule, f.line) for f in ps_findings("& 'tool.exe' /x")]
    assert len(found) == len(set(found)) == 1


# --- PowerShell: platform guards ------------------------------------------------------------------------------

WINDOWS_ONLY_CODE = "Get-ItemProperty 'HKLM:\\Software\\Vendor'\n$tools = 'C:\\tools'\nrobocopy a b /MIR"


@pytest.mark.parametrize("guarded", [
    "if ($IsWindows) {{\n{code}\n}}",
    "if (-not $IsLinux) {{\n{code}\n}}",
    "if (-not ($IsLinux -or $IsMacOS)) {{\n{code}\n}}",
    "if (-not $IsCoreCLR) {{\n{code}\n}}",
    "if ($IsCoreCLR) {{ 'core' }} else {{\n{code}\n}}",
    "if ($IsLinux -or $IsMacOS) {{ 'unix' }} else {{\n{code}\n}}",
    "if ($PSVersionTable.Platform -eq 'Win32NT') {{\n{code}\n}}",
    "if ($PSVersionTable.Platform -ne 'Unix') {{\n{code}\n}}",
    "if ([Environment]::OSVersion.Platform -eq 'Win32NT') {{\n{code}\n}}",
    "if ([System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform("
    "[System.Runtime.InteropServices.OSPlatform]::Windows)) {{\n{code}\n}}",
    "if (-not $IsWindows) {{ return }}\n{code}",
    "if (!$IsWindows) {{ exit 0 }}\n{code}",
    "function Set-Thing {{\n  if ($IsLinux) {{ throw 'not here' }}\n{code}\n}}",
    "Describe 'registry' -Skip:(-not $IsWindows) {{\n  It 'reads' {{\n{code}\n  }}\n}}",
    "It 'reads' -Skip:($IsLinux -or $IsMacOS) {{\n{code}\n}}",
    "$onWindows = $IsWindows -or $env:OS -eq 'Windows_NT'\nif ($onWindows) {{\n{code}\n}}",
    "$skip = -not $IsWindows\nContext 'win' -Skip:$skip {{\n{code}\n}}",
])
def test_platform_guards_are_understood(guarded):
    script = guarded.format(code=WINDOWS_ONLY_CODE)
    assert [r for r in rules(script) if r[:2] in ("X1", "X3")] == [], script


@pytest.mark.parametrize("unguarded", [
    "if ($IsLinux) {{ 'linux' }}\n{code}",
    "if (-not $IsWindows) {{ Write-Host 'not windows' }}\n{code}",
    "if ($IsMacOS) {{\n{code}\n}}",
    "It 'reads' -Skip:($IsWindows) {{\n{code}\n}}",
    "if ($IsWindows -or $Force) {{\n{code}\n}}",
])
def test_conditions_that_let_linux_in_are_not_guards(unguarded):
    script = unguarded.format(code=WINDOWS_ONLY_CODE)
    assert {"X1.registry", "X1.windows-command", "X3.drive-path"} <= set(rules(script)), script


def test_probes_and_availability_checks_are_not_hazards():
    assert rules("$nano = Get-ItemProperty 'HKLM:\\Software\\X' -ErrorAction Ignore") == []
    assert rules("if (Test-Path 'HKLM:\\Software\\X') { 'set' }") == []
    assert rules("if (!(Get-Command Get-AuthenticodeSignature -ErrorAction SilentlyContinue)) { return }\n"
                 "Get-AuthenticodeSignature $file") == []
    assert rules("if (Get-Command robocopy -ErrorAction SilentlyContinue) { robocopy a b }") == []


def test_version_guards_know_which_version_a_feature_needs():
    script = ("if ($PSVersionTable.PSVersion.Major -ge 6) {{ Get-Content x -AsByteStream }} "
              "else {{ Get-Content x -Encoding Byte }}")
    assert [r for r in rules(script.format()) if r.startswith("X2")] == []
    assert "X2.undeclared" in rules("Get-Content x -AsByteStream")


# --- POSIX sh --------------------------------------------------------------------------------------------------

def sh_errors(text: str) -> list[str]:
    from observatory_invariants.rules.scripts.x4_bashisms import bashisms

    return [f.rule for f in bashisms("t.sh", text) if str(f.severity) == "error"]


@pytest.mark.parametrize("script", [
    '#!/bin/sh\nif [ -n "$BASH_VERSION" ]; then\n  shopt -s extglob\n  source ~/.bashrc\nfi\n',
    '#!/bin/sh\n[ -n "${ZSH_VERSION-}" ] && setopt local_options && typeset -g x=1\n',
    '#!/bin/sh\nf() {\n  if [ -z "${BASH_VERSION}" ]; then\n    return\n  fi\n  echo "${FUNCNAME[0]}"\n}\n',
    '#!/bin/sh\nif [ -z "${BASH-}" ]; then\n  echo "bash only; skipping"\n  exit 0\nfi\ntrap \'x\' ERR\n',
    '#!/bin/sh\n[ -z "$BASH_VERSION" ] && return\ndeclare -a list\n',
    '#!/bin/sh\ntype shopt >/dev/null 2>&1 && shopt -s expand_aliases\n',
    '#!/bin/sh\nif command -v shopt >/dev/null; then\n  shopt -u expand_aliases\nfi\n',
    '#!/bin/sh\nif nvm_has shopt; then shopt -s nullglob; fi\n',
    '#!/bin/sh\nif [ -z "${BASH_VERSION}" ]; then echo sh; fi\n',
])
def test_code_behind_a_shell_test_runs_under_bash_by_design(script):
    assert sh_rules(script) == [], script


def test_shell_guards_do_not_hide_unguarded_code():
    script = '#!/bin/sh\nif [ -n "$BASH_VERSION" ]; then\n  shopt -s extglob\nfi\nsource ./x\n'
    assert sh_rules(script) == ["X4.sh-bashism"]
    assert sh_rules('#!/bin/sh\ntype shopt >/dev/null && echo ok\ndeclare x=1\n') == ["X4.sh-bashism"]


def test_read_messages_name_the_option_really_at_fault():
    from observatory_invariants.rules.scripts.x4_bashisms import bashisms

    assert sh_rules("#!/bin/sh\nread -p 'Name: ' name\n") == []
    (f,) = bashisms("t.sh", '#!/bin/sh\nIFS= read -p "$prompt" -r -s -n 1 char\n')
    assert "'read -s, -n'" in f.message and "-p" not in f.message.split("is bash")[0]


def test_echo_e_changes_only_output_so_it_is_a_warning():
    from observatory_invariants.rules.scripts.x4_bashisms import bashisms

    (f,) = bashisms("t.sh", "#!/bin/sh\necho -e 'a\\tb'\n")
    assert str(f.severity) == "warning" and "only the output changes" in f.message


def test_x3_in_sh_looks_at_path_like_words_only():
    from observatory_invariants.rules.scripts.x3_windows_paths import shell_paths

    assert shell_paths("t.sh", '#!/bin/sh\nresponse="$(echo "$r" | tr -d "\\\\r\\\\n")"\n') == []
    assert shell_paths("t.sh", '#!/bin/sh\necho "copy it to C:\\\\Tools yourself"\n') == []
    assert [f.rule for f in shell_paths("t.sh", '#!/bin/sh\ncp app "C:\\\\Tools\\\\app"\n')] == ["X3.drive-path"]
    assert [f.rule for f in shell_paths("t.sh", "#!/bin/sh\nPREFIX=D:/tools\n")] == ["X3.drive-path"]


def test_windows_paths_in_comments_are_documentation():
    from observatory_invariants.rules.scripts.x3_windows_paths import shell_paths

    assert shell_paths("t.sh", "#!/bin/sh\n# on Windows use C:\\\\Tools\nls\n") == []
    assert rules("# installs to C:\\Program Files\n<# also D:\\x #>\nls") == []


def test_a_script_copied_into_an_alpine_image_runs_under_busybox_ash():
    from observatory_invariants import memory
    from observatory_invariants.rules.scripts.lint import run

    ws = memory.workspace({
        "Dockerfile": "FROM alpine:3.20 AS shell\nCOPY ./hack/entrypoint.sh /usr/local/bin\nENTRYPOINT [\"x\"]\n",
        "hack/entrypoint.sh": "#!/bin/sh\n( dockerd &>/var/log/d.log & )\ndeclare -a x\n",
        "other/run.sh": "#!/bin/sh\nmake &> log\n",
    })
    result = sorted((f.path, f.line, str(f.severity)) for f in run(ws, None))
    assert result == [("hack/entrypoint.sh", 2, "warning"),   # ash accepts &>
                      ("hack/entrypoint.sh", 3, "error"),     # but not declare
                      ("other/run.sh", 2, "error")]


def test_code_reached_only_under_cygwin_runs_under_bash():
    script = ("#!/bin/sh\nread_password() {\n  IFS= read -r -s -n 1 c\n  echo \"$c\"\n}\n"
              "install_task() {\n  if ! command -v cygpath >/dev/null; then\n    return 1\n  fi\n"
              "  pw=\"$(read_password)\"\n}\n")
    assert sh_rules(script) == []
    # called from anywhere else as well: dash meets it
    assert sh_rules(script + "read_password\n") == ["X4.sh-bashism"]


# --- PowerShell: scripts that only ever run on Windows -------------------------------------------------------

WINDOWS_SCRIPT = "Get-ItemProperty 'HKLM:\\Software\\Vendor'\nrobocopy a b /MIR\n$d = 'C:\\tools'\n"


def _repo_findings(files: dict, config=None) -> dict[str, set[str]]:
    from observatory_invariants import memory
    from observatory_invariants.rules.scripts.lint import run

    found: dict[str, set[str]] = {}
    for f in run(memory.workspace(files, config=config), None):
        found.setdefault(f.path, set()).add(f"{f.rule}:{f.severity}")
    return found


def test_windows_only_scripts_have_no_x1_x3_findings():
    found = _repo_findings({
        "images/windows/scripts/Install-Tools.ps1": WINDOWS_SCRIPT,          # a windows/ folder (windows-only)
        "tools/desktop.ps1": "#Requires -PSEdition Desktop\n" + WINDOWS_SCRIPT,
        "tools/guarded.ps1": "if (-not $IsWindows) { throw 'Windows only' }\n" + WINDOWS_SCRIPT,
        "ci/provision.ps1": WINDOWS_SCRIPT + "& $PSScriptRoot/helper.ps1\n",   # only a Windows job runs it
        "ci/helper.ps1": WINDOWS_SCRIPT,                                     # only a Windows-only script runs it
        "install.ps1": WINDOWS_SCRIPT,                                       # the Windows irm | iex installer
        "README.md": "# Windows (PowerShell)\n\n    irm https://example.org/r/main/install.ps1 | iex\n",
        ".github/workflows/ci.yml": "jobs:\n  win:\n    runs-on: windows-2022\n    steps:\n"
                                   "      - run: ./ci/provision.ps1\n",
        "scripts/portable.ps1": WINDOWS_SCRIPT,                              # no evidence either way: warnings
    })
    assert set(found) == {"scripts/portable.ps1"}
    assert found["scripts/portable.ps1"] == {"X1.registry:warning", "X1.windows-command:warning",
                                              "X3.drive-path:warning"}


def test_evidence_of_linux_outweighs_a_windows_only_path():
    found = _repo_findings({
        "deploy/windows/sync.ps1": WINDOWS_SCRIPT,
        ".github/workflows/ci.yml": "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                                    "      - shell: pwsh\n        run: ./deploy/windows/sync.ps1\n",
    })
    assert found["deploy/windows/sync.ps1"] == {"X1.registry:error", "X1.windows-command:error",
                                                 "X3.drive-path:error"}


@pytest.mark.parametrize("path", [
    "Tests/Rules/TestFiles/AvoidUsingWMI.ps1", "pkg/testdata/bad.sh", "web/wwwroot/lib/jquery/jquery.js",
    "node_modules/x/index.js", "third_party/tool/run.sh", "app/static/bundle.min.js", "dist/index.js",
])
def test_test_data_vendored_and_generated_code_is_skipped(path):
    text = "#!/bin/sh\n[[ -f x ]] && cp a C:/x\n" if path.endswith(".sh") else \
        "var p = 'C:\\\\fakepath\\\\';\n" if path.endswith(".js") else WINDOWS_SCRIPT
    assert _repo_findings({path: text}) == {}


def test_gitattributes_marks_vendored_and_generated_code():
    found = _repo_findings({
        ".gitattributes": "src/gen/** linguist-generated\nlib/*.js linguist-vendored\nlib/own.js -linguist-vendored\n",
        "src/gen/client.ps1": WINDOWS_SCRIPT,
        "lib/jq.js": "var p = 'C:\\\\x';\n",
        "lib/own.js": "var p = 'C:\\\\x';\n",
    })
    assert set(found) == {"lib/own.js"}


def test_analyzer_rule_inputs_named_by_tests_are_test_data():
    found = _repo_findings({
        "Tests/Rules/AvoidWMI.ps1": WINDOWS_SCRIPT,
        "Tests/Rules/AvoidWMI.tests.ps1": "$f = \"$PSScriptRoot\\AvoidWMI.ps1\"\n"
                                          "Invoke-ScriptAnalyzer -Path $f | Should -HaveCount 1\n",
    })
    assert "Tests/Rules/AvoidWMI.ps1" not in found


def test_utf16_and_bom_scripts_are_decoded_and_checked():
    text = "export FOO=1\r\n"
    found = _repo_findings({
        "a.ps1": b"\xff\xfe" + text.encode("utf-16-le"),
        "b.ps1": text.encode("utf-16-be"),
        "c.ps1": b"\xef\xbb\xbf" + text.encode(),
    })
    assert found == {p: {"X4.pwsh-bashism:error"} for p in ("a.ps1", "b.ps1", "c.ps1")}


def test_helm_templates_are_templates_not_invalid_yaml():
    found = _repo_findings({
        "charts/app/templates/deployment.yaml": "apiVersion: apps/v1\n{{- if .Values.enabled }}\nkind: Deployment\n"
                                                "metadata:\n  name: {{ .Release.Name }}\n{{- end }}\n",
        "charts/app/templates/win.yaml": "{{- if .Values.win }}\npath: C:\\data\n{{- end }}\n",
    })
    assert found == {"charts/app/templates/win.yaml": {"X3.drive-path:warning"}}
