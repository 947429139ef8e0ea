"""I7: k8s workloads against the integration compose services — kinds, multi-document streams, aliases,
image matching, and the two times the seed's compose file fell behind its manifests (reconstructed)."""

from observatory_invariants.config import build_config
from observatory_invariants.memory import workspace
from observatory_invariants.rules.integration.i7_k8s_compose_parity import run

COMPOSE = "docker-compose.integration.yml"


def deployment(name, image, kind="Deployment"):
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n"
            f"      containers:\n        - name: main\n          image: {image}\n")


def service(name):
    return f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports: [{{port: 80}}]\n"


def errors(files, **options):
    config = build_config({"integration": options}) if options else None
    found = run(workspace(files, config=config), None)
    return sorted((f.rule, f.path, f.line) for f in found if f.severity.value == "error"), found


def missing(found):
    return sorted((f.severity.value, f.path, f.line) for f in found if f.rule == "I7.missing-in-compose")


def test_stream_with_empty_documents_trailing_separator_list_and_config_kinds():
    manifest = ("---\n" + deployment("api", "registry.test/team/api:1.2.0") + "---\n---\n" + service("api") +
                "---\nkind: ConfigMap\nmetadata: {name: api-config}\ndata: {a: b}\n---\n"
                "kind: List\nitems:\n  - kind: CronJob\n    metadata: {name: nightly}\n    spec:\n      jobTemplate:\n"
                "        spec:\n          template:\n            spec:\n              containers: [{image: 'tool:1'}]\n"
                "---\n")
    files = {"infra/k8s/api-config.yaml": manifest,   # a workload in a file named *-config*: found by kind
             COMPOSE: "x-env: &env {A: 1}\nservices:\n  api:\n    build: .\n    environment: *env\n"
                      "  extra:\n    image: busybox:1\n"}
    errs, found = errors(files)
    assert missing(found) == [("warning", "infra/k8s/api-config.yaml", 28)]   # nothing reaches it: an add-on
    assert "CronJob 'nightly' (image tool:1)" in found[0].message
    notes = [(f.rule, f.line) for f in found if f.severity.value == "note"]
    assert notes == [("I7.compose-only", 6)]


def test_aliases_either_way_and_ignored_workloads():
    files = {"infra/k8s/db.yaml": deployment("mongodb", "bitnami/mongodb:6.0", "StatefulSet") + "---\n" +
                                  deployment("pgadmin", "dpage/pgadmin4"),
             COMPOSE: "services:\n  mongo: {image: 'mongo:7'}\n"}
    _, found = errors(files, **{"aliases": {}})
    assert [p[1:] for p in missing(found)] == [("infra/k8s/db.yaml", 4), ("infra/k8s/db.yaml", 15)]
    _, found = errors(files, **{"ignore-workloads": ["pgadmin"]})
    assert missing(found) == []   # default alias mongodb <-> mongo; pgadmin left out on purpose


def test_error_when_the_system_reaches_the_workload_warning_for_unreached_add_ons():
    api = deployment("api", "api:1.0.0").replace(
        "          image: api:1.0.0\n", "          image: api:1.0.0\n          env: [{name: CACHE, value: 'cache-svc:6379'}]\n")
    cache = deployment("cache", "redis:7").replace("    spec:\n      containers", "    metadata:\n      labels: {app: cache}\n"
                                                   "    spec:\n      containers")
    svc = "kind: Service\nmetadata: {name: cache-svc}\nspec: {selector: {app: cache}}\n"
    ui = deployment("pgadmin", "dpage/pgadmin4")
    ingress = "kind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: pgadmin.local, http: {paths: [{backend: {service: {name: pgadmin}}}]}}]}\n"
    files = {"infra/k8s/app.yaml": "---\n".join([api, cache, svc, ui, ingress]),
             COMPOSE: "services:\n  api: {build: .}\n"}
    found = run(workspace(files), None)
    assert [(f.severity.value, f.message.split("'")[1]) for f in found if f.rule == "I7.missing-in-compose"] == \
        [("error", "cache"), ("warning", "pgadmin")]
    own = {**files, "src/services/pgadmin4/main.go": "package main\n"}   # now the repository builds that image
    assert [f.severity.value for f in run(workspace(own), None) if "pgadmin" in f.message] == ["error"]


def test_matched_by_the_image_the_service_builds_or_pulls():
    files = {"infra/k8s/web.yaml": deployment("web-pty-ws", "web-pty-server:0.1.0") + "---\n" +
                                   deployment("gw", "docker.io/acme/odto-gateway:0.1.0"),
             COMPOSE: "services:\n  web-pty-server:\n    build: {context: ., dockerfile: src/pty/Dockerfile}\n"
                      "  gateway:\n    image: acme/odto-gateway:latest\n"}
    assert errors(files)[0] == []


def test_applies_only_when_both_sides_exist():
    assert run(workspace({"infra/k8s/a.yaml": deployment("a", "a:1")}), None) == []
    assert run(workspace({COMPOSE: "services: {a: {image: 'a:1'}}\n"}), None) == []
    helm = {"infra/k8s/t.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n", COMPOSE: "services: {}\n"}
    assert run(workspace(helm), None) == []


# -- the seed's history, reconstructed in miniature (our own manifests, the seed's names and images) ---------

SEED_K8S_BEFORE_WEB = {
    "infra/k8s/gateway.yaml": deployment("gateway", "gateway:0.1.0") + "---\n" + service("gateway"),
    "infra/k8s/mongodb.yaml": deployment("mongodb", "mongo:6.0", "StatefulSet") + "---\n" + service("mongodb"),
    "infra/k8s/prometheus.yaml": "kind: ConfigMap\nmetadata: {name: prometheus-config}\n---\n" +
                                 deployment("prometheus", "prom/prometheus:v2.45.0"),
    "infra/k8s/grafana.yaml": deployment("grafana", "grafana/grafana:10.0.0"),
    "infra/k8s/grafana-datasource.yaml": "kind: ConfigMap\nmetadata: {name: grafana-datasource}\ndata:\n"
                                         "  datasource.yaml: |\n    datasources:\n      - url: http://prometheus:9090\n",
    "src/services/web-pty-server/src/main.rs": "fn main() {}\n",
}
SEED_COMPOSE_FIRST = ("services:\n  gateway:\n    image: oddessentials/odto-gateway:latest\n"
                      "  mongodb:\n    image: mongo:7\n")


def test_seed_regression_prometheus_and_grafana_ran_in_k8s_only():
    """40c1c54 added the integration compose file without Prometheus and Grafana, which the k8s manifests had run
    since the first commit; they reached compose only in 417d4bf, with the seed's own parity script."""
    _, found = errors({**SEED_K8S_BEFORE_WEB, COMPOSE: SEED_COMPOSE_FIRST})
    # Grafana's datasource reaches Prometheus: an error; Grafana itself is reached by nothing: a warning
    assert missing(found) == [("error", "infra/k8s/prometheus.yaml", 7), ("warning", "infra/k8s/grafana.yaml", 4)]
    fixed = SEED_COMPOSE_FIRST + "  prometheus:\n    image: prom/prometheus:latest\n  grafana:\n" \
                                 "    image: grafana/grafana:latest\n"
    assert missing(errors({**SEED_K8S_BEFORE_WEB, COMPOSE: fixed})[1]) == []


def test_seed_regression_web_terminal_workloads_reached_compose_a_commit_late():
    """8c1365d added the web-pty-ws and web-ui-http workloads to k8s; compose got web-pty-server and web-ui (built
    from the repository) only in efb4e25. The workload names differ from the service names: the images match."""
    k8s = {**SEED_K8S_BEFORE_WEB,
           "infra/k8s/web-pty-ws.yaml": deployment("web-pty-ws", "web-pty-server:0.1.0") + "---\n" +
                                        service("web-pty-ws") + "---\nkind: Secret\nmetadata: {name: pty}\n",
           "infra/k8s/web-ui-http.yaml": deployment("web-ui-http", "web-ui:0.1.0") + "---\n" + service("web-ui-http")}
    compose = SEED_COMPOSE_FIRST + "  prometheus: {image: 'prom/prometheus:latest'}\n" \
                                   "  grafana: {image: 'grafana/grafana:latest'}\n"
    errs, found = errors({**k8s, COMPOSE: compose})
    # the repository builds web-pty-server (src/services/web-pty-server): an error; web-ui-http, a warning
    assert [(sev, p) for sev, p, _ in missing(found)] == [("error", "infra/k8s/web-pty-ws.yaml"),
                                                         ("warning", "infra/k8s/web-ui-http.yaml")]
    fixed = compose + ("  web-pty-server:\n    build:\n      context: .\n      dockerfile: src/services/web-pty-server/"
                       "Dockerfile\n  web-ui:\n    build: {context: src/interfaces/web}\n")
    assert missing(errors({**k8s, COMPOSE: fixed})[1]) == []


def test_reach_is_exact_and_costs_what_mentions_a_workload():
    """reach() indexes the words a host can be; the exact host pattern still decides. 3,000 workloads, each named
    by the next one's env (quadratic before: every workload scanned every document)."""
    import time

    from observatory_invariants.parsers.yaml_loader import load_all
    from observatory_invariants.rules.integration.i7_k8s_compose_parity import reach, workloads

    def env_deployment(name, value):
        return deployment(name, f"r/{name}:1") + f"          env:\n            - name: UP\n              value: {value!r}\n"

    cases = {   # value of the referencing workload -> is "db.x" reached
        "http://db.x:5432/": True, "db.x.svc.cluster.local": True, "db.x.other.svc": True, "@db.x": True,
        "db.xy": False, "my-db.x": False, "db.x-backup": False, "DB.X:5432": True, "db.x}": False,
    }
    for value, expected in cases.items():
        text = "---\n".join([env_deployment("db.x", "none"), env_deployment("app", value)])
        manifests = [("k8s.yaml", load_all(text))]
        found = {w.name: w.reached for w in reach(manifests, workloads("k8s.yaml", manifests[0][1]))}
        assert found["db.x"] is expected, value
        assert found["app"] is False   # its own document does not count

    n = 3000
    text = "---\n".join(env_deployment(f"svc-{i}", f"http://svc-{i - 1}:80") for i in range(n))
    manifests = [("k8s.yaml", load_all(text))]
    found = workloads("k8s.yaml", manifests[0][1])
    started = time.process_time()
    reached = reach(manifests, found)
    assert time.process_time() - started < 5
    assert [w.reached for w in reached] == [True] * (n - 1) + [False]


def test_reach_folds_case_like_the_pattern_also_beyond_ascii():
    """IGNORECASE matches 'ſ' to 's' and 'İ' to 'i': a document with non-ASCII text is always looked at."""
    from observatory_invariants.parsers.yaml_loader import load_all
    from observatory_invariants.rules.integration.i7_k8s_compose_parity import reach, workloads

    for value in ("rediſ:6379", "redİs:6379"):
        text = deployment("redis", "redis:7") + "---\nkind: ConfigMap\nmetadata: {name: c}\ndata: {URL: '" + value + "'}\n"
        docs = load_all(text)
        found = {w.name: w.reached for w in reach([("k.yaml", docs)], workloads("k.yaml", docs))}
        assert found["redis"] is True, value
