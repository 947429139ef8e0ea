"""Issue 15, the Docker items: bounded time and memory on hostile Dockerfiles, ignore files and YAML (items 6, 8),
and every crash case a finding naming the file (item 11).

Each case runs in a child process with a wall-clock guard and, where the item is about memory, an address-space
limit, so a regression fails the test instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

WALL = 8.0          # seconds: each case takes well under one here
MEMORY = 600 << 20  # bytes of address space for the memory cases (the interpreter alone takes ~60 MB RSS)


def _run(body: str, *, memory: int | None = None) -> dict:
    """Run ``body`` (which sets ``result``) in a fresh interpreter; returns result plus the elapsed time."""
    limit = f"resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))" if memory else ""
    code = textwrap.dedent(f"""
        import json, resource, time
        {limit}
        from observatory_invariants import memory
        from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse
        def check(files):
            ws = memory.workspace(files)
            return sorted({{(f.rule, f.path, f.line, f.severity) for f in analyse(ws)[1]}})
        start = time.perf_counter()
    """) + textwrap.dedent(body) + textwrap.dedent("""
        result["seconds"] = time.perf_counter() - start
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result, default=list))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WALL * 4)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["seconds"] < WALL, out
    return out


BUILD = {"build.sh": "docker build -t svc:1.0.0 ctx\n", "ctx/a.txt": "a"}


# -- item 6: ARG/ENV expansion is capped ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ARG", "ENV", "global ARG"])
def test_doubling_arg_chain_is_capped(kind):
    out = _run(f"""
        kind = {kind!r}
        lines = ["ARG A0=xx"] if kind == "global ARG" else ["FROM scratch", f"{{kind.split()[-1]}} A0=xx"]
        word = kind.split()[-1]
        lines += [f"{{word}} A{{i + 1}}=${{{{A{{i}}}}}}${{{{A{{i}}}}}}" for i in range(60)]
        if kind == "global ARG":
            lines += ["FROM scratch:${{A60}}"]
        lines += ["COPY ${{A60}} /"]
        result = {{"findings": check({{**{BUILD!r}, "ctx/Dockerfile": "\\n".join(lines) + "\\n"}})}}
    """, memory=MEMORY)
    rules = [f[0] for f in out["findings"]]
    assert rules and any(r in ("B2.bad-dockerfile", "B2.missing-source") for r in rules), out
    assert any("ctx/Dockerfile" == f[1] for f in out["findings"])


# -- item 8: linear-time COPY globs and .dockerignore ----------------------------------------------------------

def test_copy_glob_with_many_stars_is_linear():
    out = _run(f"""
        files = {{**{BUILD!r}, "ctx/Dockerfile": "FROM scratch\\nCOPY " + "a*" * 40 + "b /\\n"}}
        for i in range(200):
            files[f"ctx/{{'a' * 60}}{{i}}"] = "x"
        result = {{"findings": check(files)}}
    """)
    assert [f[0] for f in out["findings"]] == ["B2.empty-glob"]


@pytest.mark.parametrize("pattern", ["**/" * 12 + "x", "*" * 5000, "a*" * 30 + "b", "**/a*" * 20 + "b"])
def test_hostile_ignore_patterns_are_linear(pattern):
    out = _run(f"""
        files = {{**{BUILD!r}, "ctx/Dockerfile": "FROM scratch\\nCOPY a.txt /\\n", "ctx/.dockerignore": {pattern!r} + "\\n"}}
        for i in range(200):
            files[f"ctx/{{'/'.join(['a' * 5] * 16)}}/{{'a' * 40}}{{i}}"] = "x"
        result = {{"findings": check(files)}}
    """)
    assert all(f[0] != "B2.dockerignored" or f[2] == 2 for f in out["findings"])


def test_a_100k_line_ignore_file_is_read_in_seconds():
    out = _run(f"""
        ignore = "".join(f"dir{{i}}/**/*.tmp\\n!dir{{i}}/keep\\n" for i in range(50000))
        files = {{**{BUILD!r}, "ctx/Dockerfile": "FROM scratch\\nCOPY a.txt /\\n", "ctx/.dockerignore": ignore}}
        for i in range(300):
            files[f"ctx/src/m{{i}}/f.txt"] = "x"
        result = {{"findings": check(files)}}
    """, memory=MEMORY)
    assert out["findings"] == [], out


def test_matcher_agrees_with_docker_semantics_on_plain_cases():
    from observatory_invariants.parsers.dockerignore import DockerIgnore, match_glob

    ignore = DockerIgnore.from_text("**/*.log\n!keep/**\nbuild\n*/tmp?\n[a-c]x\n")
    assert ignore.excludes("a/b/c.log") and ignore.excludes("c.log")
    assert not ignore.excludes("keep/x.log")
    assert ignore.excludes("build/sub/file") and not ignore.excludes("src/build")
    assert ignore.excludes("a/tmp1") and not ignore.excludes("a/b/tmp1")
    assert ignore.excludes("bx") and not ignore.excludes("dx")
    assert match_glob("a*b*c", "axxbyyc") and not match_glob("a*b*c", "axxbyy/c")
    assert match_glob("a\\*b", "a*b") and not match_glob("a\\*b", "axb")
    assert match_glob("[^a]?", "bc") and not match_glob("[^a]?", "ac")


# -- item 11: crash cases are findings naming the file --------------------------------------------------------

@pytest.mark.parametrize("files,path", [
    ({"docker-compose.yml": "services:\n  a:\n    build: {context: ctx, target: [1]}\n"}, "docker-compose.yml"),
    ({"docker-compose.yml": "services:\n  a:\n    build: {context: [ctx], dockerfile: {a: 1}, args: 5}\n"},
     "docker-compose.yml"),
    ({"ctx/Dockerfile": "FROM scratch\nCOPY [x /d/\n"}, "ctx/Dockerfile"),
    ({"ctx/Dockerfile": 'FROM scratch\nCOPY [1, {"a": 2}] /\n'}, "ctx/Dockerfile"),
    ({".github/workflows/ci.yml": "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    env: {D: 2001-13-45}\n"
                                  "    steps:\n      - run: docker build ctx\n"}, None),
    ({"docker-compose.yml": "services:\n  a:\n    build: ctx\n    labels: {n: " + "1" * 4301 + ", d: 2001-13-45}\n"},
     None),
    ({"infra/k8s/d.yaml": "kind: Deployment\nmetadata: {created: 2001-13-45, n: " + "9" * 4301 + "}\n"
                          "spec: {template: {spec: {containers: [{image: a:1}]}}}\n"}, None),
])
def test_crash_cases_are_findings_not_internal_errors(files, path):
    from observatory_invariants import memory
    from observatory_invariants.rules.docker import b1_b2_build_contexts, b3_image_versions

    ws = memory.workspace({"ctx/Dockerfile": "FROM scratch\nCOPY a.txt /\n", "ctx/a.txt": "a",
                           "build.sh": "docker build -t a:1.0.0 ctx\n", **files})
    findings = b1_b2_build_contexts.run(ws, None) + b3_image_versions.run(ws, None)
    if path is not None:
        assert any(f.path == path and f.severity == "error" for f in findings), findings
