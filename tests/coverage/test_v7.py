"""V7: committed Playwright baselines for the CI platform, through the rule and the engine's path computation."""

from __future__ import annotations

import pytest

from observatory_invariants.engines.playwright import (expected_snapshot, read_config, sanitize_before_extension,
                                                        screenshot_calls, trim_long_string)
from observatory_invariants.memory import workspace
from observatory_invariants.rules.coverage.v7_visual_baselines import run

CONFIG = """import { defineConfig, devices } from '@playwright/test';

export default defineConfig({
    testDir: './',
    use: { baseURL: 'http://localhost:8081' },
    projects: [
        { name: 'chromium', use: { ...devices['Desktop Chrome'] } },
    ],
    expect: { toHaveScreenshot: { maxDiffPixelRatio: 0.01 } },
});
"""

SPEC = """import { test, expect } from '@playwright/test';

test('initial render', async ({ page }) => {
    // await expect(page).toHaveScreenshot('commented.png');
    const s = "toHaveScreenshot('in-a-string.png')";
    await expect(page.locator('#terminal')).toHaveScreenshot('terminal-initial.png', { animations: 'disabled' });
    await expect(page).not.toHaveScreenshot('negated.png');
    await expect(page).toHaveScreenshot(`${name}.png`);
});
"""

PNG = b"\x89PNG\r\n\x1a\n"


def v7(files, *, tracked=None, platforms=None):
    from observatory_invariants.config import build_config, validate_raw

    config = None
    if platforms:
        raw = {"coverage": {"visual-platforms": platforms}}
        validate_raw(raw, "test")
        config = build_config(raw)
    ws = workspace(files, config=config, tracked=tracked)
    return sorted(run(ws, None), key=lambda f: f.sort_key())


def test_missing_linux_baseline_is_an_error_naming_the_file():
    found = v7({"tests/visual/playwright.config.ts": CONFIG, "tests/visual/terminal.spec.ts": SPEC})
    assert [(f.rule, f.severity.value, f.line, f.column) for f in found] == [("V7.missing-baseline", "error", 6, 45)]
    assert "tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-linux.png" in found[0].message


def test_present_baseline_passes_and_only_other_platforms_is_its_own_sub_rule():
    files = {"tests/visual/playwright.config.ts": CONFIG, "tests/visual/terminal.spec.ts": SPEC,
             "tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-linux.png": PNG}
    assert v7(files) == []
    files = {"tests/visual/playwright.config.ts": CONFIG, "tests/visual/terminal.spec.ts": SPEC,
             "tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-win32.png": PNG}
    found = v7(files)
    assert [(f.rule, f.severity.value) for f in found] == [("V7.other-platform-only", "error")]
    assert "(only tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-win32.png)" in found[0].message
    assert [f.rule for f in v7(files, platforms=["win32"])] == []
    assert len(v7(files, platforms=["linux", "darwin"])) == 2


def test_a_baseline_on_disk_but_not_committed_is_missing():
    files = {"tests/visual/playwright.config.ts": CONFIG, "tests/visual/terminal.spec.ts": SPEC,
             "tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-linux.png": PNG}
    found = v7(files, tracked=["tests/visual/playwright.config.ts", "tests/visual/terminal.spec.ts"])
    assert [f.severity.value for f in found] == ["error"] and "exists on disk but is not committed" in found[0].message


def test_seed_skipped_describe_is_a_note():
    spec = ("import { test, expect } from '@playwright/test';\n"
            "test.describe.skip('Web Terminal Visual Tests', () => {\n"
            "  test('initial', async ({ page }) => {\n"
            "    await expect(page).toHaveScreenshot('terminal-initial.png');\n  });\n});\n")
    found = v7({"tests/visual/playwright.config.ts": CONFIG, "tests/visual/terminal.spec.ts": spec,
                "tests/visual/terminal.spec.ts-snapshots/terminal-initial-chromium-win32.png": PNG})
    assert [(f.rule, f.severity.value) for f in found] == [("V7.other-platform-only", "note")]
    assert "the test is skipped (test.describe.skip(…))" in found[0].message


def test_conditional_skip_and_anonymous_names_are_warnings():
    spec = ("import { test, expect } from '@playwright/test';\n"
            "test.describe('Home page', () => {\n"
            "  test('renders', async ({ page }) => {\n"
            "    await expect(page).toHaveScreenshot();\n"
            "  });\n"
            "  test('maybe', async ({ page, browserName }) => {\n"
            "    test.skip(browserName === 'webkit', 'flaky');\n"
            "    await expect(page).toHaveScreenshot('maybe.png');\n"
            "  });\n});\n")
    found = v7({"e2e/home.spec.ts": spec})
    assert [(f.severity.value, f.line) for f in found] == [("warning", 4), ("warning", 8)]
    assert "e2e/home.spec.ts-snapshots/Home-page-renders-1-linux.png" in found[0].message      # no projects: no suffix
    assert "test.skip(condition)" in found[1].message
    ok = {"e2e/home.spec.ts": spec, "e2e/home.spec.ts-snapshots/Home-page-renders-1-linux.png": PNG,
          "e2e/home.spec.ts-snapshots/maybe-linux.png": PNG}
    assert v7(ok) == []


def test_a_spec_no_config_governs_and_a_spec_run_from_copies():
    spec = ("import { test, expect } from '@playwright/test';\n"
            "test('loads', async ({ page }) => { expect(await page.screenshot()).toMatchSnapshot('example.png'); });\n")
    # jupyterlab's examples/example.spec.ts is copied into each example (with a generated config) and run there.
    files = {"examples/example.spec.ts": spec, "examples/app/example.spec.ts-snapshots/example-linux.png": PNG}
    assert v7(files) == []
    found = v7({"examples/example.spec.ts": spec})
    assert [f.severity.value for f in found] == ["warning"] and "no playwright.config.* governs" in found[0].message


def test_not_playwright_and_dynamic_names_are_left_alone():
    jest = "test('x', () => { expect(tree).toMatchSnapshot('a.png'); });\n"      # no Playwright config or import
    spec = ("import { test, expect } from '@playwright/test';\n"
            "for (const p of pages) test(p, async ({ page }) => { await expect(page).toHaveScreenshot(`${p}.png`); });\n")
    assert v7({"src/a.test.ts": jest, "e2e/pages.spec.ts": spec}) == []


def test_projects_that_filter_their_specs_and_computed_projects():
    # setup only runs global.setup.ts (decided from its testMatch); mobile lives in another testDir; tagged selects
    # tests by title (undecidable: a warning); firefox ignores snapshots.
    config = ("export default {\n  projects: [\n    { name: 'setup', testMatch: /global\\.setup\\.ts/ },\n"
              "    { name: 'chromium', testMatch: ['tests/**/*.spec.ts'], testIgnore: '**/legacy/**' },\n"
              "    { name: 'mobile', testDir: './mobile' },\n    { name: 'tagged', grep: /@visual/ },\n"
              "    { name: 'firefox', ignoreSnapshots: true },\n  ],\n};\n")
    spec = "import { test, expect } from '@playwright/test';\ntest('a', async ({ page }) => { " \
           "await expect(page).toHaveScreenshot('a.png'); });\n"
    found = v7({"playwright.config.ts": config, "tests/a.spec.ts": spec, "tests/legacy/b.spec.ts": spec})
    # a.spec.ts: chromium runs it (an error); tagged might too, but chromium's baseline is the evidence needed.
    # legacy/b.spec.ts: only tagged might run it (a warning).
    assert [(f.path, f.severity.value, f.message.split("project ")[1][:9]) for f in found] == [
        ("tests/a.spec.ts", "error", "'chromium"), ("tests/legacy/b.spec.ts", "warning", "'tagged';")]
    # Projects built by code: the committed snapshots say which projects run the spec.
    computed = "export default defineConfig({ projects: browsers.map(b => ({ name: b })) });\n"
    files = {"playwright.config.ts": computed, "tests/a.spec.ts": spec,
             "tests/a.spec.ts-snapshots/a-firefox-darwin.png": PNG}
    found = v7(files)
    assert [f.rule for f in found] == ["V7.other-platform-only"] and "a-firefox-linux.png" in found[0].message


def test_snapshot_path_templates():
    config = read_config("web/playwright.config.ts", "export default { testDir: 'tests', snapshotPathTemplate: "
                                                     "'{testDir}/__screenshots__/{testFilePath}/{arg}{ext}' };")
    call = screenshot_calls("test('t', async ({ page }) => { await expect(page).toHaveScreenshot('Hero Card.png'); "
                            "});")[0]
    assert call.name == "Hero-Card.png"                      # sanitised as Playwright does
    assert expected_snapshot("web/tests/ui/card.spec.ts", call, config, None, "linux") == \
        "web/tests/__screenshots__/ui/card.spec.ts/Hero-Card.png"
    config = read_config("playwright.config.ts", "export default { snapshotDir: './snaps', expect: { "
                                                 "toHaveScreenshot: { pathTemplate: '{snapshotDir}/{platform}/{arg}"
                                                 "{ext}' } } };")
    assert expected_snapshot("t/x.spec.ts", call, config, None, "darwin") == "snaps/darwin/Hero-Card.png"


def test_playwright_name_helpers():
    assert sanitize_before_extension("a b/c_d.png") == "a-b-c-d.png"
    assert trim_long_string("x" * 100) == "x" * 100
    long = trim_long_string("y" * 150)
    assert len(long) == 100 and long.startswith("y" * 46 + "-") and long.endswith("-" + "y" * 47)


@pytest.mark.parametrize("source", [
    "/* toHaveScreenshot('a.png') */",
    "const re = /toHaveScreenshot\\('a.png'\\)/;",
    "const t = `toHaveScreenshot('a.png')`;",
    "x.toHaveScreenshot",
])
def test_spec_reader_ignores_non_calls(source):
    assert screenshot_calls(source) == []
