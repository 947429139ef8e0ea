"""Hostile input never crashes or hangs the script rules."""

from __future__ import annotations

import random
import time

import pytest

from observatory_invariants.rules.scripts.lint import check_script_file
from observatory_invariants.rules.scripts.lint import ScriptOptions

OPTS = ScriptOptions()
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("kind, path", [
    ("powershell", "a.ps1"), ("shell", "a.sh"), (None, "tool"), ("workflow", ".github/workflows/a.yml"),
    ("python", "a.py"), ("rust", "a.rs"), ("go", "a.go"), ("js", "a.ts"), ("json", "a.json"), ("toml", "a.toml"),
    ("yaml", "a.yml"), ("dockerfile", "Dockerfile"),
])
def test_random_text_never_crashes(kind, path):
    rng = random.Random(11)
    alphabet = "#!/bin/sh\n$@(){}[]'\"`<>|&?:;-.\\ \r\tabcC:=+%!,*\u00e9\ufeff"
    start = time.perf_counter()
    for _ in range(60):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        for f in check_script_file(path, text, kind, OPTS):
            assert f.path == path
    assert time.perf_counter() - start < 20


def test_yaml_bomb_is_walked_once():
    start = time.perf_counter()
    check_script_file("a.yml", BOMB, "yaml", OPTS)
    check_script_file(".github/workflows/a.yml", BOMB, "workflow", OPTS)
    assert time.perf_counter() - start < 5


def test_broken_python_is_a_note():
    (f,) = check_script_file("a.py", "# C:\\\\x\nx = (\n", "python", OPTS)
    assert f.rule == "X3" and str(f.severity) == "note"
    assert check_script_file("a.py", "x = (\n", "python", OPTS) == []   # nothing there X3 could have found


def test_huge_single_line_script():
    text = "Write-Host " + "'a' + " * 20000 + "'C:\\x'"
    start = time.perf_counter()
    found = check_script_file("a.ps1", text, "powershell", OPTS)
    assert [f.rule for f in found] == ["X3.drive-path"]
    assert time.perf_counter() - start < 5
