"""B1–B3 on fixture repositories made in tmp_path (each case of issue 4)."""

import pytest

from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse, run
from observatory_invariants.registry import is_enabled

GATEWAY = {
    "src/services/gateway/Dockerfile": ("# BUILD CONTEXT: repo root\nFROM node:20\n"
                                        "COPY src/services/gateway/package.json ./\n"
                                        "COPY src/services/gateway/VERSION ./dist/VERSION\nCOPY contracts ./contracts\n"),
    "src/services/gateway/package.json": "{}",
    "src/services/gateway/VERSION": "0.1.0\n",
    "contracts/schemas/job.json": "{}",
}
METRICS = {
    "src/services/metrics/Dockerfile": ("FROM golang:1.22 AS builder\nCOPY go.mod go.sum ./\nCOPY VERSION ./VERSION\n"
                                        "COPY *.go ./\nFROM scratch\nCOPY --from=builder /app /app\n"),
    "src/services/metrics/go.mod": "module m\n",
    "src/services/metrics/go.sum": "",
    "src/services/metrics/main.go": "package main\n",
    "src/services/metrics/VERSION": "1.4.0\n",
}


def script(*lines):
    return {"scripts/build.sh": "#!/bin/sh\n" + "\n".join(lines) + "\n"}


def findings_of(make_repo, files, **kw):
    return analyse(make_repo(files, **kw))[1]


def ids(findings, severity=None):
    return sorted(f.rule for f in findings if severity is None or f.severity == severity)


def errors(findings):
    return sorted(f.rule for f in findings if f.severity == "error")


def test_repo_relative_dockerfile_built_from_root_is_clean(make_repo):
    found = findings_of(make_repo, {**GATEWAY, **script("docker build -f src/services/gateway/Dockerfile -t gateway:0.1.0 .")})
    assert ids(found) == []


def test_repo_relative_dockerfile_built_from_its_folder_is_b1(make_repo):
    found = findings_of(make_repo, {**GATEWAY, **script(
        "docker build -t gateway:0.1.0 src/services/gateway")})
    assert "B1.wrong-context" in ids(found)
    f = next(f for f in found if f.rule == "B1.wrong-context")
    assert f.path == "src/services/gateway/Dockerfile" and f.line == 3
    assert "scripts/build.sh:2" in f.message and "docker build -f src/services/gateway/Dockerfile ." in f.message
    assert "B2.missing-source" not in ids(found)          # one finding, not one per COPY
    assert "B1.declared-context" in ids(found)            # the header said repo root


def test_service_local_dockerfile_built_from_root_is_b2_with_the_working_context(make_repo):
    found = findings_of(make_repo, {**METRICS, **script("docker build -f src/services/metrics/Dockerfile -t m:1.4.0 .")})
    [f] = [f for f in found if f.rule == "B2.wrong-context"]
    assert "context src/services/metrics" in f.message


def test_service_local_dockerfile_built_from_its_folder_is_clean(make_repo):
    assert ids(findings_of(make_repo, {**METRICS, **script("docker build -t metrics:1.4.0 src/services/metrics")})) == []


def test_mixed_styles(make_repo):
    files = {**GATEWAY, "src/services/gateway/Dockerfile": "FROM node\nCOPY package.json ./\nCOPY contracts ./contracts\n",
             **script("docker build -f src/services/gateway/Dockerfile .")}
    found = findings_of(make_repo, files)
    assert "B1.mixed-sources" in ids(found)


def _svc(dockerfile_body, extra=None, build="docker build -t svc:1.0.0 src/services/svc"):
    files = {"src/services/svc/Dockerfile": "FROM scratch\n" + dockerfile_body, "src/services/svc/VERSION": "1.0.0\n",
             "src/services/svc/a.txt": "a", "src/services/svc/docs/b.md": "b", **script(build)}
    files.update(extra or {})
    return files


def test_source_excluded_by_dockerignore(make_repo):
    found = findings_of(make_repo, _svc("COPY a.txt /\n", {"src/services/svc/.dockerignore": "*.txt\n"}))
    [f] = [f for f in found if f.rule == "B2.dockerignored"]
    assert ".dockerignore:1" in f.message and f.line == 2


def test_source_reincluded_by_exception(make_repo):
    found = findings_of(make_repo, _svc("COPY a.txt /\n", {"src/services/svc/.dockerignore": "*.txt\n!a.txt\n"}))
    assert ids(found) == []


def test_per_dockerfile_ignore_file_takes_precedence(make_repo):
    found = findings_of(make_repo, _svc("COPY a.txt /\nCOPY docs /docs\n", {
        "src/services/svc/.dockerignore": "a.txt\n",
        "src/services/svc/Dockerfile.dockerignore": "docs\n"}))
    assert [(f.rule, f.line) for f in found if f.rule.startswith("B2")] == [("B2.dockerignored", 3)]


def test_copy_from_add_url_and_heredoc_are_not_context_sources(make_repo):
    body = ("COPY --from=busybox:1 /bin/sh /sh\nADD https://example.com/x.tgz /\n"
            "COPY <<EOF /etc/x\nCOPY nothing-here /\nEOF\n")
    assert ids(findings_of(make_repo, _svc(body))) == []


def test_arg_substituted_sources(make_repo):
    body = "ARG DOC=docs\nCOPY ${DOC}/b.md /\n"
    assert ids(findings_of(make_repo, _svc(body))) == []
    found = findings_of(make_repo, _svc(body, build="docker build --build-arg DOC=nope -t svc:1.0.0 src/services/svc"))
    assert "B2.missing-source" in ids(found)


def test_glob_matching_nothing(make_repo):
    found = findings_of(make_repo, _svc("COPY *.txt /\nCOPY *.go /\n"))
    assert [(f.rule, f.line) for f in found] == [("B2.empty-glob", 3)]


def test_escape_with_dotdot(make_repo):
    found = findings_of(make_repo, _svc("COPY ../other/x /\n"))
    assert ids(found) == ["B2.escapes-context"]


def test_untracked_but_needed(make_repo):
    files = _svc("COPY gen.txt /\n", {"src/services/svc/gen.txt": "g"})
    found = findings_of(make_repo, files, untracked=("src/services/svc/gen.txt",))
    assert ids(found) == ["B2.untracked"]


def test_gitignored_file_needed_by_the_build(make_repo):
    files = _svc("COPY dist/app.js /\n", {"src/services/svc/dist/app.js": "x", ".gitignore": "dist/\n"})
    found = findings_of(make_repo, files, untracked=("src/services/svc/dist/app.js",))
    assert ids(found) == ["B2.untracked"]


def test_workflow_matrix_with_three_services(make_repo):
    workflow = """
on: push
jobs:
  images:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        service: [gateway, metrics, web]
        include:
          - service: gateway
            context: .
          - service: metrics
            context: src/services/metrics
          - service: web
            context: src/services/web
    steps:
      - run: docker build -f src/services/${{ matrix.service }}/Dockerfile -t ${{ matrix.service }}:1 ${{ matrix.context }}
"""
    files = {**GATEWAY, **METRICS, "src/services/web/Dockerfile": "FROM scratch\nCOPY index.html /\n",
             "src/services/web/index.html": "", "src/services/web/VERSION": "1.0.0\n",
             ".github/workflows/ci.yml": workflow}
    reports, found = analyse(make_repo(files))
    assert sorted((r.build.dockerfile, r.build.context) for r in reports) == [
        ("src/services/gateway/Dockerfile", "."), ("src/services/metrics/Dockerfile", "src/services/metrics"),
        ("src/services/web/Dockerfile", "src/services/web")]
    assert [r.build.line for r in reports] == [17, 17, 17]
    assert errors(found) == []


def test_build_push_action_step(make_repo):
    workflow = """
jobs:
  b:
    steps:
      - uses: docker/build-push-action@v6
        with:
          context: src/services/gateway
          file: src/services/gateway/Dockerfile
          tags: ghcr.io/o/gateway:0.1.0
"""
    found = findings_of(make_repo, {**GATEWAY, ".github/workflows/b.yml": workflow})
    [f] = [f for f in found if f.rule == "B1.wrong-context"]
    assert ".github/workflows/b.yml:7" in f.message


def test_compose_in_subfolder_with_relative_context(make_repo):
    compose = "services:\n  gateway:\n    build:\n      context: ../..\n      dockerfile: src/services/gateway/Dockerfile\n" \
              "    image: gateway:0.1.0\n  metrics:\n    build: ../../src/services/metrics\n    image: metrics:1.4.0\n"
    reports, found = analyse(make_repo({**GATEWAY, **METRICS, "deploy/local/docker-compose.yml": compose}))
    assert sorted((r.build.context, r.build.line) for r in reports) == [(".", 4), ("src/services/metrics", 8)]
    assert errors(found) == []


def test_powershell_loop_over_literal_array(make_repo):
    ps = ('$Services = @("gateway", "metrics")\n'
          'foreach ($svc in $Services) {\n'
          '    $version = Get-Content "src/services/$svc/VERSION"\n'
          '    docker build -t "$($svc):$version" `\n'
          '        -f "src/services/$svc/Dockerfile" `\n'
          '        "src/services/$svc"\n'
          '}\n')
    reports, found = analyse(make_repo({**GATEWAY, **METRICS, "scripts/build-all.ps1": ps}))
    assert sorted(r.build.context for r in reports) == ["src/services/gateway", "src/services/metrics"]
    assert [(f.rule, f.path) for f in found if f.rule == "B1.wrong-context"] == [
        ("B1.wrong-context", "src/services/gateway/Dockerfile")]


def test_unresolved_build_is_a_note_not_a_guess(make_repo):
    reports, found = analyse(make_repo({**METRICS, **script("docker build -f $DOCKERFILE $CTX")}))
    assert [r.verdict for r in reports] == ["unresolved"]
    assert ("B1.unresolved", "note") in [(f.rule, f.severity) for f in found]


def test_unbuilt_dockerfile_is_a_note(make_repo):
    found = findings_of(make_repo, METRICS)
    assert [(f.rule, f.severity) for f in found] == [("B1.unbuilt", "note")]


@pytest.mark.parametrize("version,rule", [(None, "B3.missing-version"), ("v1.0\n", "B3.invalid-version"),
                                          ("1.0\n", "B3.invalid-version"), ("1.0.0\n2.0.0\n", "B3.invalid-version"),
                                          ("1.0.0-rc.1\r\n", None)])
def test_version_files(make_repo, version, rule):
    files = {k: v for k, v in METRICS.items() if not k.endswith("VERSION")}
    if version is not None:
        files["src/services/metrics/VERSION"] = version
    found = [f for f in findings_of(make_repo, files) if f.rule.startswith("B3")]
    assert ids(found) == ([rule] if rule else [])


K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics
  labels:
    app.kubernetes.io/version: "{label}"
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/version: "{label}"
    spec:
      containers:
        - name: metrics
          image: {image}
        - name: cache
          image: redis
"""


def test_latest_in_k8s_manifest(make_repo):
    found = findings_of(make_repo, {**METRICS, "infra/k8s/m.yaml": K8S.format(label="1.4.0",
                                                                              image="ghcr.io/o/metrics:latest")})
    assert [(f.rule, f.line) for f in found if f.rule.startswith("B3")] == [("B3.latest-tag", 15),
                                                                           ("B3.third-party-latest", 17)]


def test_untagged_own_image_in_k8s(make_repo):
    found = findings_of(make_repo, {**METRICS, "infra/k8s/m.yaml": K8S.format(label="1.4.0", image="metrics")})
    assert "B3.untagged" in ids(found)


def test_tag_and_label_disagree_with_version(make_repo):
    found = findings_of(make_repo, {**METRICS, "infra/k8s/m.yaml": K8S.format(label="1.3.0",
                                                                              image="metrics:1.3.0")})
    assert [(f.rule, f.line) for f in found if f.rule == "B3.version-mismatch"] == [
        ("B3.version-mismatch", 6), ("B3.version-mismatch", 11), ("B3.version-mismatch", 15)]


def test_matching_k8s_is_clean(make_repo):
    found = findings_of(make_repo, {**METRICS, "infra/k8s/m.yaml": K8S.format(label="1.4.0", image="metrics:1.4.0")})
    assert [f.rule for f in found if f.rule.startswith("B3") and f.rule != "B3.third-party-latest"] == []


def test_latest_in_compose(make_repo):
    compose = ("services:\n  metrics:\n    build: src/services/metrics\n    image: metrics:latest\n"
               "  gw:\n    image: ghcr.io/o/gateway:${VERSION:-latest}\n  db:\n    image: postgres:16\n")
    found = findings_of(make_repo, {**METRICS, **GATEWAY, "docker-compose.yml": compose})
    # gw is pulled to run as :latest when VERSION is unset (errors); metrics:latest only names compose's own
    # local build of this commit (a warning)
    assert sorted((f.rule, f.line, f.severity) for f in found if f.rule.startswith("B3")) == [
        ("B3.latest-fallback", 6, "error"), ("B3.latest-tag", 4, "warning"), ("B3.latest-tag", 6, "error")]


def test_script_latest_fallback(make_repo):
    ps = ('$vf = "src/services/metrics/VERSION"\n'
          'if (-not (Test-Path $vf)) {\n'
          '    $tag = "latest"\n'
          '} else { $tag = (Get-Content $vf).Trim() }\n'
          'docker build -t "metrics:$tag" src/services/metrics\n')
    found = findings_of(make_repo, {**METRICS, "scripts/start-all.ps1": ps})
    assert [(f.rule, f.line) for f in found if f.rule.startswith("B3")] == [("B3.latest-fallback", 3)]
    sh = 'docker build -t "metrics:${VERSION:-latest}" src/services/metrics'
    assert "B3.latest-fallback" in ids(findings_of(make_repo, {**METRICS, **script(sh)}))


def test_script_tags_latest(make_repo):
    found = findings_of(make_repo, {**METRICS, **script("docker build -t metrics src/services/metrics",
                                                        "docker tag metrics ghcr.io/o/metrics:latest")})
    # built, tagged and never pushed or deployed in one script: one note (issue 10 item 6)
    assert [(f.rule, f.severity) for f in found if f.rule.startswith("B3")] == [("B3.untagged", "note")]


def test_third_party_latest_is_off_by_default():
    assert not is_enabled("B3.third-party-latest", None, ())
    assert is_enabled("B3.third-party-latest", ["B3.third-party-latest"], ())
    assert is_enabled("B3.latest-tag", None, ())


def test_adapter_skips_unrelated_targets(make_repo):
    ws = make_repo({**METRICS, "README.md": "x"})
    assert run(ws, ["README.md"]) == []
    assert [f.rule for f in run(ws, ["src/services/metrics/Dockerfile"])] == ["B1.unbuilt"]


def test_builds_command_lists_every_build(make_repo, capsys):
    import argparse

    from observatory_invariants.commands import builds

    ws = make_repo({**GATEWAY, **METRICS, **script("docker build -t gateway:0.1.0 src/services/gateway",
                                                   "docker build -t metrics:1.4.0 src/services/metrics",
                                                   "docker build -f $X .")}, on_disk=True)
    parser = argparse.ArgumentParser()
    builds.configure(parser)
    assert builds.main(parser.parse_args([str(ws.root)])) == 1   # a build with a problem: exit 1
    out = capsys.readouterr().out
    assert "src/services/gateway/Dockerfile" in out and "scripts/build.sh:2" in out
    assert "B1.wrong-context" in out and "service-local" in out and "unresolved" in out
