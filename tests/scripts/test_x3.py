"""X3: hardcoded Windows paths in string literals and arguments, per file kind."""

from __future__ import annotations

import pytest

from observatory_invariants.rules.scripts.lint import check_script_file
from observatory_invariants.rules.scripts.x3_windows_paths import windows_paths
from observatory_invariants.rules.scripts.lint import ScriptOptions



def x3(path, text, kind, **options):
    return [f for f in check_script_file(path, text, kind, ScriptOptions.from_section(options)) if f.rule.startswith("X3")]


@pytest.mark.parametrize("value, kind", [
    ("C:\\Users\\me", "X3.drive-path"), ("c:/tools/bin", "X3.drive-path"), ("D:\\\\data", "X3.drive-path"),
    ("\\\\server\\share\\x", "X3.unc-path"), ("\\\\\\\\server\\\\share", "X3.unc-path"),
    ("%USERPROFILE%\\.cache", "X3.env-var"), ("%ProgramFiles(x86)%", "X3.env-var"),
])
def test_detector_catches(value, kind):
    assert [h.kind for h in windows_paths(value)] == [kind]


@pytest.mark.parametrize("value", [
    "http://c:8080/x", "https://example.com/a", "file:///C:/x", "/usr/local/bin", "\\d+\\\\\\w",
    "a:b", "std::string", "key: value", "100%", "%d%%", "ns:/x", "^[A-Z]:\\\\", "x:=1",
])
def test_detector_ignores(value):
    assert windows_paths(value) == []


@pytest.mark.parametrize("path, text, kind, line", [
    ("s.ps1", "$p = 'C:\\tools\\x.exe'", "powershell", 1),
    ("s.ps1", "Copy-Item a D:\\out", "powershell", 1),
    ("s.ps1", "$h = $env:USERPROFILE", "powershell", 1),
    ("s.ps1", "\r\nif ($x) {\r\n  \"\\\\srv\\share\"\r\n}", "powershell", 3),
    ("s.sh", "#!/bin/sh\ncp a 'C:\\out'\n", "shell", 2),
    ("src/a.py", "import os\nP = 'C:\\\\data'\n", "python", 2),
    ("src/a.py", "P = r'D:\\data'", "python", 1),
    ("src/main.rs", "fn main() {\n    let p = \"C:\\\\Users\\\\dev\\\\obs\";\n}\n", "rust", 2),
    ("src/main.rs", "let p = r\"C:\\tools\";", "rust", 1),
    ("src/a.go", "var p = `C:\\data`", "go", 1),
    ("web/a.ts", "const p = 'c:/temp/x';", "js", 1),
    ("App.java", "String p = \"C:\\\\x\";", "c-like", 1),
    ("cfg.json", "{\n  \"path\": \"C:\\\\data\"\n}", "json", 2),
    ("cfg.toml", "[a]\npath = 'C:\\data'\n", "toml", 2),
    ("compose.yml", "services:\n  a:\n    volumes: ['C:\\data:/data']\n", "yaml", 3),
    ("Dockerfile", "FROM alpine\nCOPY x C:\\app\n", "dockerfile", 2),
])
def test_catches_by_file_kind(path, text, kind, line):
    found = x3(path, text, kind)
    assert found and found[0].line == line, found


@pytest.mark.parametrize("path, text, kind", [
    ("s.ps1", "<# Installed to C:\\Program Files\\x #>\nls", "powershell"),
    ("s.ps1", "# C:\\temp", "powershell"),
    ("s.ps1", "if ('a1\\b' -match '\\d+\\\\\\w') { 'ok' }", "powershell"),
    ("s.ps1", "$u = 'http://c:8080/x'", "powershell"),
    ("s.ps1", "if ($IsWindows) { $p = 'C:\\tools' }", "powershell"),
    ("s.ps1", "$p = if ($IsWindows) { 'C:\\tools' } else { '/opt/tools' }", "powershell"),
    ("src/a.py", "# C:\\data\nx = 1", "python"),
    ("src/a.py", "Y = 'services:\\n  a:\\n'", "python"),
    ("src/a.py", '"""Module docs: install to C:\\\\tools."""\ndef f():\n    """C:\\\\x"""\n', "python"),
    ("src/a.c", "printf(\"key:\\tvalue a:\\n\");", "c-like"),
    ("src/a.py", "import os\nif os.name == 'nt':\n    P = 'C:\\\\data'\nelse:\n    P = '/data'\n", "python"),
    ("src/a.py", "import re\nR = re.compile(r'^[a-z]:\\\\')", "python"),
    ("src/main.rs", "// C:\\Users\\x\n/* D:\\y */\nfn main() {}", "rust"),
    ("src/main.rs", "#[cfg(windows)]\nfn home() -> &'static str {\n    \"C:\\\\Users\"\n}\n", "rust"),
    ("src/a.ts", "if (process.platform === 'win32') {\n  p = 'C:\\\\x';\n}", "js"),
    ("cfg.toml", "# path = 'C:\\data'\n", "toml"),
    ("compose.yml", "# C:\\data\nservices: {}\n", "yaml"),
    ("s.sh", "#!/bin/sh\n# C:\\x\necho ok\n", "shell"),
])
def test_does_not_catch(path, text, kind):
    assert x3(path, text, kind) == []


def test_comments_are_checked_when_configured():
    assert x3("s.ps1", "# C:\\temp", "powershell", **{"x3-comments": True})


def test_guarded_paths_are_findings_when_guards_are_not_allowed():
    assert x3("s.ps1", "if ($IsWindows) { $p = 'C:\\tools' }", "powershell", **{"x3-allow-guarded": False})


def test_severity_and_file_types_are_configurable():
    (f,) = x3("s.ps1", "$p = 'C:\\x'", "powershell", **{"x3-severity": "warning"})
    assert str(f.severity) == "warning"
    assert x3("src/a.py", "P = 'C:\\\\x'", "python", **{"x3-file-types": ["powershell"]}) == []


def test_docs_are_not_checked(tmp_path):
    from observatory_invariants.rules.scripts.lint import run
    from observatory_invariants.repo import Repository
    from observatory_invariants.workspace import Workspace

    (tmp_path / "README.md").write_text("Install to C:\\Program Files\\x\n")
    (tmp_path / "a.py").write_text("P = 'C:\\\\x'\n")
    found = run(Workspace(Repository(tmp_path)), None)
    assert [(f.path, f.rule) for f in found] == [("a.py", "X3.drive-path")]
