"""Bad input becomes findings naming the file, never a traceback."""

import os

from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse
from observatory_invariants.parsers.yaml_loader import YamlError, load_all

import pytest

SVC = {"src/services/svc/Dockerfile": "FROM scratch\nCOPY a.txt /\n", "src/services/svc/a.txt": "a",
       "src/services/svc/VERSION": "1.0.0\n"}


def rules(make_repo, files, **kw):
    return sorted((f.rule, f.path, f.line) for f in analyse(make_repo(files, **kw))[1])


def test_unparseable_dockerfile(make_repo):
    found = rules(make_repo, {**SVC, "src/services/svc/Dockerfile": "FROM scratch\nCOPPY a.txt /\nCOPY x\n",
                              "build.sh": "docker build -t svc:1.0.0 src/services/svc\n"})
    assert ("B2.bad-dockerfile", "src/services/svc/Dockerfile", 2) in found
    assert ("B2.bad-dockerfile", "src/services/svc/Dockerfile", 3) in found


def test_binary_dockerfile(make_repo):
    found = rules(make_repo, {**SVC, "src/services/svc/Dockerfile": b"\xff\xfe\x00FROM",
                              "build.sh": "docker build -t svc:1.0.0 src/services/svc\n"})
    assert ("B2.bad-dockerfile", "src/services/svc/Dockerfile", None) in found


def test_compose_file_that_is_a_list(make_repo):
    found = rules(make_repo, {**SVC, "docker-compose.yml": "- a\n- b\n"})
    assert ("B1.bad-declaration", "docker-compose.yml", 1) in found


def test_invalid_yaml_has_a_line(make_repo):
    found = rules(make_repo, {**SVC, ".github/workflows/x.yml": "jobs:\n  a: [\n"})
    assert any(r == "B1.bad-declaration" and p == ".github/workflows/x.yml" and line for r, p, line in found)


def test_workflow_without_jobs(make_repo):
    assert rules(make_repo, {**SVC, ".github/workflows/x.yml": "on: push\n"}) == [
        ("B1.unbuilt", "src/services/svc/Dockerfile", None)]


def test_context_that_does_not_exist(make_repo):
    found = rules(make_repo, {**SVC, "build.sh": "docker build -f src/services/svc/Dockerfile src/services/nope\n"})
    assert ("B2.missing-context", "build.sh", 1) in found


def test_dockerfile_path_that_is_a_directory(make_repo):
    found = rules(make_repo, {**SVC, "build.sh": "docker build -f src/services/svc src/services/svc\n"})
    assert ("B2.missing-dockerfile", "build.sh", 1) in found


def test_symlinked_context_folder(make_repo, tmp_path):
    ws = make_repo({**SVC, "build.sh": "docker build -f src/services/svc/Dockerfile linked\n"}, on_disk=True)
    os.symlink(ws.root / "src/services/svc", ws.root / "linked")
    found = sorted((f.rule, f.severity) for f in analyse(ws)[1])
    assert ("B1.unresolved", "note") in found


def test_dockerignore_with_invalid_patterns(make_repo):
    found = rules(make_repo, {**SVC, "src/services/svc/.dockerignore": "[oops\n",
                              "build.sh": "docker build -t svc:1.0.0 src/services/svc\n"})
    assert ("B2.bad-dockerignore", "src/services/svc/.dockerignore", 1) in found


def test_yaml_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(YamlError, match="alias bomb"):
        load_all(bomb)


def test_yaml_bomb_in_compose_is_a_finding(make_repo):
    bomb = "x: &a [q, q, q, q, q, q, q, q, q, q]\n"
    for i in range(1, 8):
        bomb += f"x{i}: &a{i} [" + ", ".join([f"*a{'' if i == 1 else i - 1}"] * 10) + "]\n"
    found = rules(make_repo, {**SVC, "docker-compose.yml": bomb})
    assert any(r == "B1.bad-declaration" for r, _p, _l in found)


def test_compose_without_git_and_crlf(make_repo):
    compose = "services:\r\n  svc:\r\n    build: src/services/svc\r\n    image: svc:1.0.0\r\n"
    assert rules(make_repo, {**SVC, "docker-compose.yml": compose}, use_git=False) == []
