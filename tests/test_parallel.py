"""A large whole-repository run splits the rule families between two forked processes: same findings, same order,
same errors as one process; a crash on either side is an internal error, never a pass."""

from __future__ import annotations

import multiprocessing

import pytest

from observatory_invariants import api, registry, runner
from tests.helpers import SAMPLE, run_cli

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")


def test_two_processes_give_what_one_gives(monkeypatch):
    monkeypatch.setenv("OBSERVATORY_JOBS", "1")
    one = [f.to_dict() for f in api.check(SAMPLE)]
    monkeypatch.setenv("OBSERVATORY_JOBS", "2")
    two = [f.to_dict() for f in api.check(SAMPLE)]
    assert one == two and len({f["rule"][0] for f in one}) >= 2   # findings of several families, same order


def test_the_cli_output_is_byte_identical():
    one = run_cli("check", str(SAMPLE), "--format", "sarif", env={"OBSERVATORY_JOBS": "1"})
    two = run_cli("check", str(SAMPLE), "--format", "sarif", env={"OBSERVATORY_JOBS": "2"})
    assert one.returncode == two.returncode == 1 and one.stdout == two.stdout


def test_the_split_keeps_families_whole_and_balances_them():
    plan = {rule.check_target: ([rule], None) for rule in registry.RULES if rule.implemented}
    here, there = runner._split(plan)
    assert here and there and set(here) | set(there) == set(plan) and not set(here) & set(there)
    family_of = {check: rules[0].family for check, (rules, _t) in plan.items()}
    assert not {family_of[c] for c in here} & {family_of[c] for c in there}
    assert list(here) == [c for c in plan if c in here]          # each side keeps the plan's order


@pytest.mark.parametrize("side", [0, 1])
def test_a_crash_on_either_side_is_an_internal_error(monkeypatch, side):
    import importlib

    from observatory_invariants.repo import Repository
    from observatory_invariants.workspace import Workspace

    plan = {rule.check_target: ([rule], None) for rule in registry.RULES if rule.implemented}
    check = next(iter(runner._split(plan)[side]))           # side 1 runs in the forked process
    module, _, function = check.partition(":")

    def broken(ws, targets):
        raise RuntimeError("boom")

    monkeypatch.setattr(importlib.import_module(module), function, broken)   # the fork inherits it
    monkeypatch.setenv("OBSERVATORY_JOBS", "2")
    result = runner.run(Workspace(Repository(SAMPLE)))
    assert any("boom" in e for e in result.internal_errors), result.internal_errors
    assert result.findings   # the other checks' findings are kept


def test_small_runs_and_file_runs_stay_in_one_process(monkeypatch):
    from observatory_invariants.repo import Repository
    from observatory_invariants.workspace import Workspace

    monkeypatch.delenv("OBSERVATORY_JOBS", raising=False)
    ws = Workspace(Repository(SAMPLE))
    plan = {rule.check_target: ([rule], None) for rule in registry.RULES if rule.implemented}
    assert runner._parallel_jobs(ws, plan) == 1                       # the library never forks unasked
    ws.jobs = 0                                                       # the CLI lets the runner decide
    assert runner._parallel_jobs(ws, plan) == 1                       # 30-odd files
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    from observatory_invariants.processes import available_cores

    expected = 2 if available_cores() >= 2 else 1
    assert runner._parallel_jobs(ws, plan) == expected
    files_plan = {check: (rules, {"a.ps1"}) for check, (rules, _t) in plan.items()}
    assert runner._parallel_jobs(ws, files_plan) == 1                 # pre-commit's file mode: one process
    monkeypatch.setenv("OBSERVATORY_JOBS", "2")
    assert runner._parallel_jobs(ws, files_plan) == 1                 # even when asked


def test_a_usage_error_in_the_forked_half_is_raised_as_one(monkeypatch):
    import importlib

    from observatory_invariants.errors import ConfigError
    from observatory_invariants.repo import Repository
    from observatory_invariants.workspace import Workspace

    plan = {rule.check_target: ([rule], None) for rule in registry.RULES if rule.implemented}
    module, _, function = next(iter(runner._split(plan)[1])).partition(":")

    def bad_config(ws, targets):
        raise ConfigError("contracts.instances: no schema 'nosuch'")

    monkeypatch.setattr(importlib.import_module(module), function, bad_config)
    monkeypatch.setenv("OBSERVATORY_JOBS", "2")
    with pytest.raises(ConfigError, match="nosuch"):
        runner.run(Workspace(Repository(SAMPLE)))


def test_a_usage_error_in_this_half_ends_the_other_without_hanging(tmp_path):
    """The parent's half (contracts) stops on a config error while the child still has a large result to send
    (1,200 B3 findings, over a pipe's buffer): the child is ended, the error reported, exit 2 — no hang."""
    import shutil

    from tests.helpers import write_tree

    shutil.copytree(SAMPLE, tmp_path / "repo")
    repo = tmp_path / "repo"
    write_tree(repo, {f"src/services/s{i}/{name}": text for i in range(600)
                      for name, text in (("VERSION", "v1.0\n"), ("Dockerfile", "FROM scratch\n"))})
    write_tree(repo, {".observatory-invariants.toml": '[contracts]\ninstances = {"data/*.json" = "nosuch"}\n'})
    proc = run_cli("check", str(repo), env={"OBSERVATORY_JOBS": "2"})
    assert proc.returncode == 2 and "nosuch" in proc.stderr, proc.stderr[-2000:]
