"""docker/scripts.py reads scripts through the project's lexers (powershell/ and shell/lexer.py).

Each case here is one a line scanner gets wrong: code vs comment vs data is decided by
the same tokenizer the X-rules use, so a ``docker build`` in a comment, a here-string or
a here-document body is not a build, a ``#`` inside quotes is not a comment, and
continuations are joined the way the shell joins them.
"""

import pytest

from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse
from observatory_invariants.engines.docker.docker_cli import scan_script


def ps(text, **kw):
    return scan_script(text, pwsh=True, script_dir="scripts", **kw)


def sh(text, **kw):
    return scan_script(text, pwsh=False, script_dir="scripts", **kw)


def builds(scan):
    return [(b.line, b.context, b.dockerfile, list(b.tags), b.unresolved) for b in scan.builds]


# -- comments, here-strings and here-documents are not code ------------------------------------------------


def test_docker_build_in_a_powershell_block_comment_is_not_a_build():
    scan = ps("<#\n.SYNOPSIS\n  Builds the images, e.g.\n    docker build -t ghcr.io/o/old:0.1.0 src/old\n#>\n"
              "docker build <# not: docker build -t x:1 y #> -t ghcr.io/o/app:1.0.0 src/app\n")
    assert builds(scan) == [(6, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]
    assert [i.ref for i in scan.images] == ["ghcr.io/o/app:1.0.0"]


def test_latest_fallback_in_a_powershell_block_comment_is_not_a_fallback():
    scan = ps('<#\nif (-not (Test-Path VERSION)) { $tag = "latest" }\n#>\n$tag = "1.0.0"\n')
    assert scan.fallbacks == []


@pytest.mark.parametrize("quote", ['"', "'"])
def test_docker_build_in_a_powershell_here_string_is_not_a_build(quote):
    scan = ps(f"$help = @{quote}\nUsage:\n  docker build -t ghcr.io/o/app:dev .\n{quote}@\n"
              "Write-Host $help\ndocker build -t ghcr.io/o/app:1.0.0 src/app\n")
    assert builds(scan) == [(6, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


@pytest.mark.parametrize("opener", ["<<EOF", "<<'EOF'", '<<"EOF"', "<<-EOF"])
def test_docker_build_in_a_sh_here_document_is_not_a_build(opener):
    scan = sh(f"#!/bin/sh\ncat {opener}\n\tdocker build -t ghcr.io/o/app:dev .\n\tdocker push ghcr.io/o/app:dev\n"
              "EOF\ndocker build -t ghcr.io/o/app:1.0.0 src/app\n")
    assert builds(scan) == [(6, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]
    assert [(i.ref, i.how) for i in scan.images] == [("ghcr.io/o/app:1.0.0", "docker build -t")]


def test_here_document_fallbacks_follow_the_delimiter_quoting():
    body = "image: ghcr.io/o/app:${VERSION:-latest}\n"
    # an unquoted delimiter expands the body: the fallback is real
    assert [f.line for f in sh(f"cat <<EOF > compose.yml\n{body}EOF\n").fallbacks] == [2]
    # a quoted delimiter keeps it literal: data, not a fallback
    assert sh(f"cat <<'EOF' > compose.yml\n{body}EOF\n").fallbacks == []


# -- '#' inside quotes -------------------------------------------------------------------------------------


def test_hash_inside_a_quoted_tag_value_is_not_a_comment():
    assert builds(sh('docker build -t "ghcr.io/o/app:1.0.0 #x" src/app\n'))[0][3] == ["ghcr.io/o/app:1.0.0 #x"]
    assert builds(ps("docker build -t 'ghcr.io/o/app:1.0.0 #x' src/app\n"))[0][3] == ["ghcr.io/o/app:1.0.0 #x"]


def test_hash_after_an_escaped_quote_is_still_inside_the_string():
    # a line scanner that does not know \" (sh) or `" (PowerShell) ends the string early and takes
    # '# 42"…' for a comment, losing the -t value and the context
    scan = sh('docker build --label "title=27\\" monitor, see # 42" -t "ghcr.io/o/app:1.0.0" src/app\n')
    assert builds(scan) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]
    scan = ps('docker build --label "title=27`" monitor, see # 42" -t "ghcr.io/o/app:1.0.0" src/app\n')
    assert builds(scan) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


# -- continuations -----------------------------------------------------------------------------------------


def test_sh_continuation_with_a_trailing_comment():
    scan = sh("docker build \\\n  -t ghcr.io/o/app:1.0.0 \\\n  -f src/app/Dockerfile \\\n"
              "  src/app  # the service's own folder \\\n"
              "docker push ghcr.io/o/app:1.0.0  # a comment never continues a line\n")
    assert builds(scan) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]
    assert [(i.ref, i.line, i.how) for i in scan.images] == [
        ("ghcr.io/o/app:1.0.0", 1, "docker build -t"), ("ghcr.io/o/app:1.0.0", 5, "docker push")]


def test_powershell_continuation_around_a_block_comment():
    scan = ps("docker build `\n  -t ghcr.io/o/app:1.0.0 <# the\n  release tag #> `\n"
              "  src/app  # don't build from the root\n")
    assert builds(scan) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


# -- statement boundaries the shell draws --------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "DOCKER_BUILDKIT=1 docker build -t ghcr.io/o/app:1.0.0 src/app",   # an environment prefix, not an assignment
    "docker build -t ghcr.io/o/app:1.0.0 src/app 2>/dev/null",         # a redirection, not the context
    "docker build -t ghcr.io/o/app:1.0.0 src/app &",                   # background, not the context
    "docker build -t ghcr.io/o/app:1.0.0 src/app > build.log 2>&1",
])
def test_sh_command_words_end_where_the_shell_says(line):
    assert builds(sh(line + "\n")) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


def test_sh_case_arms_end_at_double_semicolon():
    scan = sh('case "$1" in\n  app) docker build -t ghcr.io/o/app:1.0.0 src/app;;\nesac\n')
    assert [b.context for b in scan.builds] == ["src/app"]


def test_sh_several_assignments_on_one_line():
    scan = sh("CTX=src/app TAG=1.0.0\ndocker build -t ghcr.io/o/app:$TAG $CTX\n")
    assert builds(scan) == [(2, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


# -- PowerShell values ---------------------------------------------------------------------------------------


def test_multi_line_hashtable():
    scan = ps("$svc = @{\n  Name = 'app'   # the image name\n  Context = \"src/app\"\n}\n"
              'docker build -t "ghcr.io/o/$($svc.Name):1.0.0" $svc.Context\n')
    assert builds(scan) == [(5, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


def test_doubled_quote_in_a_single_quoted_string():
    assert builds(ps("$t = 'it''s'\ndocker build -t \"app:$t\" src/app\n"))[0][3] == ["app:it's"]


def test_command_output_is_not_a_literal():
    # '$v = Get-Content VERSION' runs a command: the tag is unknown, not "app:Get-Content VERSION"
    scan = ps('$v = Get-Content src/app/VERSION\ndocker build -t "ghcr.io/o/app:$v" src/app\n')
    assert builds(scan) == [(2, "src/app", "src/app/Dockerfile", [], None)]
    assert scan.images == []


def test_assigned_docker_build_is_still_a_build():
    scan = ps("$id = docker build -q src/app\n")
    assert [b.context for b in scan.builds] == ["src/app"]


def test_pipeline_element_ends_the_arguments():
    scan = ps("$null = (docker build -t ghcr.io/o/app:1.0.0 src/app 2>&1 | Out-String)\n")
    assert builds(scan) == [(1, "src/app", "src/app/Dockerfile", ["ghcr.io/o/app:1.0.0"], None)]


def test_deep_nesting_is_unresolved_not_a_crash():
    scan = ps("$c = " + "(" * 3000 + "'src/app'" + ")" * 3000 + "\ndocker build $c\n")
    assert scan.builds[0].unresolved is not None


# -- end to end ----------------------------------------------------------------------------------------------


def test_commented_and_quoted_builds_do_not_reach_b1(make_repo):
    files = {
        "src/services/app/Dockerfile": "FROM scratch\nCOPY VERSION /VERSION\n",
        "src/services/app/VERSION": "1.0.0\n",
        "scripts/build.ps1": ("<#\n  docker build -f src/services/app/Dockerfile .\n#>\n"
                              "$usage = @'\n  docker build -f src/services/app/Dockerfile .\n'@\n"
                              "docker build -t ghcr.io/o/app:1.0.0 src/services/app\n"),
        "scripts/build.sh": ("#!/bin/sh\ncat <<EOF\n  docker build -f src/services/app/Dockerfile .\nEOF\n"
                             "docker build -t ghcr.io/o/app:1.0.0 src/services/app\n"),
    }
    reports, found = analyse(make_repo(files))
    assert sorted((r.build.declared_in, r.build.line, r.build.context) for r in reports) == [
        ("scripts/build.ps1", 7, "src/services/app"), ("scripts/build.sh", 5, "src/services/app")]
    assert [f.rule for f in found if f.severity == "error"] == []


@pytest.mark.parametrize("text", ["export\n", "local -a\n", "readonly\ndocker build -t app:1.0.0 src/app\n"])
def test_bare_declaration_words_are_harmless(text):
    assert [b.context for b in sh(text).builds] == (["src/app"] if "docker" in text else [])
