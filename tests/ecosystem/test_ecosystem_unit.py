"""Fast tests of benchmarks/ecosystem/run.py's pure parts (fingerprints, comparison, precision, corpus, judging)
and of its pipeline on a tiny local git "mirror" with a stub tool. They need no network and no corpus mirrors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmarks.ecosystem import run as eco

HERE = Path(__file__).resolve().parent
CORPUS = Path(eco.__file__).resolve().parent / "corpus.toml"


def _finding(rule="X3.drive-path", path="a.ps1", line=1, message="hardcoded path 'C:\\x'", severity="error"):
    return {"rule": rule, "severity": severity, "path": path, "line": line, "column": 1, "message": message}


# ---------------------------------------------------------------- fingerprints


def test_normalise_message_drops_line_references():
    assert eco.normalise_message("declared at src/docker-compose.yml:87; fix it") == \
        eco.normalise_message("declared at src/docker-compose.yml:120; fix it")
    assert eco.normalise_message("see line 12 and lines 3-5") == "see line N and lines N"
    # numbers that are not line references stay: a version bump is part of the identity
    assert eco.normalise_message("went from 1.0.0 to 1.1.0") != eco.normalise_message("went from 1.0.0 to 2.0.0")


def test_fingerprint_is_stable_across_line_shifts_and_runs():
    before = eco.fingerprint_findings("r", [_finding(line=10), _finding(path="b.ps1", line=3)])
    after = eco.fingerprint_findings("r", [_finding(line=14), _finding(path="b.ps1", line=3)])
    assert {f["fingerprint"] for f in before} == {f["fingerprint"] for f in after}
    assert before == eco.fingerprint_findings("r", [_finding(line=10), _finding(path="b.ps1", line=3)])


def test_fingerprint_separates_duplicates_repos_rules_and_paths():
    same = [_finding(line=5), _finding(line=2)]
    fps = [f["fingerprint"] for f in eco.fingerprint_findings("r", same)]
    assert len(set(fps)) == 2 and {fp.rsplit(":", 1)[1] for fp in fps} == {"0", "1"}
    # the occurrence index follows file order, not input order
    by_line = {f["line"]: f["fingerprint"] for f in eco.fingerprint_findings("r", same)}
    assert by_line[2].endswith(":0") and by_line[5].endswith(":1")
    base = eco.fingerprint_findings("r", [_finding()])[0]["fingerprint"]
    assert eco.fingerprint_findings("other", [_finding()])[0]["fingerprint"] != base
    assert eco.fingerprint_findings("r", [_finding(rule="X3.unc-path")])[0]["fingerprint"] != base
    assert eco.fingerprint_findings("r", [_finding(path="c.ps1")])[0]["fingerprint"] != base


# ---------------------------------------------------------------- comparison and precision


def _snap(findings):
    return [dict(f) for f in findings]


def test_compare_reports_new_and_vanished_and_carries_verdicts():
    old = eco.fingerprint_findings("r", [_finding(line=1), _finding(path="gone.ps1")])
    judged = _snap(old)
    judged[0].update(verdict="real", reason="bites")
    judged[1].update(verdict="false-alarm", reason="no")
    other_repo = dict(eco.fingerprint_findings("s", [_finding()])[0], verdict="real", reason="x")
    current = eco.fingerprint_findings("r", [_finding(line=7), _finding(path="new.ps1")])
    cmp = eco.compare(current, judged + [other_repo], ["r"])
    assert [f["path"] for f in cmp.new] == ["new.ps1"] and cmp.new[0]["verdict"] == "unjudged"
    assert [f["path"] for f in cmp.vanished] == ["gone.ps1"]  # repo "s" was not run: not vanished
    kept = [f for f in cmp.current if f["path"] == "a.ps1"][0]
    assert (kept["verdict"], kept["reason"], kept["line"]) == ("real", "bites", 7)


def test_precision_counts_policy_as_judged_and_ignores_unjudged():
    rows = []
    for verdict in ("real", "real", "false-alarm", "policy", "unjudged"):
        rows.append({"repo": "r", "rule": "B3.latest-tag", "verdict": verdict})
    rows.append({"repo": "s", "rule": "B3.untagged", "verdict": "false-alarm"})
    table = eco.precision_table(rows)
    cell = table[("r", "B3")]
    assert (cell.errors, cell.judged, cell.real, cell.unjudged) == (5, 4, 2, 1)
    assert cell.precision == pytest.approx(0.5)
    totals = eco.rule_totals(table)
    assert totals["B3"].errors == 6 and totals["B3"].precision == pytest.approx(2 / 5)
    assert eco.overall(table).real == 2
    assert eco.precision_table(rows, by="rule")[("s", "B3.untagged")].precision == 0
    assert eco.Cell().precision is None and eco.format_precision(None) == "-"
    text = eco.format_table(table, ["s", "r"])
    assert text.splitlines()[2].startswith("s ") and "50%" in text


def test_updated_snapshot_keeps_verdicts_and_other_repositories():
    corpus = [eco.CorpusRepo("r", "o/r", "a" * 40, "why"), eco.CorpusRepo("s", "o/s", "b" * 40, "why")]
    old = [dict(f, verdict="real", reason="bites") for f in eco.fingerprint_findings("r", [_finding()])]
    old += [dict(f, verdict="policy", reason="ok") for f in eco.fingerprint_findings("s", [_finding()])]
    old += [dict(f, verdict="real", reason="x") for f in eco.fingerprint_findings("gone", [_finding()])]
    snapshot = {"format": 1, "corpus": {}, "counts": {}, "findings": old}
    current = eco.fingerprint_findings("r", [_finding(line=3), _finding(path="n.ps1")])
    cmp = eco.compare(current, old, ["r"])
    results = {"r": {"counts": {"error": {"X3.drive-path": 2}, "warning": {"B1.x": 1}, "note": {}}}}
    new = eco.updated_snapshot(snapshot, cmp, results, corpus)
    verdicts = sorted((f["repo"], f["path"], f["verdict"]) for f in new["findings"])
    assert verdicts == [("r", "a.ps1", "real"), ("r", "n.ps1", "unjudged"), ("s", "a.ps1", "policy")]
    assert new["corpus"] == {"r": "a" * 40} and new["counts"]["r"] == {"warning": {"B1.x": 1}, "note": {}}


def test_message_shape_groups_findings_by_class():
    a = eco.message_shape("COPY \"src/A/A.csproj\" does not exist in the build context src (declared at x/y.yml:87)")
    b = eco.message_shape("COPY \"src/B/B.csproj\" does not exist in the build context src (declared at x/y.yml:9)")
    assert a == b
    assert eco.message_shape("'Mandatory=… command' is bash") == eco.message_shape("'Position=… command' is bash")


def test_rule_selector_matches_family_and_sub_rules():
    assert eco.rule_matches("X3.drive-path", "X3") and eco.rule_matches("X3", "X3")
    assert not eco.rule_matches("X31", "X3") and not eco.rule_matches("X3", "X3.drive-path")


# ---------------------------------------------------------------- corpus file


def test_corpus_file_is_valid_and_meets_the_brief():
    repos = eco.load_corpus(CORPUS)
    assert len(repos) >= 16
    assert all(len(r.commit) == 40 and r.why for r in repos)
    assert "oddessentials/odd-demonstration" in {r.repo for r in repos}


def test_subset_parser_agrees_with_tomllib():
    tomllib = pytest.importorskip("tomllib")
    text = CORPUS.read_text(encoding="utf-8")
    assert eco._parse_toml_subset(text) == tomllib.loads(text)


@pytest.mark.parametrize("text, error", [
    ('[[repo]]\nname = "a"\nrepo = "o/a"\ncommit = "abc"\nwhy = "w"\n', "40 hex"),
    ('[[repo]]\nname = "a"\nrepo = "o/a"\ncommit = "' + "a" * 40 + '"\n', "why"),
    ('[[repo]]\nname = "a"\nrepo = "oa"\ncommit = "' + "a" * 40 + '"\nwhy = "w"\n', "owner/name"),
    (('[[repo]]\nname = "a"\nrepo = "o/a"\ncommit = "' + "a" * 40 + '"\nwhy = "w"\n') * 2, "duplicate name"),
    ('[[repo]]\nname = "a"\nrepo = "o/a"\ncommit = "' + "a" * 40 + '"\nwhy = "w"\nextra = "x"\n', "unknown key"),
])
def test_corpus_validation_errors(text, error):
    with pytest.raises(eco.EcosystemError, match=error):
        eco.parse_corpus(text)


def test_select_repos_rejects_unknown_names():
    repos = [eco.CorpusRepo("a", "o/a", "a" * 40, "w"), eco.CorpusRepo("b", "o/b", "b" * 40, "w")]
    assert [r.name for r in eco.select_repos(repos, ["b"])] == ["b"]
    assert [r.name for r in eco.select_repos(repos, ["a,b"])] == ["a", "b"]
    with pytest.raises(eco.EcosystemError, match="unknown"):
        eco.select_repos(repos, ["c"])


# ---------------------------------------------------------------- the pipeline on a local mirror with a stub tool


def _git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x.invalid", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd),
           "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def mirror(tmp_path):
    """A bare "mirror" of a two-file repository whose big.bin blob is missing (like a >= 4 MiB file)."""
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "scripts").mkdir()
    (work / "scripts" / "a.ps1").write_text("$p = 'C:\\x'\n")
    (work / "big.bin").write_bytes(b"\0" * 100)
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "one")
    commit = _git(work, "rev-parse", "HEAD")
    blob = _git(work, "rev-parse", "HEAD:big.bin")
    mirrors = tmp_path / "mirrors"
    _git(tmp_path, "clone", "-q", "--bare", "--no-local", str(work), str(mirrors / "o+r" / "repo"))
    bare = mirrors / "o+r" / "repo"
    _git(bare, "repack", "-q", "-a", "-d")
    # rebuild the pack without the big blob: what a snapshot lacking files >= 4 MiB looks like
    objs = [o for o in _git(bare, "rev-list", "--objects", "--all").splitlines() if not o.startswith(blob)]
    pack_dir = bare / "objects" / "pack"
    staging = tmp_path / "newpack"
    staging.mkdir()
    subprocess.run(["git", "pack-objects", "-q", str(staging / "pack")], cwd=bare, check=True,
                   input="\n".join(o.split()[0] for o in objs) + "\n", text=True, capture_output=True)
    for old in pack_dir.iterdir():
        old.unlink()
    for new in staging.iterdir():
        new.rename(pack_dir / new.name)
    assert subprocess.run(["git", "cat-file", "-e", blob], cwd=bare).returncode != 0
    return mirrors, commit


def test_materialise_tracks_upstream_files_minus_absent_blobs_and_reuses(tmp_path, mirror):
    mirrors, commit = mirror
    repo = eco.CorpusRepo("r", "o/r", commit, "why")
    out = eco.materialise(repo, tmp_path / "cache", mirrors)
    assert not out.reused and out.dropped == ["big.bin"]
    assert _git(out.path, "ls-files").splitlines() == ["scripts/a.ps1"]
    assert (out.path / "scripts" / "a.ps1").read_text() == "$p = 'C:\\x'\n"
    assert _git(out.path, "status", "--porcelain") == "" and _git(out.path, "rev-parse", "HEAD")
    again = eco.materialise(repo, tmp_path / "cache", mirrors)
    assert again.reused and again.dropped == ["big.bin"]
    with pytest.raises(eco.EcosystemError, match="lacks commit"):
        eco.materialise(eco.CorpusRepo("r2", "o/r", "f" * 40, "w"), tmp_path / "cache", mirrors)
    with pytest.raises(eco.EcosystemError, match="no git mirror"):
        eco.materialise(eco.CorpusRepo("r3", "o/missing", commit, "w"), tmp_path / "cache", mirrors)


STUB_TOOL = textwrap.dedent('''
    import json, os, sys
    root = sys.argv[sys.argv.index("--root") + 1]
    extra = os.environ.get("STUB_EXTRA") == "1"
    findings = [
        {"rule": "X3.drive-path", "severity": "error", "path": "scripts/a.ps1", "line": 1, "column": 7,
         "message": "hardcoded Windows drive path 'C:\\\\x'"},
        {"rule": "B1.unbuilt", "severity": "note", "path": "Dockerfile", "line": None, "column": None,
         "message": "never built"},
    ]
    if extra:
        findings.append({"rule": "X4.pwsh-bashism", "severity": "error", "path": "scripts/a.ps1", "line": 1,
                         "column": 1, "message": "new"})
    assert os.path.isdir(os.path.join(root, ".git"))
    print(json.dumps({"version": "1.0.0", "tool": {"name": "observatory-invariants", "version": "0"},
                      "summary": {}, "findings": findings}))
''')


def test_check_update_judge_report_cycle(tmp_path, mirror, monkeypatch, capsys):
    mirrors, commit = mirror
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f'[[repo]]\nname = "r"\nrepo = "o/r"\ncommit = "{commit}"\nwhy = "test"\n')
    stub = tmp_path / "stub.py"
    stub.write_text(STUB_TOOL)
    snapshot = tmp_path / "snapshot.json"
    common = ["--corpus", str(corpus), "--cache", str(tmp_path / "cache"), "--mirrors", str(mirrors),
              "--snapshot", str(snapshot)]
    tool = ["--tool", f"{sys.executable} {stub}", "-q"]

    assert eco.main(["check", *common, *tool]) == eco.EXIT_NEW  # empty snapshot: the error is new
    assert eco.main(["check", *common, *tool, "--update", "--save-findings", str(tmp_path / "f.json")]) == 0
    data = json.loads(snapshot.read_text())
    assert [f["verdict"] for f in data["findings"]] == ["unjudged"]  # warnings/notes are counted, not listed
    assert data["counts"]["r"]["note"] == {"B1.unbuilt": 1}
    saved = json.loads((tmp_path / "f.json").read_text())
    assert {f["severity"] for f in saved["repos"]["r"]["findings"]} == {"error", "note"}

    capsys.readouterr()
    assert eco.main(["judge", *common, "--rule", "X3", "--message-regex", "drive", "--source-regex", r"C:\\x",
                     "--verdict", "real", "--reason", "bites on Linux", "--expect", "1"]) == 0
    assert json.loads(snapshot.read_text())["findings"][0]["verdict"] == "real"
    assert eco.main(["judge", *common, "--verdict", "real"]) == eco.EXIT_ERROR  # a reason is required

    capsys.readouterr()
    assert eco.main(["check", *common, *tool, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["precision"] == 1.0 and report["new"] == [] and report["vanished"] == []

    monkeypatch.setenv("STUB_EXTRA", "1")
    assert eco.main(["check", *common, *tool, "--json"]) == eco.EXIT_NEW
    report = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in report["new"]] == ["X4.pwsh-bashism"]
    monkeypatch.delenv("STUB_EXTRA")

    assert eco.main(["check", *common, "--from-findings", str(tmp_path / "f.json"), "-q"]) == 0
    capsys.readouterr()
    assert eco.main(["report", *common, "--findings", str(tmp_path / "f.json")]) == 0
    md = capsys.readouterr().out
    assert "| r | X3 | 1 | 1 | 0 | 0 | 0 | 100% |" in md and "bites on Linux" in md


def test_check_reports_a_failing_tool_with_exit_2(tmp_path, mirror):
    mirrors, commit = mirror
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f'[[repo]]\nname = "r"\nrepo = "o/r"\ncommit = "{commit}"\nwhy = "test"\n')
    bad = tmp_path / "bad.py"
    bad.write_text("import sys; print('no json'); sys.exit(2)\n")
    args = ["check", "--corpus", str(corpus), "--cache", str(tmp_path / "cache"), "--mirrors", str(mirrors),
            "--snapshot", str(tmp_path / "s.json"), "--tool", f"{sys.executable} {bad}", "-q"]
    assert eco.main(args) == eco.EXIT_ERROR
