"""The CI readers: path-filter globs (GitHub and picomatch dialects), GitHub expressions, script commands,
bazelrc lines, compose services."""

import pytest

from observatory_invariants.parsers import bazelrc, ci_globs, compose, gha_expressions as gx, script_commands as sc
from observatory_invariants.parsers.workflows import triggers
from observatory_invariants.parsers.yaml_loader import load_all, load_one


@pytest.mark.parametrize("pattern, path, expected", [
    # GitHub's filter-pattern cheat sheet
    ("*.js", "app.js", True), ("*.js", "js/app.js", False), ("**.js", "src/js/app.js", True),
    ("docs/*", "docs/README.md", True), ("docs/*", "docs/mona/octocat.txt", False),
    ("docs/**", "docs/mona/octocat.txt", True), ("docs/**/*.md", "docs/README.md", True),
    ("docs/**/*.md", "docs/a/b/c.md", True), ("**/docs/**", "src/docs/a.md", True),
    ("**/README.md", "README.md", True), ("*.jsx+", "page.jsxx", True), ("[CB]at.txt", "Cat.txt", True),
    ("[CB]at.txt", "Hat.txt", False), ("contracts/schemas/**", "contracts/x.json", False),
])
def test_github_globs(pattern, path, expected):
    assert ci_globs.match(pattern, path, ci_globs.GITHUB) is expected


def test_github_question_mark_is_refused_not_guessed():
    with pytest.raises(ci_globs.UnsupportedPattern):
        ci_globs.match("Octoc?t", "Octocat")


def test_github_negation_order_and_picomatch_quantifiers():
    assert ci_globs.github_filter(["src/**", "!src/docs/**"], "src/a.py")
    assert not ci_globs.github_filter(["src/**", "!src/docs/**"], "src/docs/a.md")
    assert ci_globs.github_filter(["src/**", "!src/docs/**", "src/docs/keep.md"], "src/docs/keep.md")
    assert ci_globs.picomatch_any(["src/{a,b}/**"], "src/b/x/y.go")
    assert not ci_globs.picomatch_any(["src/{a,b}/**"], "src/c/x.go")
    # dorny's default 'some': a negated pattern matches every other file (the documented gotcha)
    assert ci_globs.picomatch_any(["src/**", "!**/*.md"], "go.mod")
    assert not ci_globs.picomatch_any(["src/**", "!**/*.md"], "src/a.md", "every")
    assert ci_globs.picomatch_any(["src/**", "!**/*.md"], "src/a.go", "every")
    assert ci_globs.picomatch_any([".github/**"], ".github/workflows/ci.yml")   # dot: true
    with pytest.raises(ci_globs.UnsupportedPattern):
        ci_globs.picomatch_any(["src/+(a|b)/**"], "src/a/x")


def test_example_paths():
    assert ci_globs.example_path("contracts/**") == "contracts/x.json"
    assert ci_globs.example_path("src/services/*/**") == "src/services/x/x.json"


def ctx(values):
    return lambda path: values.get(path, gx.UNKNOWN)


def test_expressions_three_valued():
    tree = gx.parse("${{ always() && needs.t.result == 'success' && (needs.f.result != 'success' || "
                    "needs.f.outputs.critical == 'true') }}")
    values = {("needs", "t", "result"): "success", ("needs", "f", "result"): "success"}
    fns = {"always": lambda: True}
    assert gx.evaluate(tree, ctx({**values, ("needs", "f", "outputs", "critical"): "false"}), fns) is False
    assert gx.evaluate(tree, ctx({**values, ("needs", "f", "outputs", "critical"): "TRUE"}), fns) is True
    assert gx.evaluate(tree, ctx(values), fns) is gx.UNKNOWN
    assert gx.evaluate(gx.parse("vars.x && false"), ctx({})) is False
    assert gx.evaluate(gx.parse("vars.x || 'yes'"), ctx({})) == "yes"
    assert gx.evaluate(gx.parse("github.event_name == 'push' || contains(fromJSON('[\"a\",\"b\"]'), 'B')"),
                       ctx({("github", "event_name"): "pull_request"})) is True
    assert gx.evaluate(gx.parse("1 == '1' && null == 0 && !''"), ctx({})) is True
    assert gx.uses_status_function(gx.parse("x == 1 && (failure() || y)"))
    assert not gx.uses_status_function(gx.parse("needs.a.outputs.success == 'true'"))
    with pytest.raises(gx.ExpressionError):
        gx.parse("a ==")
    with pytest.raises(gx.ExpressionError):
        gx.parse("(" * 500 + "a" + ")" * 500)
    assert gx.interpolate("v${{ a }}-${{ b }}", ctx({("a",): 1.0, ("b",): True})) == "v1-true"


def test_script_commands_ignore_comments_strings_and_heredocs():
    pwsh = ('# kubectl apply\n$s = @"\nkubectl get pods\n"@\nWrite-Host "kubectl"\n'
            'if ($true) { docker compose -f $f logs --tail=200 }\n& "./scripts/h.ps1" -A 1\n'
            '$x = "./scripts/h.ps1"\npwsh -c "helm install x"\n')
    names = [(c.name, c.line) for c in sc.commands(pwsh, "pwsh")]
    assert ("kubectl", 3) not in names and ("docker", 6) in names and ("./scripts/h.ps1", 7) in names
    assert ("helm", 9) in names and [n for n, _ in names].count("./scripts/h.ps1") == 1
    sh = "FOO=1 bash ./x.sh --a\necho kubectl # kubectl\ncat <<EOF\nkind create cluster\nEOF\nsh -c 'k3d x'\n"
    found = [c.program() for c in sc.commands(sh, "sh")]
    assert found == ["bash", "echo", "cat", "sh", "k3d"]
    run = sc.commands("pwsh -NoProfile -File ./scripts/run-all-tests.ps1", "sh")[0]
    assert sc.runs_script(run, "scripts/run-all-tests.ps1")
    assert sc.runs_script(sc.commands("./run-all-tests.ps1", "pwsh")[0], "scripts/run-all-tests.ps1", "scripts")
    assert not sc.runs_script(sc.commands("echo scripts/run-all-tests.ps1x", "sh")[0], "scripts/run-all-tests.ps1")
    logs = sc.commands("docker compose -f a.yml logs --tail 5", "sh")[0]
    assert sc.matches_words(logs, "docker compose logs") and not sc.matches_words(logs, "docker compose ps")


def test_bazelrc_continuations_imports_and_comments():
    text = ("# comment\nimport %workspace%/tools/ci.bazelrc\ntry-import %workspace%/user.bazelrc\n"
            "common \\\n  --lockfile_mode=error # trailing\nbuild:ci --lockfile_mode off\n"
            "try-import /home/me/.bazelrc\r\nbuild --define='a b'\n")
    lines = bazelrc.parse(text)
    assert [(l.command, l.config, l.line) for l in lines] == [
        ("import", None, 2), ("try-import", None, 3), ("common", None, 4), ("build", "ci", 6),
        ("try-import", None, 7), ("build", None, 8)]
    assert [(rc.line, v) for rc, v in bazelrc.flag_values(lines, "lockfile_mode")] == [(4, "error"), (6, "off")]
    assert [bazelrc.import_path(l) for l in lines if l.command.endswith("import")] == \
        ["tools/ci.bazelrc", "user.bazelrc", None]
    assert lines[-1].args == ("--define=a b",)


def test_workflow_on_read_as_yaml_11_boolean_and_anchors():
    doc = load_one("on:\n  pull_request:\n    paths: &p ['contracts/**']\n  push:\n    paths: *p\njobs: {}\n")
    assert True in doc and "on" not in doc   # what YAML 1.1 does to the key
    assert triggers(doc) == {"pull_request": {"paths": ["contracts/**"]}, "push": {"paths": ["contracts/**"]}}
    assert triggers(load_one("'on': [push, pull_request]\n")) == {"push": None, "pull_request": None}


def test_compose_extension_fields_merges_and_extends():
    doc = load_all("x-base: &base\n  image: redis:7\nservices:\n  a:\n    <<: *base\n  b:\n    extends: a\n"
                   "  c:\n    extends: {service: z, file: other.yml}\n  d:\n    environment: {X: 1}\n"
                   "  e:\n    extends: {service: gone, file: missing.yml}\n  f: {extends: f}\n"
                   "networks:\n  n: {external: true}\nvolumes:\n  v: {}\n")[0]
    read = {"ci/other.yml": {"services": {"z": {"build": "."}}}}.get
    services = {s.name: s for s in compose.read_services("ci/compose.yml", doc, read)}
    assert services["a"].image == services["b"].image == "redis:7"
    assert services["c"].build == "." and services["d"].image is None and services["d"].resolved
    assert not services["e"].resolved and not services["f"].resolved   # unreadable file, cycle: not judged
    assert [(e.kind, e.name) for e in compose.externals(doc)] == [("network", "n")]


def test_expression_trees_are_remembered_per_text_and_errors_are_not():
    from observatory_invariants.parsers import gha_expressions as gx

    text = "${{ github.event_name == 'push' && !cancelled() }}"
    first = gx.parse(text)
    assert gx.parse(text) is first and first == gx._Parser(gx.strip_braces(text)).parse()
    assert gx.uses_status_function(first)
    long_text = " || ".join(["github.ref == 'refs/heads/main'"] * 200)   # over the remembered size
    assert len(long_text) > gx._REMEMBERED_MAX_CHARS and gx.parse(long_text) is not gx.parse(long_text)
    for _ in range(2):
        with pytest.raises(gx.ExpressionError):
            gx.parse("github.ref ==")
