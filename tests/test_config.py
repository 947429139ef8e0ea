"""Config: pyproject.toml or .observatory-invariants.toml, validated; unknown keys name themselves."""

import pytest

from observatory_invariants.api import check, open_workspace
from observatory_invariants.config import ConfigError, load_config
from observatory_invariants.layout import DEFAULT_PATHS
from tests.helpers import run_cli, schema, versions_md, write_tree


def test_no_config_gives_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config.source is None and config.patterns("schemas") == DEFAULT_PATHS["schemas"]


def test_pyproject_table_is_read(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.observatory-invariants]\nignore = ["C5"]\n'
                                            '[tool.observatory-invariants.paths]\nschemas = "api/*.json"\n'})
    config = load_config(tmp_path)
    assert config.ignore == ("C5",) and config.patterns("schemas") == ("api/*.json",)


def test_dedicated_file_wins_over_pyproject(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.observatory-invariants]\nignore = ["C5"]\n',
                          ".observatory-invariants.toml": 'ignore = ["C3"]\n'})
    assert load_config(tmp_path).ignore == ("C3",)


@pytest.mark.parametrize("text, expected", [
    ('colour = "red"\n', "unknown key 'colour'"),
    ('[paths]\nschemaz = "x"\n', "unknown key 'schemaz' in [paths]"),
    ('[contracts]\njob-schema = ["job"]\n', "unknown key 'job-schema'"),
    ('select = "C1"\n', "is not of type 'array'"),
    ('select = ["Z9"]\n', "unknown rule id(s) 'Z9'"),
    ('[severity]\nC3 = "fatal"\n', "is not one of"),
    ("select = [\n", "invalid TOML"),
])
def test_bad_config_is_a_config_error_naming_the_problem(tmp_path, text, expected):
    write_tree(tmp_path, {".observatory-invariants.toml": text})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert expected in str(err.value) and ".observatory-invariants.toml" in str(err.value)


def test_unknown_key_exits_2_from_the_cli(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": "[paths]\nschemes = 'x'\n"})
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and "unknown key 'schemes'" in proc.stderr and "Traceback" not in proc.stderr


def test_typed_options_come_from_the_config_with_the_declared_defaults(tmp_path):
    from observatory_invariants.rules.scripts.x3_windows_paths import X3Options

    write_tree(tmp_path, {".observatory-invariants.toml": '[scripts]\nx3-severity = "warning"\n'})
    config = load_config(tmp_path)
    assert config.options(X3Options) == X3Options(severity="warning")
    assert config.options(X3Options).file_types == X3Options().file_types   # unset keys keep the defaults
    assert dict(config.section("scripts"))["x3-severity"] == "warning"


def _repo_with_c3_and_c5_problems(root):
    return write_tree(root, {
        "contracts/schemas/job.json": schema("job", version="1.0"),
        "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
    })


def test_select_and_ignore_from_config(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    rules = {f.rule.split(".")[0] for f in check(tmp_path)}
    assert {"C3", "C5"} <= rules
    write_tree(tmp_path, {".observatory-invariants.toml": 'ignore = ["C5"]\n'})
    assert "C5" not in {f.rule for f in check(tmp_path)}
    write_tree(tmp_path, {".observatory-invariants.toml": 'select = ["C5"]\n'})
    assert {f.rule.split(".")[0] for f in check(tmp_path)} == {"C5"}


def test_cli_select_overrides_config_select(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    write_tree(tmp_path, {".observatory-invariants.toml": 'select = ["C5"]\n'})
    assert {f.rule for f in check(tmp_path, select=["C3"])} == {"C3.version"}


def test_per_path_ignores(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    write_tree(tmp_path, {".observatory-invariants.toml": '[per-path-ignores]\n"contracts/schemas/*.json" = ["C3"]\n'})
    assert "C3" not in {f.rule for f in check(tmp_path)}


def test_severity_override_turns_errors_into_warnings_and_exit_0(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    write_tree(tmp_path, {".observatory-invariants.toml": '[severity]\nC = "warning"\n'})
    findings = check(tmp_path)
    assert findings and {f.severity.value for f in findings} == {"warning"}
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 0 and "[warning]" in proc.stdout


def test_exclude_drops_files(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    write_tree(tmp_path, {".observatory-invariants.toml": 'exclude = ["contracts/schemas/job.json"]\n'})
    ws = open_workspace(tmp_path)
    assert "contracts/schemas/job.json" not in ws.repo.files


def test_custom_layout_paths(tmp_path):
    write_tree(tmp_path, {
        "api/schemas/job.json": schema("job", version="oops"),
        ".observatory-invariants.toml": '[paths]\nschemas = "api/schemas/*.json"\nversions-doc = "api/VERSIONS.md"\n',
        "api/VERSIONS.md": versions_md({"job": "oops"}),
    })
    [f] = check(tmp_path)
    assert f.rule == "C3.version" and f.path == "api/schemas/job.json"


@pytest.mark.parametrize("text, expected", [
    ('docs-url = "https://x/{rule}/{nope}"\n', "docs-url"),
    ('docs-url = "https://x/{rule}/{"\n', "docs-url"),
    ('[per-path-ignores]\n"[z-a]" = ["C2"]\n', "invalid glob '[z-a]'"),
    ('[contracts]\nformats = ["nonexistent-format"]\n', "no checker for 'nonexistent-format'"),
    ('[paths]\nschemas = 3\n', "must be a glob string or a list of glob strings"),
    ('[tool.observatory-invariants]\nselect = ["C"]\n', "without a [tool.…] header"),
    ('[contracts]\ncompat-policy = "sideways"\n', "is not one of"),
])
def test_values_the_schema_cannot_judge_are_config_errors(tmp_path, text, expected):
    write_tree(tmp_path, {".observatory-invariants.toml": text})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert expected in str(err.value)


@pytest.mark.parametrize("files", [
    {"pyproject.toml": "tool = 5\n"},
    {".observatory-invariants.toml": b"\xff\xfe select"},
])
def test_malformed_config_files_exit_2_naming_the_file(tmp_path, files):
    write_tree(tmp_path, {".git/HEAD": "", **files})
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 2 and list(files)[0] in proc.stderr and "internal error" not in proc.stderr


def test_cli_select_beats_config_ignore(tmp_path):
    _repo_with_c3_and_c5_problems(tmp_path)
    write_tree(tmp_path, {".observatory-invariants.toml": 'ignore = ["C3"]\n'})
    assert {f.rule.split(".")[0] for f in check(tmp_path)} == {"C5"}
    assert {f.rule for f in check(tmp_path, select=["C3"])} == {"C3.version"}


@pytest.mark.parametrize("config", ['select = []\n', 'ignore = ["ALL"]\n', 'select = ["I6"]\n'])
def test_a_selection_that_checks_nothing_is_never_a_pass(tmp_path, config):
    write_tree(tmp_path, {".observatory-invariants.toml": config, "contracts/schemas/a.json": schema("a")})
    with pytest.raises(ConfigError, match="nothing to check"):
        check(tmp_path)
    assert run_cli("check", str(tmp_path)).returncode == 2
