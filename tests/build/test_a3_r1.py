"""A3 (the test entrypoint CI calls) and R1 (the release workflow tests the packaged artifact first)."""

from observatory_invariants.config import build_config
from observatory_invariants.memory import workspace
from observatory_invariants.rules.build.a3_test_entrypoint import run as a3
from observatory_invariants.rules.release.r1_packaged_artifact import run as r1

ENTRY = "scripts/run-all-tests.ps1"


def wf(run, shell="pwsh", extra=""):
    return (f"on: [push]\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - shell: {shell}\n"
            f"{extra}        run: {run}\n")


def rules(found):
    return [(f.rule, f.path) for f in found]


def test_entrypoint_called_in_any_of_its_spellings():
    for run, shell, extra in (("./scripts/run-all-tests.ps1", "pwsh", ""),
                              ("pwsh -NoProfile -File scripts/run-all-tests.ps1", "bash", ""),
                              ("'pwsh -c \"& ./scripts/run-all-tests.ps1 -Fast\"'", "bash", ""),
                              ("./run-all-tests.ps1", "pwsh", "        working-directory: scripts\n")):
        assert a3(workspace({ENTRY: "Write-Host hi\n", ".github/workflows/ci.yml": wf(run, shell, extra)}), None) == []


def test_entrypoint_mentioned_is_not_called():
    for run in ("echo scripts/run-all-tests.ps1", "pytest  # scripts/run-all-tests.ps1"):
        found = a3(workspace({ENTRY: "x\n", ".github/workflows/ci.yml": wf(run, "bash")}), None)
        assert rules(found) == [("A3.not-called", ENTRY)]


def test_applies_only_to_an_existing_or_configured_entrypoint():
    assert a3(workspace({".github/workflows/ci.yml": wf("pytest", "bash")}), None) == []
    assert a3(workspace({ENTRY: "x\n"}), None) == []   # no CI workflows: nothing to call it
    cfg = build_config({"paths": {"test-entrypoint": "tools/test.sh"}})
    assert rules(a3(workspace({"README.md": ""}, config=cfg), None)) == [("A3.missing", "tools/test.sh")]


RELEASE = """\
on:
  push:
    tags: ['v*']
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: cargo build --release
  test-packaged:
    needs: release
    runs-on: ubuntu-latest
    steps:
      - run: |
          cargo package --allow-dirty
          cd target/package/app-*/
          cargo test --locked
  build:
    needs: [release, test-packaged]
    runs-on: ubuntu-latest
    steps:
      - run: cargo build --release
  upload:
    needs: [build]
    runs-on: ubuntu-latest
    steps:
      - uses: softprops/action-gh-release@v2
  crate:
    needs: [release]
    runs-on: ubuntu-latest
    steps:
      - run: cargo publish --token x
"""


def test_publishing_jobs_must_need_the_packaged_test():
    found = r1(workspace({".github/workflows/release.yml": RELEASE}), None)
    assert [(f.rule, f.line) for f in found] == [("R1.publish-before-test", 27)]
    assert "'crate' publishes" in found[0].message
    fixed = RELEASE.replace("  crate:\n    needs: [release]", "  crate:\n    needs: [release, test-packaged]")
    assert r1(workspace({".github/workflows/release.yml": fixed}), None) == []


def test_no_packaged_test_at_all():
    text = RELEASE.replace("cargo package --allow-dirty", "echo skip packaging")
    found = r1(workspace({".github/workflows/release.yml": text}), None)
    assert [f.rule for f in found] == ["R1.no-packaged-test"]
    # testing before packaging is not testing the package
    swapped = RELEASE.replace("cargo package --allow-dirty\n          cd target/package/app-*/\n          cargo test",
                              "cargo test --locked\n          cargo package")
    assert [f.rule for f in r1(workspace({".github/workflows/release.yml": swapped}), None)] == ["R1.no-packaged-test"]


def test_release_workflows_of_other_ecosystems_are_not_judged_by_the_cargo_defaults():
    npm = "on: [push]\njobs:\n  pub:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n"
    assert r1(workspace({".github/workflows/release.yml": npm}), None) == []
    cfg = build_config({"release": {"applies-when": ["npm publish"], "package-commands": ["npm pack"],
                                    "test-commands": ["npm test"]}})
    assert [f.rule for f in r1(workspace({".github/workflows/release.yml": npm}, config=cfg), None)] == \
        ["R1.no-packaged-test"]
    assert r1(workspace({".github/workflows/ci.yml": RELEASE}), None) == []   # not the release workflow
