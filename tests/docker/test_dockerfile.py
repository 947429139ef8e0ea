"""Dockerfile reading: which COPY/ADD sources come from the build context."""

from observatory_invariants.parsers.dockerfile import context_sources, parse_dockerfile


def paths(text, args=None, target=None):
    model = parse_dockerfile("Dockerfile", text)
    return [s.path for s in context_sources(model, args, target)[0]]


def test_flags_and_json_form():
    text = 'FROM a\nCOPY --chown=1:1 --chmod=644 --link x y /d/\nADD ["a b.txt", "/d/"]\n'
    assert paths(text) == ["x", "y", "a b.txt"]


def test_from_stage_url_and_git_are_not_context_sources():
    text = ("FROM a AS builder\nCOPY src .\nFROM scratch\nCOPY --from=builder /app /app\n"
            "COPY --from=nginx:1 /etc/nginx /n\nADD https://example.com/x.tgz /\n"
            "ADD git@github.com:o/r.git /r\n")
    assert paths(text) == ["src"]


def test_heredoc_bodies_never_become_sources():
    text = "FROM a\nCOPY <<EOF /etc/conf\nCOPY secret.txt /\nEOF\nRUN <<-X\n\tCOPY bogus /\n\tX\nCOPY real /\n"
    model = parse_dockerfile("Dockerfile", text)
    assert [s.path for s in context_sources(model)[0]] == ["real"]
    assert [s.line for s in context_sources(model)[0]] == [8]


def test_unclosed_heredoc_is_a_problem():
    model = parse_dockerfile("Dockerfile", "FROM a\nRUN <<EOF\necho\n")
    assert model.problems and model.problems[0].line == 2


def test_arg_defaults_and_build_args():
    text = "ARG SVC=gateway\nFROM a\nARG SVC\nARG DIR=src/services\nCOPY ${DIR}/$SVC/x ./\n"
    assert paths(text) == ["src/services/gateway/x"]
    assert paths(text, {"SVC": "proc"}) == ["src/services/proc/x"]


def test_unset_arg_substitutes_empty_and_is_remembered():
    model = parse_dockerfile("Dockerfile", "FROM a\nARG SVC\nCOPY src/$SVC/x ./\n")
    [source] = context_sources(model)[0]
    assert source.path == "src//x" and source.empty_vars == ("SVC",)


def test_only_stages_the_target_needs():
    text = "FROM a AS one\nCOPY one.txt /\nFROM a AS two\nCOPY two.txt /\nFROM one AS three\nCOPY three.txt /\n"
    assert paths(text) == ["one.txt", "three.txt"]
    assert paths(text, target="two") == ["two.txt"]


def test_unknown_target():
    model = parse_dockerfile("Dockerfile", "FROM a AS x\n")
    assert "not in the Dockerfile" in context_sources(model, target="nope")[1][0].message


def test_continuations_and_backtick_escape():
    text = "# escape=`\nFROM mcr.microsoft.com/windows\nCOPY `\n  app\\bin\\x.dll `\n  C:\\app\\\n"
    model = parse_dockerfile("Dockerfile", text)
    assert [s.path for s in context_sources(model)[0]] == ["app/bin/x.dll"]


def test_bad_dockerfiles_are_problems_not_exceptions():
    assert parse_dockerfile("D", "RUN echo\n").problems
    assert parse_dockerfile("D", "FROM a\nCOPY onlyone\n").problems[0].line == 2
    assert "unknown instruction" in parse_dockerfile("D", "FROM a\nCOPPY x y\n").problems[0].message
    assert parse_dockerfile("D", "").problems


def test_declared_context_header():
    model = parse_dockerfile("D", "# BUILD CONTEXT: repo root\nFROM a\n")
    assert model.declared_context == ("repo root", 1)
