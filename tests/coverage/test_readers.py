"""The small readers under the coverage rules: markdown tables, the JS/TS tokenizer and object literals, and the
coverage-gate scanner on its own (sh and PowerShell)."""

from __future__ import annotations

import pytest

from observatory_invariants.engines.coverage_gates import coverage_name, scan_pwsh, scan_sh, unquote
from observatory_invariants.parsers.jsts import UNKNOWN, Obj, exported_object, literal, tokenize
from observatory_invariants.parsers.markdown_tables import plain_text, split_cells, tables


def test_markdown_cells_escapes_code_spans_and_positions():
    cells = split_cells("| a \\| b | `x|y` | **c** |")
    assert [(c.text, c.column) for c in cells] == [("a | b", 3), ("`x|y`", 12), ("**c**", 20)]
    assert split_cells("no pipes here") is None
    assert plain_text("[**web_pty_server**](x.md) `code` <br>") == "web_pty_server code"


def test_markdown_tables_need_a_delimiter_row_and_skip_fences():
    text = "| h1 | h2 |\n|:---|---:|\n| 1 | 2 |\n\n| not | a table |\n| 3 | 4 |\n```\n| a | b |\n|---|---|\n```\n"
    found = tables(text)
    assert [(t.line, t.header, [r.line for r in t.rows]) for t in found] == [(1, ("h1", "h2"), [3])]


def test_js_tokenizer_strings_templates_regex_and_division():
    tokens = tokenize("a = b / 2 / c; r = /x\\/y[/]z/g; s = 'q\\'s'; t = `a${ `b${c}` }d`; // x('y')\n")
    kinds = [(t.kind, t.text) for t in tokens if t.kind != "punct"]
    assert ("regex", "/x\\/y[/]z/g") in kinds and ("string", "'q\\'s'") in kinds
    assert [t.value for t in tokens if t.kind == "string"] == ["q's"]
    assert sum(1 for t in tokens if t.kind == "punct" and t.text == "/") == 2
    assert not any(t.text == "x" for t in tokens)        # the comment is dropped


def test_object_literals_and_the_exported_config():
    text = ("import { defineConfig } from 'x';\nconst shared = {a: 1};\n"
            "const config: Config = { ...shared, testDir: './e2e', n: 1_000, re: /a/, f() { return 1 },"
            " 'quoted-key': [1, 'two', true, null], computed: path.join(a, b) } as const;\nexport default config;\n")
    obj = exported_object(tokenize(text))
    assert isinstance(obj, Obj) and obj.open                                      # the spread
    assert obj["testDir"] == "./e2e" and obj["n"] == 1000 and obj["quoted-key"] == [1, "two", True, None]
    assert obj["computed"] is UNKNOWN and obj["f"] is UNKNOWN
    assert obj.positions["testDir"] == (3, 37)
    assert literal(tokenize("{ a: 1 } + x"), 0, 7) is UNKNOWN


def test_unquote_and_coverage_names():
    assert unquote("'a b'\"c\\\"d\"e\\ f$'g'") == 'a bc"de fg'
    assert [n for n in ("coverage_pct", "TOTAL_COV", "covPercent", "COV", "recovery", "discover", "covid19x")
            if coverage_name(n)] == ["coverage_pct", "TOTAL_COV", "covPercent", "COV", "covid19x"]


@pytest.mark.parametrize("script,expected", [
    ("coverage report --fail-under=92.5", [("coverage.py", 92.5, None)]),
    ("python -m coverage report --fail-under 90 -m", [("coverage.py", 90.0, None)]),
    ("cargo llvm-cov --fail-under-lines 70 --lcov", [("cargo-llvm-cov", 70.0, "lines")]),
    ("npx nyc --check-coverage --lines 85 --branches=70 mocha", [("nyc", 85.0, "lines"), ("nyc", 70.0, "branches")]),
    ("npx c8 check-coverage --statements 60", [("c8", 60.0, "statements")]),
    ("jest --coverage --coverageThreshold='{\"global\":{\"lines\":75}}'", [("jest", 75.0, "lines")]),
    ("vitest run --coverage --coverage.thresholds.100", [("vitest", 100.0, m)
                                                          for m in ("lines", "statements", "branches", "functions")]),
    ("nyc report --lines 80", []),                          # nyc without --check-coverage: a report, not a gate
    ("pytest --cov-fail-under=0", []),                      # 0 is no threshold
    ("test $(cat cov.txt) -ge 90 || exit 1", []),           # no evidence the number is coverage
    ("awk -v cov=\"$COVERAGE\" 'BEGIN { if (cov < 80) exit 1 }'", [("shell", 80.0, None)]),
])
def test_gate_flags(script, expected):
    assert [(g.tool, g.threshold, g.measurement) for g in scan_sh(script).gates] == expected


def test_gate_directories_and_package_scripts():
    scan = scan_sh("cd src/services/gateway\nnpm --prefix ../web run cover || true\nyarn test\n"
                   "pnpm -C packages/x coverage\ngo test ./src/services/read-model/... -coverprofile=c.out "
                   "&& cov=$(go tool cover -func=c.out) && [ \"$cov\" -gt 50 ]")
    assert [(p.name, p.directory, p.swallowed) for p in scan.package_scripts] == [
        ("cover", "src/services/web", "|| true"), ("test", "src/services/gateway", None),
        ("coverage", "src/services/gateway/packages/x", None)]
    gate = scan.gates[-1]
    assert (gate.threshold, gate.directories) == (50.0, ("src/services/gateway",))   # the folder it runs in


def test_pwsh_gates_and_chains():
    scan = scan_pwsh("Set-Location src/services/processor\npytest --cov-fail-under=70 || Write-Host 'low'\n"
                     "# pytest --cov-fail-under=99\nif ([double]$TotalCoverage -lt 65) { exit 1 }\n")
    assert [(g.tool, g.threshold, g.swallowed, g.directories) for g in scan.gates] == [
        ("pytest-cov", 70.0, "|| write-host", ("src/services/processor",)),
        ("shell", 65.0, None, ("src/services/processor",))]


def test_hostile_inputs_stay_linear_and_never_recurse_too_deep():
    import time

    from observatory_invariants.engines.coverage_gates import comparisons
    from observatory_invariants.engines.playwright import screenshot_calls

    started = time.perf_counter()
    assert exported_object(tokenize("export default " + "[" * 50000 + "]" * 50000 + ";")) is None
    deep = exported_object(tokenize("export default " + "{a:" * 3000 + "1" + "}" * 3000))
    assert isinstance(deep, Obj)                                  # depth beyond 64 is UNKNOWN, not a crash
    assert comparisons("x" * 100000 + " -lt 80 $cov -lt 70", False, False) == [(70.0, "$cov -lt 70", 100013)]
    spec = "test.describe('d', () => {\n" + "test('t', async ({ page }) => { await expect(page)" \
           ".toHaveScreenshot(); });\n" * 3000 + "});\n"
    assert len(screenshot_calls(spec)) == 3000
    assert time.perf_counter() - started < 10
