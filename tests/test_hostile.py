"""Hostile input end to end: every kind of broken file in one repository gives findings, never a crash,
a hang or a network connection."""

import os
import socket

import pytest

from observatory_invariants.api import check
from tests.helpers import run_cli, schema, versions_md, write_tree

D2020 = "https://json-schema.org/draft/2020-12/schema"


@pytest.fixture
def hostile_repo(tmp_path):
    write_tree(tmp_path, {
        ".observatory-invariants.toml": "",
        "contracts/schemas/job.json": schema("job"),
        "contracts/schemas/broken.json": '{\n  "$schema": "x",\n  oops\n}',
        "contracts/schemas/array.json": "[1, 2, 3]",
        "contracts/schemas/empty.json": "",
        "contracts/schemas/latin1.json": b'{"title": "caf\xe9"}',
        "contracts/schemas/binary.json": b"\x00\x01\x02",
        "contracts/schemas/deep.json": "[" * 10000 + "]" * 10000,
        "contracts/schemas/cycle.json": {"$schema": D2020, "$id": "https://example.test/cycle.json",
                                         "$version": "1.0.0", "$ref": "#/$defs/a",
                                         "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}},
        "contracts/schemas/remote.json": schema("remote", properties={"x": {"$ref": "http://evil.example/x.json"}}),
        "contracts/schemas/crlf.json": '{\r\n  "$schema": "' + D2020 + '",\r\n  "$id": "urn:crlf",\r\n'
                                       '  "$version": "1.0"\r\n}\r\n',
        "contracts/fixtures/golden/cycle-1.json": "{}",
        "contracts/fixtures/golden/remote-1.json": {"x": 1},
        "contracts/fixtures/golden/job-deep.json": "[" * 10000 + "]" * 10000,
        "contracts/fixtures/golden/job-ü and space.json": {},
        "contracts/fixtures/negative/job-empty.json": "",
        "contracts/VERSIONS.md": "# no table here\n",
    })
    os.symlink(tmp_path / "contracts", tmp_path / "contracts" / "loop")
    return tmp_path


def test_every_hostile_file_is_a_finding_and_nothing_connects(hostile_repo, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    messages = {}
    for f in check(hostile_repo):
        messages.setdefault(f.path, []).append(f"{f.rule}:{f.line}:{f.message}")
    joined = {path: " | ".join(m) for path, m in messages.items()}
    assert "C3.invalid-json:3:" in joined["contracts/schemas/broken.json"] and "invalid JSON" in joined["contracts/schemas/broken.json"]
    assert "must be a JSON object, not array" in joined["contracts/schemas/array.json"]
    assert "empty" in joined["contracts/schemas/empty.json"]
    assert "not valid UTF-8" in joined["contracts/schemas/latin1.json"]
    assert "binary" in joined["contracts/schemas/binary.json"]
    assert "nested too deeply" in joined["contracts/schemas/deep.json"]
    assert "cycle" in joined["contracts/schemas/cycle.json"]
    assert "never fetched" in joined["contracts/schemas/remote.json"]
    assert "C3.version:4:" in joined["contracts/schemas/crlf.json"] and "not SemVer" in joined["contracts/schemas/crlf.json"]
    assert "cannot validate" in joined["contracts/fixtures/golden/cycle-1.json"]
    assert "does not resolve offline" in joined["contracts/fixtures/golden/remote-1.json"]
    assert "nested too deeply" in joined["contracts/fixtures/golden/job-deep.json"]
    assert "'id'" not in joined.get("contracts/fixtures/golden/job-ü and space.json", "")  # job has no required
    assert "well-formed JSON" in joined["contracts/fixtures/negative/job-empty.json"]
    assert "no '| Schema | Current Version |' table" in joined["contracts/VERSIONS.md"]


def test_cli_on_hostile_repo_exits_1_without_traceback(hostile_repo):
    for fmt in ("text", "json", "sarif", "github"):
        proc = run_cli("check", str(hostile_repo), "--format", fmt)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_huge_schema_is_skipped_with_a_finding(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": "max-file-size = 1000\n",
                          "contracts/schemas/big.json": schema("big", description="x" * 5000),
                          "contracts/VERSIONS.md": versions_md({})})
    [f] = [f for f in check(tmp_path) if f.rule.startswith("C3.")]
    assert "over the 1000-byte limit" in f.message
