"""Benchmark: build discovery plus B1–B3 over a synthetic repository of N services (default 200).

Usage: python benchmarks/bench_docker.py [N]
Prints the wall time of a whole-repository B1–B3 run on a fresh workspace
(file listing through git included) and the number of builds checked.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from observatory_invariants.rules.docker.b1_b2_build_contexts import analyse  # noqa: E402
from observatory_invariants.repo import Repository  # noqa: E402
from observatory_invariants.workspace import Workspace  # noqa: E402


def make_repo(root: Path, n: int) -> None:
    files: dict[str, str] = {}
    include, compose, k8s = [], ["services:"], []
    for i in range(n):
        name = f"svc{i:03d}"
        folder = f"src/services/{name}"
        files[f"{folder}/VERSION"] = "1.0.0\n"
        for j in range(8):
            files[f"{folder}/src/mod{j}.py"] = "x = 1\n"
        files[f"{folder}/requirements.txt"] = ""
        files[f"{folder}/.dockerignore"] = "**/__pycache__\n*.md\n!README.md\n"
        if i % 2:
            files[f"{folder}/Dockerfile"] = (f"# BUILD CONTEXT: repo root\nFROM python:3.11 AS base\n"
                                             f"COPY {folder}/requirements.txt ./\nCOPY contracts ./contracts\n"
                                             f"COPY {folder}/src ./src\nCOPY {folder}/VERSION ./VERSION\n")
            context = "."
        else:
            files[f"{folder}/Dockerfile"] = ("FROM python:3.11 AS build\nCOPY requirements*.txt ./\nCOPY src ./src\n"
                                             "FROM python:3.11-slim\nCOPY --from=build /app /app\nCOPY VERSION /\n")
            context = folder
        include.append(f"          - service: {name}\n            context: {context}")
        compose.append(f"  {name}:\n    build:\n      context: {context}\n"
                       f"      dockerfile: {folder}/Dockerfile\n    image: ghcr.io/o/{name}:1.0.0"
                       if context == "." else
                       f"  {name}:\n    build: {folder}\n    image: ghcr.io/o/{name}:1.0.0")
        k8s.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n"
                   f"    app.kubernetes.io/version: 1.0.0\nspec:\n  template:\n    spec:\n      containers:\n"
                   f"        - name: {name}\n          image: ghcr.io/o/{name}:1.0.0\n")
    for j in range(20):
        files[f"contracts/schemas/s{j}.json"] = "{}"
    files[".github/workflows/images.yml"] = (
        "on: push\njobs:\n  images:\n    strategy:\n      matrix:\n        include:\n" + "\n".join(include) +
        "\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n"
        "          context: ${{ matrix.context }}\n          file: src/services/${{ matrix.service }}/Dockerfile\n"
        "          tags: ghcr.io/o/${{ matrix.service }}:1.0.0\n")
    files["docker-compose.yml"] = "\n".join(compose) + "\n"
    files["infra/k8s/services.yaml"] = "---\n".join(k8s)
    names = ", ".join(f'"svc{i:03d}"' for i in range(n))
    files["scripts/build-all.ps1"] = (f"$Services = @({names})\nforeach ($s in $Services) {{\n"
                                      "  docker build -t \"ghcr.io/o/$($s):1.0.0\" -f \"src/services/$s/Dockerfile\" .\n}\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root, n)
        start = time.perf_counter()
        reports, findings = analyse(Workspace(Repository(root)))
        elapsed = time.perf_counter() - start
        errors = [f for f in findings if f.severity == "error"]
        print(f"B1-B3 over {n} services ({len(Repository(root).files)} files): {len(reports)} builds checked, "
              f"{len(errors)} errors, {elapsed:.2f} s")


if __name__ == "__main__":
    main()
