"""Files generated from the rules' declarations match them: regenerate with
``python -m observatory_invariants.generate``."""

import json
import re
from pathlib import Path

import pytest

from observatory_invariants import generate, registry
from observatory_invariants.layout import DEFAULT_PATHS
from observatory_invariants.patterns import path_matches

ROOT = Path(__file__).resolve().parent.parent
HINT = "run: python -m observatory_invariants.generate"


def test_committed_manifest_is_generated():
    assert (ROOT / ".pre-commit-hooks.yaml").read_text() == generate.render_manifest(), HINT


def test_readme_tables_are_generated():
    readme = (ROOT / "README.md").read_text()
    assert generate.update_readme(readme) == readme, HINT


def test_config_schema_options_are_generated_from_the_declarations():
    text = (ROOT / "contracts" / "schemas" / "config.json").read_text()
    assert generate.render_config_schema(text) == text, HINT
    schema = json.loads(text)
    for section, classes in registry.option_sections().items():
        declared = {key for cls in classes for key in cls.keys()}
        assert set(schema["properties"][section]["properties"]) == declared, section
    assert set(DEFAULT_PATHS) == set(schema["properties"]["paths"]["properties"])


@pytest.mark.parametrize("rule", [r for r in generate.declarations()[0]
                                  if (ROOT / "docs" / "rules" / f"{r.id}.md").exists()], ids=lambda r: r.id)
def test_rule_page_headers_are_generated(rule):
    page = (ROOT / "docs" / "rules" / f"{rule.id}.md").read_text()
    assert generate.update_rule_page(rule, page) == page, HINT


def test_generate_check_mode_finds_nothing_stale(capsys):
    assert generate.main(["--check"]) == 0, capsys.readouterr().out


def test_hook_ids_appear_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for hook in registry.HOOKS:
        assert f"`{hook.id}`" in readme, hook.id


@pytest.mark.parametrize("key", sorted(DEFAULT_PATHS))
def test_hook_regex_agrees_with_layout_globs(key):
    samples = ["contracts/schemas/job.json", "contracts/schemas/sub/job.json", "contracts/VERSIONS.md",
               "contracts/fixtures/golden/job-1.json", "src/services/gateway/Dockerfile", "src/services/gateway",
               "Dockerfile", "a/b/Dockerfile.prod", "scripts/run-all-tests.ps1", "x.ps1", "deep/x/y.sh",
               ".github/workflows/ci.yml", "infra/k8s/a/b.yaml", "docker-compose.integration.yml",
               "compose.yaml", "tools/docker-compose.dev.yml", "MODULE.bazel", ".bazelrc", "README.md"]
    for glob in DEFAULT_PATHS[key]:
        regex = re.compile("^" + generate.glob_to_regex(glob) + "$")
        for sample in samples:
            assert bool(regex.match(sample)) == path_matches((glob,), sample), (glob, sample)


def test_no_file_reaches_two_hooks_that_share_a_rule():
    """pre-commit runs hooks separately: two hooks running X3 on one file would print its findings twice."""
    samples = ["scripts/build.ps1", "a/b/module.psm1", "tools/deploy.sh", ".github/workflows/ci.yml",
               ".github/actions/setup/action.yml", "src/app.py", "src/main.rs", "web/app.ts", "config/app.json",
               "config/app.yaml", "src/services/api/Dockerfile", "docker-compose.yml", "contracts/schemas/job.json",
               "contracts/VERSIONS.md", "infra/k8s/api.yaml", "pyproject.toml"]
    shell_typed = {"tools/deploy.sh"}   # what pre-commit's `types: [shell]` selects among the samples

    def reaches(hook, path):
        if hook.types:
            return path in shell_typed
        files, exclude = generate.hook_files_regex(hook), generate.hook_exclude_regex(hook)
        return bool(files and re.match(files, path)) and not (exclude and re.match(exclude, path))

    hooks = [h for h in registry.HOOKS if h.pass_filenames]
    for path in samples:
        seen: dict[str, str] = {}
        for hook in hooks:
            if reaches(hook, path):
                for rule in registry.hook_rules(hook):
                    assert rule not in seen, f"{path}: {rule} runs in both {seen[rule]} and {hook.id}"
                    seen[rule] = hook.id


def test_the_rule_index_is_generated_from_the_declarations():
    assert (ROOT / "observatory_invariants" / "rule_index.py").read_text() == generate.render_rule_index(), HINT
    rules, hooks = registry.declared()
    assert [r.id for r in rules] == [r.id for r in registry.RULES]
    assert [(r.check_target if r.check else None) for r in rules] == [r.check for r in registry.RULES]
