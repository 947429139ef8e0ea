"""I3, I4, I5 on harness scripts (PowerShell and sh) and the integration compose file."""

from observatory_invariants.config import build_config
from observatory_invariants.memory import workspace
from observatory_invariants.rules.integration import i3_harness_self_contained as i3, i4_runtime_budget as i4, \
    i5_artifact_capture as i5

H = "scripts/integration-harness.ps1"

GOOD = """\
param(
    [int]$RuntimeBudgetSec = 180,
    [string]$Note = "a { brace } and a } in a string"
)
$banner = @"
kubectl is not used here { really }
"@
try {
    docker compose -f docker-compose.integration.yml up -d
    Write-Host 'kubectl apply would be wrong'   # kubectl in a comment
    if ($failed) { throw "failed }" }
} finally {
    Save-Logs
    docker compose -f docker-compose.integration.yml down
}
function Save-Logs {
    $logs = docker compose -f docker-compose.integration.yml logs --tail=200 2>&1
    $logs | Out-File artifacts/compose-logs.txt
}
"""


def ids(found):
    return sorted((f.rule, f.line) for f in found)


def test_a_good_harness_is_clean_braces_in_strings_and_here_strings_included():
    ws = workspace({H: GOOD})
    assert i3.run(ws, None) == [] and i4.run(ws, None) == [] and i5.run(ws, None) == []


def test_k8s_tooling_in_code_not_in_data():
    text = GOOD.replace("    if ($failed)", "    kubectl wait --for=condition=ready pod -l app=x\n"
                                            "    & helm upgrade x ./chart\n    if ($failed)")
    found = i3.run(workspace({H: text}), None)
    assert ids(found) == [("I3.k8s-tooling", 11), ("I3.k8s-tooling", 12)]
    assert "runs kubectl" in found[0].message
    sh = "#!/bin/sh\nset -e\n# kind create cluster\necho 'kind'\nsh -c 'minikube start'\n"
    assert ids(i3.run(workspace({"scripts/it.sh": sh}, config=build_config(
        {"paths": {"integration-harness": "scripts/it.sh"}})), None)) == [("I3.k8s-tooling", 5)]


def test_compose_services_must_build_or_pull_extends_and_x_fields_followed():
    compose = ("x-common: &common\n  restart: on-failure\nservices:\n  db:\n    <<: *common\n    image: postgres:15\n"
               "  api:\n    extends: {service: base, file: compose.base.yml}\n  worker:\n    <<: *common\n"
               "    environment: {A: 1}\n  sidecar:\n    extends: db\nnetworks:\n  shared:\n    external: true\n")
    ws = workspace({"docker-compose.integration.yml": compose, "compose.base.yml": "services:\n  base: {build: .}\n"})
    assert ids(i3.run(ws, None)) == [("I3.external", 15), ("I3.not-runnable", 9)]
    bad = workspace({"docker-compose.integration.yml": "services: [\n"})
    assert [f.rule for f in i3.run(bad, None)] == ["I3.bad-compose"]


def test_budget_over_the_maximum_and_missing():
    assert ids(i4.run(workspace({H: GOOD.replace("= 180", "= 300")}), None)) == [("I4.budget", 2)]
    found = i4.run(workspace({H: GOOD.replace("[int]$RuntimeBudgetSec = 180,", "")}), None)
    assert [(f.rule, f.severity.value) for f in found] == [("I4.no-budget", "warning")]
    ws = workspace({H: GOOD.replace("RuntimeBudgetSec", "BudgetSeconds").replace("= 180", "= 200")},
                   config=build_config({"integration": {"budget-variables": ["BudgetSeconds"],
                                                        "max-budget-seconds": 240}}))
    assert i4.run(ws, None) == []
    sh = "#!/bin/sh\nRUNTIME_BUDGET_SEC=\"${RUNTIME_BUDGET_SEC:-200}\"\n"
    ws = workspace({"it.sh": sh}, config=build_config({"paths": {"integration-harness": "it.sh"},
                                                       "integration": {"budget-variables": ["RUNTIME_BUDGET_SEC"]}}))
    assert ids(i4.run(ws, None)) == [("I4.budget", 2)]


def workflow(step_timeout="", job_timeout=""):
    return ("on: [pull_request]\njobs:\n  it:\n    runs-on: ubuntu-latest\n" + job_timeout +
            "    steps:\n      - uses: actions/checkout@v4\n      - name: harness\n        shell: pwsh\n"
            "        run: ./scripts/integration-harness.ps1\n" + step_timeout)


def test_ci_timeout_covers_budget_plus_buffer():
    def run(wf):
        return i4.run(workspace({H: GOOD, ".github/workflows/ci.yml": wf}), None)
    assert run(workflow("        timeout-minutes: 5\n")) == []
    assert ids(run(workflow("        timeout-minutes: 3\n"))) == [("I4.ci-timeout", 10)]
    assert ids(run(workflow(job_timeout="    timeout-minutes: 2\n"))) == [("I4.ci-timeout", 5)]
    assert run(workflow("        timeout-minutes: 4\n", "    timeout-minutes: 1\n")) == []   # the step's wins
    no = run(workflow())
    assert [(f.rule, f.severity.value, f.line) for f in no] == [("I4.no-ci-timeout", "warning", 9)]
    assert run(workflow("        timeout-minutes: ${{ inputs.t }}\n")) == []


def test_capture_must_be_in_finally():
    outside = GOOD.replace("    Save-Logs\n", "").replace("try {\n", "try {\n    Save-Logs\n")
    found = i5.run(workspace({H: outside}), None)
    assert ids(found) == [("I5.outside-finally", 17)]
    none = "try { docker compose up -d } finally { docker compose down }\n"
    assert ids(i5.run(workspace({H: none}), None)) == [("I5.no-capture", 1)]
    direct = "try { docker compose up -d } finally {\n  docker compose -f x.yml logs > a.txt\n}\n"
    assert i5.run(workspace({H: direct}), None) == []
    # a function merely defined inside finally does not run there
    defined = "try { Get-Logs } finally {\n  function Get-Logs { docker logs api }\n}\n"
    assert [f.rule for f in i5.run(workspace({H: defined}), None)] == ["I5.outside-finally"]
    custom = workspace({H: "try { x } finally { Save-Artifact }\n"},
                       config=build_config({"integration": {"capture-commands": ["Save-Artifact"]}}))
    assert i5.run(custom, None) == []


def test_sh_harness_captures_from_an_exit_trap():
    cfg = build_config({"paths": {"integration-harness": "it.sh"}})
    good = "#!/bin/sh\ntrap 'docker compose logs > logs.txt; docker compose down' EXIT\ndocker compose up -d\n"
    assert i5.run(workspace({"it.sh": good}, config=cfg), None) == []
    bad = "#!/bin/sh\ndocker compose up -d\nrun_tests\ndocker compose logs > logs.txt\n"
    assert ids(i5.run(workspace({"it.sh": bad}, config=cfg), None)) == [("I5.outside-finally", 4)]


def test_no_harness_no_findings():
    ws = workspace({"README.md": "x", ".github/workflows/ci.yml": workflow()})
    assert i3.run(ws, None) == [] and i4.run(ws, None) == [] and i5.run(ws, None) == []
