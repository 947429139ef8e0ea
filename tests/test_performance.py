"""Performance guards that stay fast: lazy imports, import cost, and an honest benchmark generator.

The timings themselves live in benchmarks/bench_check.py; here only very
generous bounds, so these tests never flake on a slow machine.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from observatory_invariants import api

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTRACT_RULES = ["C1", "C2", "C3", "C5"]
HEAVY_MODULES = ("jsonschema", "yaml", "dockerfile_parse", "referencing", "semver", "pathspec", "greenery")
IMPORT_BUDGET_MS = 150  # the package's own import cost is ~10 ms today; this only catches an eager heavy import


def load_generator():
    """benchmarks/generate_monorepo.py by path: the benchmarks folder is not an installed package."""
    spec = importlib.util.spec_from_file_location("generate_monorepo", REPO_ROOT / "benchmarks" / "generate_monorepo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


generator = load_generator()


def test_version_imports_no_heavy_library():
    code = (
        "import sys\n"
        "import observatory_invariants\n"
        "from observatory_invariants import cli\n"
        "try:\n"
        "    cli.main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("observatory-invariants "), proc.stdout
    loaded = lines[1] if len(lines) > 1 else ""
    assert loaded == "", f"`--version` imported heavy libraries: {loaded}"


def package_import_ms(module: str) -> float:
    """Cumulative import time of the package's own top-level imports, from ``python -X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    total_us = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        # Top-level entries only (no indentation): their cumulative time already includes their children.
        if not name.startswith("  ") and name.strip().split(".")[0] == "observatory_invariants":
            total_us += int(cumulative)
    assert total_us > 0, "no observatory_invariants entry in -X importtime output"
    return total_us / 1000


def test_cli_import_time_is_small():
    # Best of three: a cold disk cache on the first run is not the package's fault.
    best = min(package_import_ms("observatory_invariants.cli") for _ in range(3))
    assert best < IMPORT_BUDGET_MS, f"importing observatory_invariants.cli took {best:.1f} ms"


def test_generated_repository_is_clean(tmp_path):
    repo = generator.generate(tmp_path / "repo", services=6, schemas=8, files=100, seed=7)
    assert repo.violations == []
    assert len(repo.files) == 100  # filler tops the tree up to --files
    findings = api.check(repo.root, select=CONTRACT_RULES)
    assert findings == [], "\n".join(f"{f.path}:{f.line}: {f.rule} {f.message}" for f in findings)


def test_injected_violations_are_exactly_what_is_found(tmp_path):
    kinds = len(generator.VIOLATION_KINDS)
    repo = generator.generate(tmp_path / "repo", services=6, schemas=kinds + 2, seed=7, violations=kinds)
    assert {v.rule for v in repo.violations} == {"C1", "C3", "C5"}
    findings = api.check(repo.root, select=CONTRACT_RULES)
    found = collections.Counter((f.rule.split(".")[0], f.path) for f in findings)
    expected = collections.Counter((v.rule, v.path) for v in repo.violations)
    assert found == expected, "\n".join(f"{f.path}:{f.line}: {f.rule} {f.message}" for f in findings)


def test_generator_is_deterministic_for_a_seed():
    first, _ = generator.build_tree(12, 7, None, seed=3)
    again, _ = generator.build_tree(12, 7, None, seed=3)
    other, _ = generator.build_tree(12, 7, None, seed=4)
    assert first == again
    assert first != other


def test_generator_layout_matches_the_spec():
    tree, _ = generator.build_tree(4, 5, None, seed=0)
    schema = json.loads(tree["contracts/schemas/job.json"])
    assert {"$schema", "$id", "$version"} <= schema.keys()
    dialects = {json.loads(text)["$schema"] for path, text in tree.items() if path.startswith("contracts/schemas/")}
    assert dialects == {generator.DRAFT_07, generator.DRAFT_2020_12}
    # Half the Dockerfiles copy from the repository root, half from their own folder, and CI builds them so.
    dockerfiles = {p: t for p, t in tree.items() if p.endswith("/Dockerfile")}
    root_style = [p for p, t in dockerfiles.items() if "COPY contracts ./contracts" in t]
    assert len(root_style) == len(dockerfiles) // 2
    ci = tree[".github/workflows/ci.yml"]
    assert "context: .\n            dockerfile: src/services/svc-0001/Dockerfile" in ci
    assert "context: src/services/svc-0002\n" in ci
    version = tree["src/services/svc-0002/VERSION"].strip()
    assert f"image: observatory/svc-0002:{version}" in tree["infra/k8s/svc-0002.yaml"]
    assert all(t.count("\n") > 200 for p, t in tree.items() if p.endswith(".ps1"))


def test_generator_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        generator.generate(tmp_path, services=2, schemas=3)
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("select, absent", [
    ("C3", ("observatory_invariants.engines.docker", "observatory_invariants.parsers.powershell",
            "observatory_invariants.rules.scripts", "observatory_invariants.rules.docker", "yaml", "greenery")),
    ("B4", ("observatory_invariants.engines.docker", "observatory_invariants.rules.contracts", "jsonschema",
            "observatory_invariants.engines.compat")),
])
def test_a_run_imports_only_what_the_selected_rules_need(tmp_path, select, absent):
    (tmp_path / "contracts" / "schemas").mkdir(parents=True)
    (tmp_path / "contracts" / "schemas" / "a.json").write_text('{"$id": "x", "$version": "1.0.0"}')
    (tmp_path / "a.ps1").write_text("Write-Host 'hi'\n")
    (tmp_path / ".observatory-invariants.toml").write_text("")
    code = (
        "import sys\n"
        "from observatory_invariants.cli import main\n"
        f"main(['check', {str(tmp_path)!r}, '--select', {select!r}, '--exit-zero'])\n"
        f"print('LOADED', ','.join(sorted(m for m in sys.modules if m.startswith({absent!r}))))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.rsplit("LOADED", 1)[1].strip()
    assert loaded == "", f"--select {select} imported {loaded}"


def test_a_warm_hook_imports_only_what_answering_from_the_cache_needs(tmp_path):
    # A pre-commit hook on an unchanged state is answered by the run cache: no rule module, no declarations (the
    # registry validates ids from its generated index), no typing, no scratch index (tempfile), no heavy library.
    # (No config file here: tomllib, which reads one, imports typing itself.)
    repo = tmp_path / "repo"
    (repo / "contracts" / "schemas").mkdir(parents=True)
    (repo / "contracts" / "schemas" / "a.json").write_text('{"$id": "x", "$version": "1.0.0"}')
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "c"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    (repo / "contracts" / "schemas" / "a.json").write_text('{"$id": "x", "$version": "1.0.1"}')
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    absent = ("typing", "tempfile", "observatory_invariants.declare", "observatory_invariants.rules.", "jsonschema",
              "yaml", "pathspec")
    code = (
        "import sys\n"
        "from observatory_invariants.cli import main\n"
        "sys.argv = ['observatory-invariants', 'check', '--staged', '--select', 'C1,C2,C3,C5', "
        "'contracts/schemas/a.json']\n"
        "code = main()\n"
        f"print('LOADED', code, ','.join(sorted(m for m in sys.modules if m.startswith({absent!r}))))\n")
    env = {**os.environ, "OBSERVATORY_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("OBSERVATORY_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=repo, env=env)
            for _ in range(2)]
    cold, warm = (run.stdout.rsplit("LOADED", 1)[1].split() for run in runs)
    assert "observatory_invariants.rules.contracts" in cold[-1]   # the first run did run the rules
    assert warm[0] == cold[0]   # the same verdict
    assert len(warm) == 1, f"a warm hook imported {warm[1]}"
