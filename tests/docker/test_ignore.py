"""The .dockerignore matcher follows moby/patternmatcher, not gitignore."""

import pytest

from observatory_invariants.parsers.dockerignore import DockerIgnore, parse_dockerignore


def excluded(text, path):
    return DockerIgnore.from_text(text).excludes(path)


@pytest.mark.parametrize("text,path,want", [
    ("foo", "foo", True),
    ("foo", "a/foo", False),                  # anchored at the context root (gitignore would match)
    ("foo", "foo/bar.txt", True),             # a matched folder excludes its contents
    ("*.md", "README.md", True),
    ("*.md", "docs/README.md", False),        # '*' stays in one segment
    ("**/*.md", "docs/a/README.md", True),
    ("**/*.md", "README.md", True),           # '**/' matches zero folders
    ("docs/**", "docs/a/b", True),
    ("/foo", "foo", True),                    # leading '/' dropped
    ("./foo/", "foo/x", True),                # cleaned like filepath.Clean
    ("*.md\n!README.md", "README.md", False), # exception
    ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True),
    ("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", False),  # last match wins
    ("node_modules\n!node_modules/keep.js", "node_modules/keep.js", False),  # re-include below excluded folder
    ("temp?", "tempa", True),
    ("temp?", "tempab", False),
    ("[a-c].txt", "b.txt", True),
    ("[^a].txt", "a.txt", False),
    ("# comment\n", "# comment", False),
    ("  spaced  ", "spaced", True),
])
def test_docker_semantics(text, path, want):
    assert excluded(text, path) is want


def test_invalid_patterns_are_reported_with_their_line():
    rules, errors = parse_dockerignore("ok\n[unclosed\n!\n")
    assert [r.pattern for r in rules] == ["ok"]
    assert [e.line for e in errors] == [2, 3]


def test_rule_for_names_the_deciding_line():
    ignore = DockerIgnore.from_text("a\n*.txt\n")
    assert ignore.rule_for("x.txt").line == 2
