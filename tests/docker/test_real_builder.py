"""Cross-check B1/B2 with a real Docker engine: the classic builder and BuildKit.

Opt-in: set OBS_DOCKER_HOST to a daemon socket (e.g. unix:///tmp/obs-docker.sock).
Every fixture builds ``FROM scratch``, so nothing is pulled and no network is
needed. For each case we assert what each builder does, and that the checker
rejects exactly the cases the builders reject — except the documented
disagreements between the builders themselves (see docs/rules/B2.md).

OBS_DOCKER_CLIENT may name the docker client; BuildKit needs one that builds
with DOCKER_BUILDKIT=1 (a client with the buildx plugin, or Debian's docker.io
20.10 client, which has BuildKit built in).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse

HOST = os.environ.get("OBS_DOCKER_HOST")
pytestmark = pytest.mark.skipif(not HOST, reason="set OBS_DOCKER_HOST=unix:///path/to/docker.sock to cross-check "
                                                 "B1/B2 with a real Docker engine (opt-in)")

REJECTING = {"B1.wrong-context", "B2.missing-source", "B2.empty-glob", "B2.escapes-context", "B2.dockerignored",
             "B2.wrong-context", "B2.missing-context", "B2.bad-dockerfile"}

# name: (files under the repo root, expected result per builder: True = the build succeeds)
CASES = {
    "plain copy": ({"ctx/Dockerfile": "FROM scratch\nCOPY a.txt /\n"}, {"0": True, "1": True}),
    "missing source": ({"ctx/Dockerfile": "FROM scratch\nCOPY nope.txt /\n"}, {"0": False, "1": False}),
    "glob": ({"ctx/Dockerfile": "FROM scratch\nCOPY *.txt /\n"}, {"0": True, "1": True}),
    # builders disagree: BuildKit allows an empty wildcard, the classic builder does not; we report it
    "empty glob": ({"ctx/Dockerfile": "FROM scratch\nCOPY *.go /\n"}, {"0": False, "1": True}),
    "dockerignored": ({"ctx/Dockerfile": "FROM scratch\nCOPY a.txt /\n", "ctx/.dockerignore": "a.txt\n"},
                      {"0": False, "1": False}),
    "re-included": ({"ctx/Dockerfile": "FROM scratch\nCOPY a.txt /\n", "ctx/.dockerignore": "*.txt\n!a.txt\n"},
                    {"0": True, "1": True}),
    "re-included below an excluded folder": (
        {"ctx/Dockerfile": "FROM scratch\nCOPY sub/b.txt /\n", "ctx/.dockerignore": "sub\n!sub/b.txt\n"},
        {"0": True, "1": True}),
    "double star": ({"ctx/Dockerfile": "FROM scratch\nCOPY sub/b.txt /\n", "ctx/.dockerignore": "**/b.txt\n"},
                    {"0": False, "1": False}),
    # builders disagree: BuildKit clamps '..' to the context root, the classic builder refuses it
    "dotdot": ({"ctx/Dockerfile": "FROM scratch\nCOPY ../a.txt /\n"}, {"0": False, "1": True}),
    "arg default": ({"ctx/Dockerfile": "FROM scratch\nARG F=a.txt\nCOPY $F /\n"}, {"0": True, "1": True}),
    "copy from stage": ({"ctx/Dockerfile": "FROM scratch AS b\nCOPY a.txt /a\nFROM scratch\nCOPY --from=b /a /a\n"},
                        {"0": True, "1": True}),
    "repo-relative built from a folder": ({"ctx/Dockerfile": "FROM scratch\nCOPY shared/s.txt /\n",
                                           "shared/s.txt": "s"}, {"0": False, "1": False}),
}
# Quoted shell-form sources: both builders strip the quotes (BuildKit's shell-word processing), issue 10 item 1
CASES["quoted source"] = ({"ctx/Dockerfile": 'FROM scratch\nCOPY "a.txt" "/"\n'}, {"0": True, "1": True})
CASES["single-quoted source"] = ({"ctx/Dockerfile": "FROM scratch\nCOPY 'sub/b.txt' /\n"}, {"0": True, "1": True})
CASES["quoted missing source"] = ({"ctx/Dockerfile": 'FROM scratch\nCOPY "nope.txt" /\n'}, {"0": False, "1": False})
# shell-form words are split at blanks before quotes are processed: a quoted path with a space is refused
CASES["quoted source with a space"] = ({"ctx/Dockerfile": 'FROM scratch\nCOPY "a b.txt" /\n', "ctx/a b.txt": "x"},
                                       {"0": False, "1": False})
CASES["quoted arg source"] = ({"ctx/Dockerfile": 'FROM scratch\nARG F="a.txt"\nCOPY "${F}" /\n'},
                              {"0": True, "1": True})
# BuildKit's own per-Dockerfile ignore file: only BuildKit reads it (we follow BuildKit)
CASES["per-Dockerfile ignore"] = ({"ctx/Dockerfile": "FROM scratch\nCOPY a.txt /\n",
                                   "ctx/Dockerfile.dockerignore": "a.txt\n"}, {"0": True, "1": False})


def _client_for(buildkit: str) -> str | None:
    candidates = [os.environ.get("OBS_DOCKER_CLIENT"), "/usr/bin/docker", shutil.which("docker")]
    for client in filter(None, dict.fromkeys(candidates)):
        env = {**os.environ, "DOCKER_HOST": HOST, "DOCKER_BUILDKIT": buildkit}
        try:
            probe = subprocess.run([client, "version"], capture_output=True, env=env, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode != 0:
            continue
        if buildkit == "1":
            check = subprocess.run([client, "build", "-q", "-"], input=b"FROM scratch\nLABEL x=1\n",
                                   capture_output=True, env=env, timeout=120)
            if check.returncode != 0:
                continue
        return client
    return None


@pytest.fixture(scope="module", params=["0", "1"], ids=["classic", "buildkit"])
def builder(request):
    client = _client_for(request.param)
    if client is None:
        pytest.skip(f"no docker client can build against {HOST} with DOCKER_BUILDKIT={request.param}")
    return client, request.param


@pytest.mark.parametrize("case", sorted(CASES))
def test_builder_agrees_with_checker(case, builder, make_repo):
    client, buildkit = builder
    files, expected = CASES[case]
    files = {"ctx/a.txt": "a", "ctx/sub/b.txt": "b", "build.sh": "docker build -t t:1.0.0 ctx\n", **files}
    ws = make_repo(files, on_disk=True)
    rejected = sorted({f.rule for f in analyse(ws)[1] if f.rule in REJECTING})
    proc = subprocess.run([client, "build", "-q", "ctx"], cwd=ws.root, capture_output=True, timeout=300,
                          env={**os.environ, "DOCKER_HOST": HOST, "DOCKER_BUILDKIT": buildkit})
    built = proc.returncode == 0
    assert built is expected[buildkit], proc.stderr.decode(errors="replace")[-500:]
    # The checker is strict where the builders disagree: it rejects whatever either builder rejects.
    assert bool(rejected) is (not all(expected.values())), rejected


# A build script that moves to its service folder the way build scripts do (issue 10 item 10), with the
# Dockerfile's own ignore file there: the checker must resolve the script's working directory exactly and use
# Dockerfile.dockerignore, like BuildKit.
SCRIPT = 'cd "$(dirname "$0")/.."\ndocker build -q -t t:1.0.0 .\n'
SCRIPT_CASES = {
    "script, quoted source, clean": ({"svc/Dockerfile": 'FROM scratch\nCOPY "a.txt" /\n'}, {"0": True, "1": True}),
    "script, Dockerfile-specific ignore": ({"svc/Dockerfile": 'FROM scratch\nCOPY "a.txt" /\n',
                                            "svc/Dockerfile.dockerignore": "a.txt\n"}, {"0": True, "1": False}),
}


@pytest.mark.parametrize("case", sorted(SCRIPT_CASES))
def test_builder_agrees_with_checker_through_a_script(case, builder, make_repo, tmp_path):
    client, buildkit = builder
    files, expected = SCRIPT_CASES[case]
    files = {"svc/a.txt": "a", "svc/scripts/build.sh": SCRIPT, **files}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").symlink_to(client)
    ws = make_repo(files, on_disk=True)
    reports, findings = analyse(ws)
    assert [(r.build.context, r.build.dockerfile) for r in reports] == [("svc", "svc/Dockerfile")]
    rejected = sorted({f.rule for f in findings if f.rule in REJECTING and f.severity == "error"})
    proc = subprocess.run(["sh", "svc/scripts/build.sh"], cwd=ws.root, capture_output=True, timeout=300,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "DOCKER_HOST": HOST,
                               "DOCKER_BUILDKIT": buildkit})
    assert (proc.returncode == 0) is expected[buildkit], proc.stderr.decode(errors="replace")[-500:]
    assert bool(rejected) is (not all(expected.values())), rejected
