"""Issue 10: one regression test per numbered item (false alarms 1-9, missed hazards 10-12).

Each test was written before its fix and failed on the code of the time; the classes, not the instances,
are fixed (see docs/rules/B1.md-B3.md).
"""

import pytest

from observatory_invariants.config import build_config
from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse

API = {
    "src/Api/Api.csproj": "<Project/>",
    "src/Api/Program.cs": "class P {}",
    "src/Api/Dockerfile": ('FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\n'
                           'COPY "src/Api/Api.csproj" "src/Api/"\nCOPY ["src/Api/Program.cs", "src/Api/"]\n'
                           "COPY 'src/Api/Program.cs' /x/\n"),
}


def found(make_repo, files, config=None, **kw):
    return analyse(make_repo(files, config=build_config(config) if config else None, **kw))[1]


def triples(findings, severity="error", prefix=""):
    return sorted((f.rule, f.path, f.line) for f in findings
                  if (severity is None or f.severity == severity) and f.rule.startswith(prefix))


# -- 1. quoted COPY/ADD sources in shell form -------------------------------------------------------------

def test_1_quoted_copy_sources_are_unquoted_like_docker(make_repo):
    files = {**API, "docker-compose.yml": "services:\n  api:\n    build:\n      context: .\n"
                                          "      dockerfile: src/Api/Dockerfile\n"}
    assert triples(found(make_repo, files), prefix="B") == []


def test_1_a_quoted_missing_source_is_still_missing(make_repo):
    files = {**API, "src/Api/Dockerfile": 'FROM scratch\nCOPY "src/Api/Nope.csproj" "src/Api/"\n',
             "docker-compose.yml": "services:\n  api:\n    build:\n      context: .\n"
                                   "      dockerfile: src/Api/Dockerfile\n"}
    [f] = [f for f in found(make_repo, files) if f.rule == "B2.missing-source"]
    assert "(= src/Api/Nope.csproj)" in f.message


# -- 2. one Dockerfile line, N declarations -----------------------------------------------------------------

def test_2_one_finding_per_line_and_context_naming_the_declarations(make_repo):
    services = "".join(f"  svc{i}:\n    image: o/svc{i}:1.0.0\n    build:\n      context: .\n"
                       f"      dockerfile: src/Api/Dockerfile\n" for i in range(21))
    files = {**API, "src/Api/Dockerfile": "FROM scratch\nCOPY src/Api/Missing.cs /\n",
             "docker-compose.yml": "services:\n" + services}
    missing = [f for f in found(make_repo, files) if f.rule == "B2.missing-source"]
    assert len(missing) == 1
    assert "21 declarations" in missing[0].message


# -- 3. compose override files are merged with their base ---------------------------------------------------

BASE = ("services:\n  api:\n    image: o/api:1.0.0\n    build:\n      context: .\n"
        "      dockerfile: src/Api/Dockerfile\n")
ARGS_ONLY = ("services:\n  db:\n    image: mcr.microsoft.com/mssql/server:2019-latest\n"
             "  api:\n    build:\n      args:\n        CONFIG: Release\n")


@pytest.mark.parametrize("name", ["docker-compose.override.yml", "docker-compose.windows.yml"])
def test_3_override_files_that_only_add_args_are_merged(make_repo, name):
    files = {**API, "docker-compose.yml": BASE, name: ARGS_ONLY}
    assert triples(found(make_repo, files), prefix="B") == []


def test_3_files_combined_with_dash_f_in_a_script_are_merged(make_repo):
    files = {**API, "deploy/docker-compose.base.yml": BASE.replace("context: .", "context: ../"),
             "deploy/docker-compose.extra.yml": ARGS_ONLY,
             "run.sh": "#!/bin/sh\ndocker compose -f deploy/docker-compose.base.yml -f deploy/docker-compose.extra.yml "
                       "up --build\n"}
    assert triples(found(make_repo, files), prefix="B") == []


def test_3_a_real_error_of_the_merged_configuration_is_still_found(make_repo):
    files = {**API, "docker-compose.yml": BASE,
             "docker-compose.override.yml": "services:\n  api:\n    build:\n      dockerfile: src/Api/Nope\n"}
    assert ("B2.missing-dockerfile", "docker-compose.override.yml", 4) in triples(found(make_repo, files))


# -- 4. a missing context folder ------------------------------------------------------------------------------

def test_4_a_missing_context_is_missing_context_not_missing_dockerfile(make_repo):
    files = {**API, "docker-compose.yml": "services:\n  es:\n    build:\n      context: elk/elasticsearch/\n"}
    assert triples(found(make_repo, files), prefix="B2") == [("B2.missing-context", "docker-compose.yml", 4)]


# -- 5. B3.latest-fallback is about image tags and VERSION files ---------------------------------------------

@pytest.mark.parametrize("script", [
    'if [ "$version" = "latest" ]; then apt-get install -y foo; else apt-get install -y "foo=$version"; fi\n',
    'ODD_VERSION="${ODD_DASHBOARD_VERSION:-latest}"\ncurl -fsSL "https://example.com/releases/$ODD_VERSION/x" -o x\n',
    'VERSION=${VERSION:-latest}\nurl=$(curl -s https://api.github.com/repos/o/r/releases/$VERSION)\n',
])
def test_5_latest_that_is_not_an_image_tag_is_not_a_fallback(make_repo, script):
    files = {**API, "install.sh": "#!/bin/sh\n" + script}
    assert triples(found(make_repo, files), severity=None, prefix="B3.latest-fallback") == []


def test_5_a_fallback_that_flows_into_an_image_tag_is_found(make_repo):
    files = {**API, "build.sh": '#!/bin/sh\nTAG="${TAG:-latest}"\ndocker build -t o/api:$TAG -f src/Api/Dockerfile .\n'
                                "docker push o/api:$TAG\n"}
    assert ("B3.latest-fallback", "build.sh", 2) in triples(found(make_repo, files))


def test_5_a_version_file_read_falling_back_to_latest_is_found(make_repo):
    files = {**API, "build.sh": "#!/bin/sh\nV=$(cat src/Api/VERSION 2>/dev/null || echo latest)\necho $V\n"}
    assert ("B3.latest-fallback", "build.sh", 2) in triples(found(make_repo, files))


# -- 6. ephemeral CI images -------------------------------------------------------------------------------------

EPHEMERAL = """
on: push
jobs:
  ui-tests:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t web-ui-test -f src/Api/Dockerfile .
      - run: docker run --rm web-ui-test npm test
      - run: docker run --rm web-ui-test npm run lint
      - run: docker run --rm web-ui-test npm run e2e
      - run: docker run --rm web-ui-test npm run a11y
"""


def test_6_an_image_built_and_used_in_one_job_is_at_most_one_note(make_repo):
    findings = [f for f in found(make_repo, {**API, ".github/workflows/ci.yml": EPHEMERAL}) if f.rule.startswith("B3")]
    assert [f.severity for f in findings if f.severity != "note"] == []
    assert len(findings) <= 1


# -- 7. an extra :latest beside a version tag --------------------------------------------------------------------

def _push(tags):
    return ("on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    env:\n      VERSION: 1.2.3\n    steps:\n"
            "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n"
            f"          file: src/Api/Dockerfile\n          push: true\n          tags: {tags}\n")


def test_7_an_extra_latest_beside_a_version_tag_is_allowed(make_repo):
    files = {**API, ".github/workflows/ci.yml": _push("org/app:${{ env.VERSION }},org/app:latest")}
    assert triples(found(make_repo, files), prefix="B3") == []


def test_7_latest_as_the_only_pushed_tag_stays_an_error(make_repo):
    files = {**API, ".github/workflows/ci.yml": _push("org/app:latest")}
    assert ("B3.latest-tag", ".github/workflows/ci.yml", 13) in triples(found(make_repo, files))


def test_7_the_extra_latest_can_be_refused_by_config(make_repo):
    files = {**API, ".github/workflows/ci.yml": _push("org/app:${{ env.VERSION }},org/app:latest")}
    config = {"docker": {"allow-extra-latest": False}}
    assert ("B3.latest-tag", ".github/workflows/ci.yml", 13) in triples(found(make_repo, files, config))


def test_7_latest_in_what_is_run_stays_an_error(make_repo):
    files = {**API, ".github/workflows/ci.yml": _push("org/app:${{ env.VERSION }},org/app:latest"),
             "docker-compose.yml": "services:\n  app:\n    image: org/app:latest\n"}
    assert ("B3.latest-tag", "docker-compose.yml", 3) in triples(found(make_repo, files))


# -- 8. B1.mixed-sources with a known context ---------------------------------------------------------------------

def test_8_mixed_sources_reported_at_the_failing_lines_only(make_repo):
    files = {"src/services/rm/Dockerfile": "FROM golang\nCOPY go.mod ./\nCOPY contracts ./contracts\nCOPY main.go ./\n",
             "src/services/rm/go.mod": "module m\n", "src/services/rm/main.go": "package main\n",
             "src/services/rm/VERSION": "1.0.0\n", "contracts/x.json": "{}",
             "build.sh": "docker build -t rm:1.0.0 src/services/rm\n"}
    errors = triples(found(make_repo, files))
    assert errors == [("B1.mixed-sources", "src/services/rm/Dockerfile", 3)]


# -- 9. C4 example pairs are not contracts ---------------------------------------------------------------------------

OLD = '{"$version": "1.0.0", "properties": {"s": {"enum": ["a", "b"]}}}'
NEW = '{"$version": "1.1.0", "properties": {"s": {"enum": ["a"]}}}'


def test_9_example_pairs_give_no_c4_finding_by_default(make_repo):
    from observatory_invariants.rules.contracts.c4_compat import run

    files = {"tests/fixtures/schema-compat/narrow-enum-old.json": OLD,
             "tests/fixtures/schema-compat/narrow-enum-new.json": NEW}
    assert run(make_repo(files), None) == []


def test_9_example_pairs_are_opt_in_with_an_expected_verdict(make_repo):
    from observatory_invariants.rules.contracts.c4_compat import run

    files = {"tests/fixtures/schema-compat/narrow-enum-old.json": OLD,
             "tests/fixtures/schema-compat/narrow-enum-new.json": NEW,
             "tests/fixtures/schema-compat/widen-old.json": OLD.replace('"a", "b"', '"a"'),
             "tests/fixtures/schema-compat/widen-new.json": NEW.replace('["a"]', '["a", "b"]')}
    on = build_config({"contracts": {"compat-example-pairs": True}})
    assert [f.rule for f in run(make_repo(files, config=on), None)] == ["C4.bump-too-small"]
    expected = build_config({"contracts": {"compat-example-pairs": True,
                                           "compat-example-verdicts": {"narrow-enum": "major", "widen": "major"}}})
    [f] = run(make_repo(files, config=expected), None)
    assert f.rule == "C4.example-verdict" and f.path.endswith("widen-new.json")


# -- 10. script working directories, resolved exactly -----------------------------------------------------------------

SVC = {"services/web/Dockerfile": "FROM scratch\nCOPY app.txt /\n", "services/web/app.txt": "x",
       "services/web/Dockerfile.dockerignore": "app.txt\n"}


@pytest.mark.parametrize("path,text", [
    ("services/web/build.sh", 'cd "$(dirname "$0")"\ndocker build -t web:1.0.0 .\n'),
    ("services/web/scripts/build.sh", 'cd "$(dirname "$0")/.."\ndocker build -t web:1.0.0 .\n'),
    ("services/web/scripts/build.sh", 'cd "${BASH_SOURCE%/*}/.."\ndocker build -t web:1.0.0 .\n'),
    ("services/web/build.sh", 'cd -- "$(dirname -- "${BASH_SOURCE[0]}")"\ndocker build -t web:1.0.0 .\n'),
    ("tools/build.sh", "pushd services/web\ndocker build -t web:1.0.0 .\npopd\n"),
    ("tools/build.sh", "(cd services/web && docker build -t web:1.0.0 .)\n"),
    ("services/web/build.ps1", "Set-Location $PSScriptRoot\ndocker build -t web:1.0.0 .\n"),
    ("services/web/scripts/build.ps1", "Push-Location (Split-Path -Parent $PSScriptRoot)\ndocker build -t web:1.0.0 .\n"
                                       "Pop-Location\n"),
    ("services/web/scripts/build.ps1", "Set-Location (Join-Path $PSScriptRoot ..)\ndocker build -t web:1.0.0 .\n"),
])
def test_10_script_working_directories_are_resolved_and_the_dockerfile_ignore_file_used(make_repo, path, text):
    reports, findings = analyse(make_repo({**SVC, path: text}))
    assert [(r.build.context, r.build.dockerfile) for r in reports] == [("services/web", "services/web/Dockerfile")]
    # exact (an error) when the folder comes from the script's own location; a relative cd from an assumed
    # start folder is a warning that says so
    anchored = "tools/" not in path
    assert all(isinstance(f.to_dict()["severity"], str) for f in findings)     # reportable as JSON
    assert ("B2.dockerignored", "services/web/Dockerfile", 2) in triples(findings, "error" if anchored else "warning")


def test_10_subshell_and_popd_restore_the_directory(make_repo):
    text = "(cd services/web && docker build -t web:1.0.0 .)\npushd services\npopd\ndocker build -t x:1.0.0 -f services/web/Dockerfile services/web\n"
    reports, _ = analyse(make_repo({**SVC, "tools/b.sh": text}))
    assert [r.build.context for r in reports] == ["services/web", "services/web"]


def test_10_a_script_run_by_a_workflow_step_starts_in_its_working_directory(make_repo):
    workflow = ("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: ./build.sh\n        working-directory: services/web\n")
    files = {**SVC, ".github/workflows/ci.yml": workflow, "services/web/build.sh": "docker build -t web:1.0.0 .\n"}
    reports, findings = analyse(make_repo(files))
    assert [r.build.context for r in reports] == ["services/web"]
    assert ("B2.dockerignored", "services/web/Dockerfile", 2) in triples(findings)


def test_10_dash_f_is_relative_to_the_working_directory(make_repo):
    text = 'cd "$(dirname "$0")/.."\ndocker build -f web/Dockerfile -t web:1.0.0 web\n'
    reports, _ = analyse(make_repo({**SVC, "services/scripts/build.sh": text}))
    assert [(r.build.context, r.build.dockerfile) for r in reports] == [("services/web", "services/web/Dockerfile")]


# -- 11. interpolated image names with a literal :latest ----------------------------------------------------------------

@pytest.mark.parametrize("path,text", [
    ("b.ps1", '$images = Get-ChildItem services -Directory\nforeach ($img in $images) {\n'
              '  docker build -t "$($img.Name):latest" $img.FullName\n  kind load docker-image "$($img.Name):latest"\n}\n'),
    ("b.sh", 'for img in $(ls services); do\n  docker build -t "${img}:latest" "services/$img"\n'
             '  kind load docker-image "${img}:latest"\ndone\n'),
])
def test_11_an_interpolated_name_with_a_literal_latest_tag(make_repo, path, text):
    assert any(r == "B3.latest-tag" and p == path for r, p, _ in triples(found(make_repo, {**SVC, path: text})))


# -- 12. skaffold, bake, Makefiles; k8s manifests anywhere ----------------------------------------------------------------

def test_12_skaffold_artifacts_are_builds(make_repo):
    skaffold = ("apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: web\n"
                "    context: services/web\n  - image: api\n    context: src/Api\n    docker:\n"
                "      dockerfile: Dockerfile.nope\n")
    reports, findings = analyse(make_repo({**SVC, **API, "skaffold.yaml": skaffold}))
    assert sorted(r.build.dockerfile for r in reports) == ["services/web/Dockerfile", "src/Api/Dockerfile.nope"]
    assert ("B2.missing-dockerfile", "skaffold.yaml", 10) in triples(findings)


def test_12_bake_targets_are_builds(make_repo):
    hcl = ('variable "TAG" {\n  default = "1.0.0"\n}\ngroup "default" {\n  targets = ["web"]\n}\n'
           'target "web" {\n  context = "services/web"\n  dockerfile = "Dockerfile"\n  tags = ["o/web:${TAG}"]\n}\n'
           'target "api" {\n  context = "."\n  dockerfile = "src/Api/Dockerfile"\n}\n')
    reports, _ = analyse(make_repo({**SVC, **API, "docker-bake.hcl": hcl}))
    assert sorted((r.build.context, r.build.dockerfile) for r in reports) == [
        (".", "src/Api/Dockerfile"), ("services/web", "services/web/Dockerfile")]
    json_bake = '{"target": {"web": {"context": "services/web", "tags": ["o/web:latest"]}}}'
    reports, findings = analyse(make_repo({**SVC, "docker-bake.json": json_bake}))
    assert [r.build.context for r in reports] == ["services/web"]


def test_12_makefile_recipes_are_builds(make_repo):
    makefile = ("IMAGE ?= o/web\nVERSION := 1.0.0\n\nbuild:\n\tdocker build -t $(IMAGE):$(VERSION) -f "
                "$(CURDIR)/services/web/Dockerfile $(CURDIR)/services/web\n\ncompose:\n"
                "\tcd services && docker build -t o/web:$(VERSION) web\n")
    reports, findings = analyse(make_repo({**SVC, "Makefile": makefile}))
    assert [(r.build.context, r.build.declared_in, r.build.line) for r in reports] == [
        ("services/web", "Makefile", 5), ("services/web", "Makefile", 8)]
    assert ("B2.dockerignored", "services/web/Dockerfile", 2) in triples(findings)


def test_12_k8s_manifests_outside_infra_are_read(make_repo):
    manifest = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: web\n        image: o/web:latest\n")
    files = {**SVC, "deploy/kubernetes/web.yaml": manifest,
             "services/web/build.sh": 'cd "$(dirname "$0")"\ndocker build -t o/web:1.0.0 .\n'}
    assert ("B3.latest-tag", "deploy/kubernetes/web.yaml", 10) in triples(found(make_repo, files))


def test_12_helm_templates_are_not_manifests(make_repo):
    template = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                '      - image: "{{ .Values.image }}:latest"\n')
    files = {**SVC, "charts/web/templates/deployment.yaml": template}
    assert triples(found(make_repo, files), severity=None, prefix="B3") == []


def test_vendored_third_party_declarations_are_not_this_repositorys_builds(make_repo):
    hcl = 'target "lint" {\n  dockerfile = "hack/dockerfiles/lint.Dockerfile"\n}\n'
    files = {**SVC, "vendor/github.com/x/y/docker-bake.hcl": hcl,
             "vendor/github.com/x/y/test.sh": "docker build -f Dockerfile.golang .\n",
             "node_modules/z/Dockerfile": "FROM scratch\nCOPY nope /\n"}
    reports, findings = analyse(make_repo(files))
    assert reports == [] and [f for f in findings if f.path.startswith(("vendor/", "node_modules/"))] == []


def test_10_the_seeds_hardened_root_resolution_and_hashtable_loop_resolve(make_repo):
    # scripts/start-all.ps1 of the seed: $script:ProjectRoot from `if ($PSScriptRoot) { … -replace … }`, builds in a
    # function looping over a hashtable array
    ps1 = ("if ($PSScriptRoot) {\n    $scriptRoot = $PSScriptRoot -replace '^\\\\\\\\\\?\\\\', ''\n"
           "    $script:ProjectRoot = Split-Path -Parent $scriptRoot\n} else {\n"
           "    $script:ProjectRoot = (Get-Location).Path\n}\nfunction Build-Images {\n    $images = @(\n"
           '        @{ Name = "web"; Dockerfile = "services/web/Dockerfile"; Context = "services/web" }\n    )\n'
           "    foreach ($img in $images) {\n        $df = Join-Path $ProjectRoot $img.Dockerfile\n"
           "        $ctx = Join-Path $ProjectRoot $img.Context\n        docker build -t web:1.0.0 -f $df $ctx\n    }\n}\n")
    reports, findings = analyse(make_repo({**SVC, "scripts/start-all.ps1": ps1}))
    assert [(r.build.context, r.build.dockerfile) for r in reports] == [("services/web", "services/web/Dockerfile")]
    assert ("B2.dockerignored", "services/web/Dockerfile", 2) in triples(findings)
