"""X4.sh-bashism next to Debian's checkbashisms and shellcheck (run only when they are installed).

Each case is a one-line #!/bin/sh script. AGREE lists constructs on which all
three tools give the same verdict; DIFFER lists the deliberate differences
that docs/rules/X4.md explains (checked for our side always, for the other
tool's side only while its behaviour is what the page says).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import sh_rules

# (script line, bashism?)
AGREE = [
    ("if [[ -f x ]]; then :; fi", True), ("echo ${arr[0]}", True), ("source ./env", True),
    ('[ "$a" == "b" ]', True), ("make &> log", True), ('cat <<< "$x"', True), ("diff <(ls a) <(ls b)", True),
    ("echo $RANDOM", True), ("echo -e 'a\\tb'", True), ("echo ${var//x/y}", True), ("echo ${var:0:3}", True),
    ("let x=1", True), ("select x in a b; do :; done", True), ("printf $'\\t'", True), ("echo {a,b}", True),
    ("(( x++ ))", True), ('echo "$BASH_SOURCE"', True), ("echo ${!name}", True), ("shopt -s nullglob", True),
    ("read -s pw", True), ("echo $UID", True), ("pushd /tmp", True), ("trap 'rm x' ERR", True),
    ("function f { :; }", True),
    ("if [ -f x ]; then :; fi", False), ("f() { :; }", False), (". ./env", False), ('[ "$a" = "b" ]', False),
    ("make >log 2>&1", False), ("x=$((x + 1))", False), ("echo '[[ $RANDOM ]]'", False),
    ("# [[ comment ]] function x", False), ("cat <<'EOF'\n[[ data ]] $RANDOM\nEOF", False),
    ('echo "${var:-default}"', False), ("echo ${#var}", False), ("case $x in a) :;; esac", False),
    ('echo "{a,b}"', False),
]
# (script line, ours, tool, the tool's verdict, why we differ)
DIFFER = [
    ("a=(1 2 3)", True, "checkbashisms", False, "checkbashisms misses array assignments; dash rejects them"),
    ("test $a == b", True, "shellcheck", False, "shellcheck only reports == inside [ ]; test is the same builtin"),
    ("set -o pipefail", True, "checkbashisms", False, "POSIX 2024 added pipefail but dash does not have it yet"),
    ("echo -n x", False, "shellcheck", True, "dash, busybox and every POSIX-ish sh we target support echo -n"),
    ("local x=1", False, "shellcheck", True, "'local' works in dash, ash and busybox sh, the /bin/sh we target"),
    ("type ls", False, "checkbashisms", True, "'type' is in POSIX (XSI) and in dash"),
    ("echo $((RANDOM))", True, "checkbashisms", False, "checkbashisms misses bash variables inside $(( ))"),
    ("read -p 'q' x", False, "checkbashisms", True, "dash's read has -p PROMPT (only -s, -n, -t, -a… are bash)"),
    ("read -p 'q' x", False, "shellcheck", True, "dash's read has -p PROMPT (only -s, -n, -t, -a… are bash)"),
]


def _checkbashisms(path) -> bool:
    proc = subprocess.run(["checkbashisms", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode == 1


def _shellcheck(path) -> bool:
    proc = subprocess.run(["shellcheck", "-s", "sh", "-f", "json", str(path)], capture_output=True, text=True,
                          timeout=60)
    codes = {item["code"] for item in json.loads(proc.stdout or "[]")}
    # SC3xxx: "In POSIX sh, … is undefined"; SC2113: the function keyword.
    return any(3000 <= code < 3100 for code in codes) or 2113 in codes


TOOLS = {"checkbashisms": _checkbashisms, "shellcheck": _shellcheck}


def _tool(name):
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (apt-get install {'devscripts' if name == 'checkbashisms' else name})")
    return TOOLS[name]


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("line, bashism", AGREE)
def test_agreement(tmp_path, tool, line, bashism):
    text = f"#!/bin/sh\n{line}\n"
    assert bool(sh_rules(text)) is bashism
    run = _tool(tool)
    path = tmp_path / "fixture.sh"
    path.write_text(text)
    assert run(path) is bashism, f"{tool} disagrees on {line!r}"


@pytest.mark.parametrize("line, ours, tool, theirs, why", DIFFER)
def test_documented_differences(tmp_path, line, ours, tool, theirs, why):
    text = f"#!/bin/sh\n{line}\n"
    assert bool(sh_rules(text)) is ours
    run = _tool(tool)
    path = tmp_path / "fixture.sh"
    path.write_text(text)
    if run(path) is not theirs:
        pytest.skip(f"{tool} changed its verdict on {line!r}; update DIFFER and docs/rules/X4.md")


def test_whole_fixture_files_agree_with_checkbashisms(tmp_path):
    run = _tool("checkbashisms")
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\n" + "\n".join(line for line, is_bashism in AGREE if is_bashism) + "\n")
    good = tmp_path / "good.sh"
    good.write_text("#!/bin/sh\n" + "\n".join(line for line, is_bashism in AGREE if not is_bashism) + "\n")
    assert run(bad) and sh_rules(bad.read_text())
    assert not run(good) and not sh_rules(good.read_text())
