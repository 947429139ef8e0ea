"""C4 end to end: real git repositories in tmp_path, the example pairs, and the ``compat`` command."""

from __future__ import annotations

import argparse
import copy
import json

import pytest

from observatory_invariants.api import check
from observatory_invariants.config import ConfigError
from observatory_invariants.repo import GitError
from tests.helpers import git, write_tree

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.test/contracts/job.json",
    "$version": "1.0.0",
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "producer": {"type": "object", "properties": {"stage": {"enum": ["build", "test", "deploy"]}}},
    },
    "required": ["id"],
}
PATH = "contracts/schemas/job.json"


def _repo(tmp_path, schema=SCHEMA, extra=None):
    write_tree(tmp_path, {PATH: schema, **(extra or {})})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def _narrowed(version):
    new = copy.deepcopy(SCHEMA)
    new["properties"]["producer"]["properties"]["stage"]["enum"] = ["build", "test"]
    new["$version"] = version
    return new


def _commit(root, files, message="change"):
    write_tree(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def rules(findings):
    return sorted(f.rule for f in findings)


def test_narrowed_nested_enum_without_major_bump_fails(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: _narrowed("1.1.0")})
    findings = check(root, select=["C4"], base="HEAD~1")
    assert rules(findings) == ["C4.bump-too-small"]
    assert "2.0.0" in findings[0].message and findings[0].line is not None


def test_narrowed_nested_enum_with_major_bump_passes(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: _narrowed("2.0.0")})
    assert check(root, select=["C4"], base="HEAD~1") == []


def test_staged_change_is_compared_with_head(tmp_path):
    root = _repo(tmp_path)
    write_tree(root, {PATH: _narrowed("1.0.1")})
    git(root, "add", "-A")
    assert rules(check(root, select=["C4"], staged=True)) == ["C4.bump-too-small"]


def test_content_change_without_bump_and_version_going_down(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: {**SCHEMA, "description": "jobs"}})
    assert rules(check(root, select=["C4"], base="HEAD~1")) == ["C4.no-bump"]
    _commit(root, {PATH: {**SCHEMA, "$version": "0.9.0"}})
    assert rules(check(root, select=["C4"], base="HEAD~2")) == ["C4.version-decreased"]


def test_deleted_schema_is_reported_and_new_schema_passes(tmp_path):
    root = _repo(tmp_path)
    (root / PATH).unlink()
    new_schema = {**SCHEMA, "$id": "https://example.test/contracts/event.json"}
    _commit(root, {"contracts/schemas/event.json": new_schema})
    assert rules(check(root, select=["C4"], base="HEAD~1")) == ["C4.schema-deleted"]


def test_file_that_was_not_json_at_base(tmp_path):
    root = _repo(tmp_path, schema="{not json")
    _commit(root, {PATH: SCHEMA})
    (finding,) = check(root, select=["C4"], base="HEAD~1")
    assert finding.rule == "C4.bad-input" and "not valid JSON" in finding.message


def test_non_semver_version_is_a_finding(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: {**_narrowed("2.0"), "$version": "two"}})
    (finding,) = check(root, select=["C4"], base="HEAD~1")
    assert finding.rule == "C4.bad-input" and "not SemVer" in finding.message


def test_valid_json_that_is_not_a_schema(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: [1, 2, 3]})
    (finding,) = check(root, select=["C4"], base="HEAD~1")
    assert finding.rule == "C4.bad-input" and "not a schema" in finding.message


def test_unknown_base_ref_is_a_usage_error(tmp_path):
    root = _repo(tmp_path)
    with pytest.raises((GitError, ConfigError)):
        check(root, select=["C4"], base="no-such-branch")
    with pytest.raises(ConfigError):
        check(root, select=["C4"], base="--output=x")


def test_cross_file_ref_change_is_seen_through_the_referencing_schema(tmp_path):
    common = {"$schema": SCHEMA["$schema"], "$id": "https://example.test/contracts/common.json", "$version": "1.0.0",
              "$defs": {"Id": {"type": "string", "maxLength": 36}}}
    job = {**SCHEMA, "properties": {"id": {"$ref": "common.json#/$defs/Id"}}}
    root = _repo(tmp_path, schema=job, extra={"contracts/schemas/common.json": common})
    tightened = copy.deepcopy(common)
    tightened["$defs"]["Id"]["maxLength"] = 8
    tightened["$version"] = "1.0.1"
    _commit(root, {"contracts/schemas/common.json": tightened, PATH: {**job, "$version": "1.0.1"}})
    findings = check(root, select=["C4"], base="HEAD~1")
    # seen through job.json, and charged to common.json itself (its $defs are walked as schemas)
    assert {(f.rule, f.path) for f in findings} == {("C4.bump-too-small", PATH),
                                                   ("C4.bump-too-small", "contracts/schemas/common.json")}


def test_example_pairs_without_git(tmp_path):
    old = {"$version": "1.0.0", "type": "object", "properties": {"a": {"enum": ["x", "y"]}}}
    ok_new = {"$version": "2.0.0", "type": "object", "properties": {"a": {"enum": ["x"]}}}
    bad_new = {"$version": "1.1.0", "type": "object", "properties": {"a": {"enum": ["x"]}}}
    write_tree(tmp_path, {
        "tests/fixtures/schema-compat/ok-old.json": old, "tests/fixtures/schema-compat/ok-new.json": ok_new,
        "tests/fixtures/schema-compat/bad-old.json": old, "tests/fixtures/schema-compat/bad-new.json": bad_new,
    })
    # example pairs are opt-in (issue 10 item 9): nothing by default
    assert check(tmp_path, select=["C4"]) == []
    (tmp_path / ".observatory-invariants.toml").write_text("[contracts]\ncompat-example-pairs = true\n")
    findings = check(tmp_path, select=["C4"])
    assert [(f.rule, f.path) for f in findings] == [
        ("C4.bump-too-small", "tests/fixtures/schema-compat/bad-new.json")]


# -- the compat command ------------------------------------------------------------------------------------
def _run_compat(tmp_path, capsys, old, new, *extra):
    from observatory_invariants.commands import compat

    write_tree(tmp_path, {"old.json": old, "new.json": new})
    parser = argparse.ArgumentParser()
    compat.configure(parser)
    args = parser.parse_args([str(tmp_path / "old.json"), str(tmp_path / "new.json"), *extra])
    code = compat.main(args)
    return code, capsys.readouterr()


def test_compat_json_output_shape(tmp_path, capsys):
    code, out = _run_compat(tmp_path, capsys, SCHEMA, _narrowed("1.1.0"), "--format", "json")
    data = json.loads(out.out)
    assert set(data) == {"changes", "required_bump", "compatible", "version"}
    assert data["required_bump"] == "major" and data["compatible"] is False
    # the version problem travels in the JSON too (both files carry $version)
    assert data["version"]["ok"] is False and data["version"]["new"] == "1.1.0"
    assert [p["code"] for p in data["version"]["problems"]] == ["bump-too-small"]
    assert data["changes"] == [{"pointer": "/properties/producer/properties/stage", "kind": "enum-narrowed",
                                "bump": "major", "message": 'enum at /producer/stage no longer allows "deploy"'}]
    assert code == 1


def test_compat_text_explains_with_a_counterexample(tmp_path, capsys):
    code, out = _run_compat(tmp_path, capsys, SCHEMA, _narrowed("2.0.0"))
    assert "enum-narrowed (major)" in out.out and "INCOMPATIBLE" in out.out
    assert '"deploy"' in out.out.split("example:")[1]
    assert code == 0   # the MAJOR bump covers it


def test_compat_bad_input_exits_2(tmp_path, capsys):
    code, out = _run_compat(tmp_path, capsys, SCHEMA, "{broken")
    assert code == 2 and "new.json" in out.err
