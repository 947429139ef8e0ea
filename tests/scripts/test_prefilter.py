"""The X3 pre-filter for Python sources: skips tokenizing only files that cannot give a finding."""

from __future__ import annotations

import random
import tokenize

import pytest

from observatory_invariants.rules.scripts import x3_windows_paths as script_paths
from observatory_invariants.rules.scripts.x3_windows_paths import could_hold_windows_path, python_paths, windows_paths
from observatory_invariants.rules.scripts.x3_windows_paths import X3Options

OPTS = X3Options()


def test_clean_file_is_not_scanned(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("the literal scan ran")

    monkeypatch.setattr(script_paths, "findings_in_literal", boom)
    assert python_paths("a.py", "import os\nURL = 'https://example.com/a:b'\nx = {'k': 1}\n", OPTS) == []


def test_the_check_leaves_the_warnings_state_alone():
    import warnings

    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inside = list(warnings.filters)
        assert python_paths("a.py", "import re\nPAT = '\\d+'\nif x is 1: pass\n", OPTS) == []
        assert warnings.filters == inside
    assert caught == [] and warnings.filters == before
    _ = tokenize


@pytest.mark.parametrize("text", [
    "x = (\n",                      # open bracket at the end: tokenize fails, compile too
    "s = '''never closed\n",
    "if x:\n        a = 1\n    b = 2\n",   # dedent to an unknown level
])
def test_a_broken_file_gets_the_note_only_when_it_could_hold_a_path(text):
    # Without a candidate X3's verdict is complete whatever the tokenizer says (nothing there can be a Windows
    # path), so "X3 skipped this file" would be noise; with one, the file really went unchecked: noted.
    assert python_paths("a.py", text, OPTS) == []
    (f,) = python_paths("a.py", "# C:\\\\temp\n" + text, OPTS)   # a candidate the broken file hides
    assert f.rule == "X3" and str(f.severity) == "note" and "cannot tokenize" in f.message


@pytest.mark.parametrize("text", [
    "p = 'C:\\\\temp'\n", "p = r'D:\\data'\n", "p = 'e:/x'\n", "p = '\\\\\\\\srv\\\\share'\n", "p = '%APPDATA%'\n",
    "p = f'{x}C:\\\\y'\n", "p = ('C:/a'\n     'b')\n",
])
def test_files_with_a_finding_are_never_skipped(text):
    assert could_hold_windows_path(text)
    assert python_paths("a.py", text, OPTS)


def test_prefilter_is_conservative_on_random_literals():
    rng = random.Random(8)
    alphabet = "aC:/\\%\"' xAPPDATA.-_@$:"
    for _ in range(3000):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        for literal in (f"'{body}'", f'"{body}"', f"r'{body}'"):
            text = f"x = {literal}\n"
            if windows_paths(literal) or windows_paths(literal, escaped=True):
                assert could_hold_windows_path(text), text


def test_same_findings_with_and_without_the_prefilter(monkeypatch):
    texts = ["a = 1\n", "p = 'C:\\\\x'\n", "x = (\n", "u = 'http://h/a'\n", "s = '%TEMP%\\\\x'\n", "",
             "# C:\\\\x\nx = (\n"]
    with_filter = [python_paths("a.py", t, OPTS) for t in texts]
    monkeypatch.setattr(script_paths, "could_hold_windows_path", lambda text: True)
    without = [python_paths("a.py", t, OPTS) for t in texts]
    # The same paths; the only difference allowed is the "cannot tokenize" note of a file in which nothing could
    # be a Windows path (the filter skips it: X3 had nothing to find there, so the note would be noise).
    assert with_filter[2] == [] and [f.severity.value for f in without[2]] == ["note"]
    assert with_filter[:2] + with_filter[3:] == without[:2] + without[3:]
    assert "cannot tokenize" in with_filter[-1][0].message       # a broken file that could hold a path: noted


def test_yaml_files_without_candidates_are_not_parsed_for_x3():
    from observatory_invariants.rules.scripts.lint import check_script_file

    broken = "a: [1\nb: 2\n"
    assert check_script_file("k8s/x.yaml", broken, "yaml") == []    # nothing could be a path: no note
    noted = check_script_file("k8s/x.yaml", "p: C:\\temp\n" + broken, "yaml")
    assert [(f.rule, str(f.severity)) for f in noted] == [("X3", "note")]
    # a double-quoted escape spells a path the text does not show: any backslash keeps the file in the scan
    (hit,) = check_script_file("k8s/x.yaml", 'p: "C\\x3a\\x5cWindows\\x5cx"\n', "yaml")   # C:\Windows\x
    assert hit.rule == "X3.drive-path"
