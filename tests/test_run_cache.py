"""The run cache (run_cache.py): a run whose inputs did not change gives the stored result without running a rule;
any change to what the run read — a file's bytes, the file list, a folder, a ref, the index, the config, the
command — gives exactly what an uncached run gives.

Each case below changes one kind of input and compares the cached CLI with ``--no-cache``, output and exit code
byte for byte, in every mode (whole repository, given files, --staged, --base) and with the rule families split
between two processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from observatory_invariants import api, run_cache
from observatory_invariants.cli import main
from observatory_invariants.errors import UnreadableFile
from observatory_invariants.repo import Repository
from observatory_invariants.runner import RunResult
from tests.helpers import SAMPLE, commit_all, git, git_repo, run_cli


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(folder))
    monkeypatch.delenv("OBSERVATORY_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def sample(tmp_path):
    """The bundled sample as a real git repository (committed), outside the cache folder."""
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE, root)
    git_repo(root)
    commit_all(root, "sample")
    return root


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def same_as_uncached(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    """The cached run's output, asserted equal to an uncached run's."""
    cached = cli(capsys, "check", "--root", str(root), "--format", "json", *args)
    fresh = cli(capsys, "check", "--root", str(root), "--format", "json", "--no-cache", *args)
    assert cached == fresh
    assert cached[0] in (0, 1), cached
    return cached


@contextmanager
def rules_must_not_run(monkeypatch):
    """Inside: a run that gets as far as running rules fails the test (the result must come from the cache)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the rules ran: expected the cached result")
    with monkeypatch.context() as patch:
        patch.setattr(api, "run_workspace", refuse)
        yield


def test_an_unchanged_repository_is_answered_from_the_cache(capsys, monkeypatch, cache_dir, sample):
    first = same_as_uncached(capsys, sample)
    assert json.loads(first[1])["findings"], "the sample has findings: the cache must give them back"
    with rules_must_not_run(monkeypatch):
        again = cli(capsys, "check", "--root", str(sample), "--format", "json")
    assert again == first
    for fmt in ("text", "sarif", "github"):   # the format is the reporter's business: the same entry serves all
        fresh = cli(capsys, "check", "--root", str(sample), "--format", fmt, "--no-cache")
        with rules_must_not_run(monkeypatch):
            assert cli(capsys, "check", "--root", str(sample), "--format", fmt) == fresh
    assert git(sample, "status", "--porcelain", "--ignored") == ""   # nothing written inside the repository


def test_no_cache_and_the_environment_switch_run_the_rules(capsys, monkeypatch, cache_dir, sample):
    same_as_uncached(capsys, sample)
    with rules_must_not_run(monkeypatch):   # (the CLI turns the refusal into an internal error, exit 2)
        code, _out, err = cli(capsys, "check", "--root", str(sample), "--no-cache")
    assert code == 2 and "the rules ran" in err
    monkeypatch.setenv("OBSERVATORY_NO_CACHE", "1")
    with rules_must_not_run(monkeypatch):
        code, _out, err = cli(capsys, "check", "--root", str(sample))
    assert code == 2 and "the rules ran" in err


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


# One change of each kind of input; each is applied on top of the previous ones.
def _schema_bytes(root):
    _edit(root / "contracts/schemas/metrics.json", '"type": "object"', '"type": "objekt"')


def _schema_version(root):
    data = json.loads((root / "contracts/schemas/job.json").read_text())
    data["$version"] = "9.9.9"
    (root / "contracts/schemas/job.json").write_text(json.dumps(data, indent=2))


def _new_untracked_schema(root):
    (root / "contracts/schemas/extra.json").write_text(json.dumps({"$schema": "nope", "type": "object"}))


def _ignored_by_gitignore(root):
    (root / ".gitignore").write_text("contracts/schemas/extra.json\n")


def _deleted_fixture(root):
    os.unlink(root / "contracts/fixtures/golden/job-completed.json")   # it had a finding


def _dockerfile(root):
    with open(root / "src/services/gateway/Dockerfile", "a") as handle:
        handle.write("COPY does-not-exist /app/\n")


def _version_file(root):
    (root / "src/services/gateway/VERSION").write_text("not-a-version\n")


def _folder_appears(root):
    (root / "does-not-exist").mkdir()   # the COPY source above now exists (the gateway's context is the root)


def _link_out_of_the_root(root):
    target = root.parent / "outside.json"
    target.write_text("{}")
    os.unlink(root / "contracts/fixtures/golden/job-pending.json")
    os.symlink(target, root / "contracts/fixtures/golden/job-pending.json")


def _ignored_dockerfile(root):   # a Dockerfile git ignores (generated), built by compose: read all the same
    with open(root / ".gitignore", "a") as handle:
        handle.write("gen/\n")
    (root / "gen").mkdir()
    (root / "gen/Dockerfile").write_text("FROM alpine:3.19\nCOPY not-there /x\n")
    _edit(root / "docker-compose.yml", "services:\n", "services:\n  gen:\n    build:\n      context: .\n"
                                                     "      dockerfile: gen/Dockerfile\n")


def _ignored_dockerfile_becomes_a_folder(root):   # only "is it a folder" changes: exists, and git ignores it
    os.unlink(root / "gen/Dockerfile")
    (root / "gen/Dockerfile").mkdir()
    (root / "gen/Dockerfile/README").write_text("")


def _config(root):
    path = root / ".observatory-invariants.toml"
    path.write_text('ignore = ["B3"]\n' + path.read_text())


def _same_bytes_again(root):   # a rewrite with the same content: still a hit-worthy state, and correct either way
    path = root / "contracts/VERSIONS.md"
    path.write_bytes(path.read_bytes())


CHANGES = [_schema_bytes, _schema_version, _new_untracked_schema, _ignored_by_gitignore, _deleted_fixture,
           _dockerfile, _version_file, _folder_appears, _link_out_of_the_root, _ignored_dockerfile,
           _ignored_dockerfile_becomes_a_folder, _config, _same_bytes_again]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_kind_of_change_is_seen_in_a_whole_repository_run(capsys, cache_dir, sample, jobs):
    if jobs == "2" and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    args = ("--jobs", jobs)   # 2: the families split between two processes; the other half's reads count too
    previous = same_as_uncached(capsys, sample, *args)[1]
    unchanged = []
    for change in CHANGES:
        change(sample)
        output = same_as_uncached(capsys, sample, *args)[1]
        if output == previous:
            unchanged.append(change.__name__)
        previous = output
    assert unchanged == ["_same_bytes_again"], unchanged   # every other change changed the findings (else it tests nothing)


def test_changes_to_the_index_and_history_are_seen_by_staged_and_base_runs(capsys, cache_dir, sample):
    git(sample, "checkout", "-q", "-b", "topic")
    schema = sample / "contracts/schemas/job.json"
    runs = [("--staged",), ("--base", "main"), ("--staged", "--", str(schema)), (str(schema),)]
    seen = {args: {same_as_uncached(capsys, sample, *args)[1]} for args in runs}

    def each_run():
        for args in runs:
            seen[args].add(same_as_uncached(capsys, sample, *args)[1])

    _edit(schema, '"minLength": 1', '"minLength": 2')            # the work tree only (a breaking change)
    each_run()
    git(sample, "add", "-A")                                     # now staged as well
    each_run()
    commit_all(sample, "topic change")                           # HEAD moves; nothing staged any more
    each_run()
    git(sample, "checkout", "-q", "main")                        # main moves: --base main means another commit
    (sample / "NOTES.md").write_text("main moved\n")            # (the merge base stays where it was)
    _schema_version(sample)
    commit_all(sample, "main moves")
    git(sample, "checkout", "-q", "topic")
    each_run()
    git(sample, "reset", "-q", "--soft", "HEAD~1")               # the change is staged again, HEAD went back
    each_run()
    _edit(schema, '"1.2.0"', '"1.2"')                             # the work tree differs from the index again
    each_run()
    assert all(len(outputs) >= 2 for outputs in seen.values()), {k: len(v) for k, v in seen.items()}


def test_a_rule_that_reads_outside_the_project_files_is_not_stored(tmp_path):
    report = tmp_path / "coverage.xml"
    report.write_text("<coverage/>")
    repo = Repository(tmp_path)
    repo.recorder = run_cache.Recorder()
    repo.read_bytes("coverage.xml")
    assert repo.recorder.unrepeatable_by is None
    repo.open_binary("coverage.xml").close()
    assert repo.recorder.unrepeatable_by == "open_binary"
    assert not run_cache.RunCache(tmp_path / "c").store("k", repo.recorder, RunResult())


def test_an_answer_that_changes_within_one_run_is_not_stored(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    repo = Repository(tmp_path)
    repo.recorder = run_cache.Recorder()
    repo.read_bytes("a.txt")
    (tmp_path / "a.txt").write_text("two")
    repo.read_bytes("a.txt")
    assert "changed" in repo.recorder.unrepeatable_by


def test_recorded_answers_are_compared_exactly(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    repo = Repository(tmp_path)
    repo.recorder = run_cache.Recorder()
    repo.read_bytes("a.txt")
    with pytest.raises(UnreadableFile):
        repo.read_bytes("missing.txt")
    repo.exists("b.txt")
    questions = list(repo.recorder.answers.values())
    assert run_cache.same_answers(Repository(tmp_path), questions)
    (tmp_path / "b.txt").write_text("")                     # an existence answer changes
    assert not run_cache.same_answers(Repository(tmp_path), questions)
    os.unlink(tmp_path / "b.txt")
    (tmp_path / "missing.txt").write_text("")                # an error becomes a file
    assert not run_cache.same_answers(Repository(tmp_path), questions)
    os.unlink(tmp_path / "missing.txt")
    (tmp_path / "a.txt").write_text("onf")                   # same size, other bytes
    assert not run_cache.same_answers(Repository(tmp_path), questions)
    assert not run_cache.same_answers(Repository(tmp_path), [["no_such_question", [], {}, "x"]])


def test_digests_tell_kinds_of_answers_apart():
    answers = [b"a", "a", ["a"], frozenset({"a"}), True, None, 1, UnreadableFile("a", "does not exist"),
               ["a", "b"], ["a\0b"][:0] + ["ab"]]
    assert len({run_cache.digest(a) for a in answers}) == len(answers)
    with pytest.raises(TypeError):
        run_cache.digest(object())


def test_the_key_covers_the_tool_the_config_and_the_command(tmp_path):
    from observatory_invariants.config import Config

    key = run_cache.run_key(root=tmp_path, config=Config(), command={"select": ["C1"]})
    assert key == run_cache.run_key(root=tmp_path, config=Config(), command={"select": ["C1"]})
    assert key != run_cache.run_key(root=tmp_path, config=Config(ignore=("B3",)), command={"select": ["C1"]})
    assert key != run_cache.run_key(root=tmp_path, config=Config(), command={"select": ["C2"]})
    assert key != run_cache.run_key(root=tmp_path / "x", config=Config(), command={"select": ["C1"]})
    code = tmp_path / "code"
    code.mkdir()
    (code / "m.py").write_text("A = 1\n")
    stamp = run_cache._tree_stamp(code)
    (code / "m.py").write_text("A = 22\n")                   # the tool's code changed (an editable install)
    assert run_cache._tree_stamp(code) != stamp


def test_a_cache_that_cannot_be_used_changes_nothing(capsys, monkeypatch, tmp_path, sample):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(blocker / "cache"))
    first = same_as_uncached(capsys, sample)
    assert same_as_uncached(capsys, sample) == first
    good = tmp_path / "good"
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(good))
    same_as_uncached(capsys, sample)
    for entry in good.glob("*.json"):                        # a damaged entry is a miss, never a crash
        entry.write_text('{"format": 1, "questions": [["files", [], {}, 5]], "result": null}')
    assert same_as_uncached(capsys, sample) == first
    for entry in good.glob("*.json"):
        entry.write_bytes(b"\xff\x00 not json")
    assert same_as_uncached(capsys, sample) == first


def test_old_entries_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(run_cache, "MAX_ENTRIES", 3)
    cache = run_cache.RunCache(tmp_path)
    for n in range(6):
        assert cache.store(f"k{n}", run_cache.Recorder(), RunResult())
        os.utime(tmp_path / f"k{n}.json", ns=(n * 10**9, n * 10**9))
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["k3.json", "k4.json", "k5.json"]
    monkeypatch.setattr(run_cache, "MAX_ENTRIES", 100)
    size = (tmp_path / "k5.json").stat().st_size
    monkeypatch.setattr(run_cache, "MAX_BYTES", size * 3 // 2)   # a byte cap: only the newest entry fits
    assert cache.store("k6", run_cache.Recorder(), RunResult())
    assert [p.name for p in tmp_path.glob("*.json")] == ["k6.json"]
    monkeypatch.setattr(run_cache, "MAX_BYTES", size // 2)       # an entry bigger than the whole cache: not kept
    assert not cache.store("k7", run_cache.Recorder(), RunResult())
    assert not list(tmp_path.glob("k7*")) and not list(tmp_path.glob(".k7*"))


def test_the_console_entry_uses_the_cache_between_processes(cache_dir, sample):
    env = {"OBSERVATORY_CACHE_DIR": str(cache_dir)}
    first = run_cli("check", "--root", str(sample), "--format", "json", env=env)
    assert list(cache_dir.glob("*.json")), "the run was stored"
    second = run_cli("check", "--root", str(sample), "--format", "json", env=env)
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    _schema_version(sample)
    third = run_cli("check", "--root", str(sample), "--format", "json", env=env)
    fresh = run_cli("check", "--root", str(sample), "--format", "json", "--no-cache", env=env)
    assert third.stdout == fresh.stdout != first.stdout


def _stored_entry(cache_dir: Path) -> Path:
    (entry,) = cache_dir.glob("*.json")
    return entry


def test_an_entry_can_only_ask_what_the_repository_layer_records(capsys, cache_dir, sample, tmp_path):
    first = same_as_uncached(capsys, sample)
    entry = _stored_entry(cache_dir)
    data = json.loads(entry.read_text())
    marker = tmp_path / "PWNED"
    # a planted question naming a private method that runs git with arbitrary arguments
    data["questions"].insert(0, ["_run", ["-c", f"alias.pw=!touch {marker}", "pw"], {}, "0"])
    entry.write_text(json.dumps(data))
    assert cli(capsys, "check", "--root", str(sample), "--format", "json") == first
    assert not marker.exists()
    for name in ("write_text", "__init__", "root", "recorder"):
        assert not run_cache._well_formed([name, [], {}, "0"])
    assert run_cache._well_formed(["read_bytes", ["a.txt"], {"index": False}, "0"])


@pytest.mark.parametrize("damage", ["[]", "[" * 200_000, '{"format": 1, "questions": {}, "result": 3}', "fifo"])
def test_a_damaged_entry_is_a_miss(capsys, cache_dir, sample, damage):
    first = same_as_uncached(capsys, sample)
    entry = _stored_entry(cache_dir)
    entry.unlink()
    if damage == "fifo":   # a FIFO at the entry's path must not hang the run
        os.mkfifo(entry)
    else:
        entry.write_text(damage)
    assert cli(capsys, "check", "--root", str(sample), "--format", "json") == first


def test_the_cache_folder_is_never_inside_the_repository_nor_anyone_elses(monkeypatch, tmp_path, sample):
    monkeypatch.delenv("OBSERVATORY_CACHE_DIR", raising=False)
    monkeypatch.delenv("OBSERVATORY_NO_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")            # relative: ignored, as the XDG spec says
    assert run_cache.cache_folder(sample) == tmp_path / "home" / ".cache" / "observatory-invariants"
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(sample / "cache"))
    assert run_cache.open_cache(root=sample) is None            # inside the repository: no cache
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)                                     # others may plant entries there
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(shared))
    assert run_cache.open_cache(root=sample) is None
    os.chmod(shared, 0o700)
    assert run_cache.open_cache(root=sample) is not None


def test_what_a_commit_holds_is_recorded(tmp_path):
    # In a partial clone a blob may be missing now and fetched later: "absent" must not be cached for ever.
    repo_root = git_repo(tmp_path / "r", {"a.txt": "one\n"})
    repo = Repository(repo_root)
    repo.recorder = run_cache.Recorder()
    assert repo.show("HEAD", "a.txt") == b"one\n"
    assert repo.files_at("HEAD") == ["a.txt"]
    asked = {q[0] for q in repo.recorder.answers.values()}
    assert {"show", "files_at", "resolve_ref"} <= asked


def test_the_key_covers_the_data_the_tool_ships(tmp_path, monkeypatch):
    from observatory_invariants import contracts_data
    from observatory_invariants.config import Config

    shipped = tmp_path / "schemas"
    shipped.mkdir()
    (shipped / "coverage-config.json").write_text('{"required": ["thresholds"]}')
    monkeypatch.setattr(contracts_data, "_SOURCE_DIRS", {"observatory_invariants.contracts": shipped})
    key = run_cache.run_key(root=tmp_path, config=Config(), command={})
    (shipped / "coverage-config.json").write_text('{"required": ["thresholds", "ratchet"]}')
    assert run_cache.run_key(root=tmp_path, config=Config(), command={}) != key
