"""Every reader on small hand-written reports whose totals are computed by hand in the comments."""

from __future__ import annotations

import io
import json

import pytest

from observatory_invariants.parsers.coverage import (Counter, CoverageReportError, FileCoverage, format_native,
                                                     go_module_path, normalise_path, read_cobertura,
                                                     read_coverage_json, read_coverage_xml, read_go_profile,
                                                     read_istanbul_final, read_istanbul_summary, read_lcov,
                                                     read_report, read_tarpaulin_json, relative_path,
                                                     relative_to_folder, sniff_format)

# --- LCOV -----------------------------------------------------------------------------------------------

LCOV = b"""TN:unit
SF:/ci/repo/src/a.c
FN:1,main
FNDA:1,main
FN:9,helper
FNDA:0,helper
DA:1,1
DA:2,0
DA:3,5
BRDA:2,0,0,1
BRDA:2,0,1,-
LF:3
LH:2
end_of_record
TN:integration
SF:/ci/repo/src/a.c
DA:2,4
DA:4,0
BRDA:2,0,1,3
FNDA:2,helper
end_of_record
SF:/ci/repo/src/b.c
DA:1,-1
end_of_record
SF:/ci/repo/src/empty.c
FN:1,f
end_of_record
"""


def test_lcov_merges_records_of_one_file_by_line_function_and_branch():
    report = read_lcov(LCOV, "lcov.info")
    files = {f.path: f for f in report.files}
    # a.c: lines 1,2,3,4 found; 1,2(second record),3 hit -> 3 of 4. helper hit in the second record -> 2 of 2.
    # branch (2,0,0) taken, (2,0,1) taken in the second record -> 2 of 2.
    assert files["/ci/repo/src/a.c"] == FileCoverage("/ci/repo/src/a.c", lines=Counter(3, 4),
                                                     branches=Counter(2, 2), functions=Counter(2, 2))
    assert files["/ci/repo/src/b.c"].lines == Counter(0, 1)        # a negative count is 0, as in lcov
    assert "/ci/repo/src/empty.c" not in files                       # no DA: lcov drops the file
    assert report.total() == Counter(3, 5)
    assert report.native_total_text() == "60.0%"
    assert report.declared["lines"] == Counter(2, 3)                 # the file's own LF/LH claims, kept aside


def test_lcov_2_function_lines_and_text_branch_ids():
    text = "SF:x.py\nFN:1,4,f\nFNDA:0,f\nDA:1,1\nBRDA:2,e0,jump to line 3,1\nBRDA:2,e0,jump to line 4,-\nend_of_record\n"
    file = read_lcov(text).files[0]
    assert (file.functions, file.branches) == (Counter(0, 1), Counter(1, 2))


def test_lcov_crlf_bom_and_text_stream():
    data = "\ufeffSF:a.c\r\nDA:1,1\r\nDA:2,0\r\nend_of_record\r\n"
    assert read_lcov(io.StringIO(data)).total() == Counter(1, 2)
    assert read_lcov(io.BytesIO(data.encode())).total() == Counter(1, 2)


def test_lcov_native_rate_never_rounds_to_0_or_100():
    assert format_native("lcov", Counter(1, 10000)) == "0.1%"      # 0.01% would print 0.0
    assert format_native("lcov", Counter(9999, 10000)) == "99.9%"  # 99.99% would print 100.0
    assert format_native("lcov", Counter(0, 0)) == "-"

# --- Go ---------------------------------------------------------------------------------------------


GO = b"""mode: count
example.com/m/main.go:5.25,7.2 1 3
example.com/m/main.go:9.26,10.12 2 0
example.com/m/main.go:9.26,10.12 2 4
example.com/m/v/v.go:3.30,4.15 3 0
example.com/m/v/v.go:6.2,6.13 1 1
"""


def test_go_profile_merges_repeated_blocks_and_weights_statements():
    report = read_go_profile(GO, "cover.out")
    files = {f.path: f.statements for f in report.files}
    # main.go: block 1 (1 stmt, hit), block 2 written twice (2 stmts, 0 + 4 = hit) -> 3 of 3.
    # v.go: 3 stmts missed, 1 hit -> 1 of 4. Total 4 of 7 = 57.142...% -> "57.1%".
    assert files == {"example.com/m/main.go": Counter(3, 3), "example.com/m/v/v.go": Counter(1, 4)}
    assert report.native_total_text() == "57.1%"


def test_go_set_mode_ors_counts_and_module_path_strips():
    report = read_go_profile("mode: set\nm/a.go:1.1,2.2 2 0\nm/a.go:1.1,2.2 2 1\n")
    assert report.total() == Counter(2, 2)
    module = go_module_path('// comment\nmodule "m"\n\ngo 1.21\n')
    assert [f.path for f in relative_to_folder(report, "", roots=(module,)).files] == ["a.go"]


def test_go_file_names_with_colons_and_inconsistent_numstmt():
    report = read_go_profile("mode: set\nC:/w/a:b.go:1.1,2.2 1 1\n")
    assert report.files[0].path == "C:/w/a:b.go"
    with pytest.raises(CoverageReportError, match=r"cover.out:3: inconsistent NumStmt"):
        read_go_profile("mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.2 3 1\n", "cover.out")


def test_go_empty_profile_has_zero_statements_not_an_error():
    report = read_go_profile("mode: atomic\n")
    assert report.total() == Counter(0, 0) and report.total().percent is None
    assert report.native_total_text() == "0.0%"     # go tool cover -func prints 0.0% for nothing

# --- Cobertura / coverage.py XML -------------------------------------------------------------------------


COBERTURA = b"""<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.5" branch-rate="0.25" lines-covered="3" lines-valid="6" branches-covered="1" branches-valid="4">
  <sources><source>/ci/repo/src/services/api</source></sources>
  <packages><package name="p"><classes>
    <class name="A" filename="pkg\\A.java">
      <methods><method name="m"><lines><line number="1" hits="1"/><line number="99" hits="0"/></lines></method></methods>
      <lines>
        <line number="1" hits="1"/>
        <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/>
        <line number="3" hits="0"/>
      </lines>
    </class>
    <class name="A$Inner" filename="pkg/A.java">
      <lines><line number="3" hits="2"/><line number="4" hits="0" branch="true" condition-coverage="0% (0/2)"/></lines>
    </class>
    <class name="B" filename="pkg/B.java"><lines><line number="1" hits="0"/></lines></class>
  </classes></package></packages>
</coverage>
"""


def test_cobertura_counts_class_lines_merges_classes_and_skips_method_lines():
    report = read_cobertura(COBERTURA)
    files = {f.path: f for f in report.files}
    # A.java: lines 1,2,3,4 (3 hit by the inner class) -> 2 of 4; conditions 1/2 + 0/2 -> 1 of 4.
    # Method line 99 is a repeat of class data and never counts. B.java: 0 of 1.
    assert files["pkg/A.java"] == FileCoverage("pkg/A.java", lines=Counter(2, 4), branches=Counter(1, 4))
    assert files["pkg/B.java"].lines == Counter(0, 1)
    assert report.total() == Counter(2, 5)
    assert report.roots == ("/ci/repo/src/services/api",)
    assert report.declared["lines"] == Counter(3, 6)


def test_coverage_py_xml_lines_are_statements_and_total_adds_branches():
    xml = (b'<?xml version="1.0" ?><!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.0 -->'
           b'<coverage><packages><package><classes><class filename="m.py"><lines>'
           b'<line number="1" hits="1"/><line number="2" hits="1" branch="true" condition-coverage="50% (1/2)"/>'
           b'<line number="3" hits="0"/></lines></class></classes></package></packages></coverage>')
    report = read_report("coverage.xml", xml)
    assert report.format == "coverage.py-xml"
    # statements 2 of 3 plus branches 1 of 2 -> 3 of 5 = 60%.
    assert report.total() == Counter(3, 5) and report.native_total_text() == "60"
    assert read_coverage_xml(xml).total("statements") == Counter(2, 3)

# --- coverage.py JSON ---------------------------------------------------------------------------------


def _coverage_json(branch: bool) -> dict:
    def summary(covered, statements, cb=0, nb=0):
        out = {"covered_lines": covered, "num_statements": statements, "missing_lines": statements - covered}
        if branch:
            out.update(covered_branches=cb, num_branches=nb, num_partial_branches=0, missing_branches=nb - cb)
        return out

    return {"meta": {"format": 3, "version": "7.6.0", "branch_coverage": branch},
            "files": {"pkg/a.py": {"summary": summary(8, 10, 3, 4)}, "pkg\\b.py": {"summary": summary(0, 0)}},
            "totals": summary(8, 10, 3, 4)}


def test_coverage_json_statements_and_branches():
    report = read_coverage_json(json.dumps(_coverage_json(True)))
    # (8 + 3) / (10 + 4) = 78.57% -> coverage report prints "79" at precision 0, "78.57" at 2.
    assert report.total() == Counter(11, 14)
    assert (report.native_total_text(), report.native_total_text(precision=2)) == ("79", "78.57")
    assert [f.path for f in report.files] == ["pkg/a.py", "pkg/b.py"]
    plain = read_coverage_json(json.dumps(_coverage_json(False)))
    assert plain.total() == Counter(8, 10) and "branches" not in plain.measurements


def test_coverage_py_display_never_rounds_to_100_or_0():
    assert format_native("coverage.py-json", Counter(999, 1000)) == "99"
    assert format_native("coverage.py-json", Counter(1, 1000)) == "1"
    assert format_native("coverage.py-json", Counter(0, 0)) == "100"   # coverage.py calls nothing 100%

# --- tarpaulin (not installable here: hand-computed, shaped like tarpaulin 0.27+'s --out Json) ---------


TARPAULIN = {
    "files": [
        {"path": ["/", "home", "runner", "work", "r", "r", "src", "interfaces", "tui", "src", "lib.rs"],
         "content": "...", "covered": 2, "coverable": 3,
         "traces": [{"line": 3, "address": [1], "length": 1, "stats": {"Line": 4}},
                    {"line": 4, "address": [2], "length": 1, "stats": {"Line": 0}},
                    {"line": 7, "address": [3], "length": 1, "stats": {"Line": 1}}]},
        {"path": ["/", "home", "runner", "work", "r", "r", "src", "interfaces", "tui", "src", "main.rs"],
         "content": "...", "covered": 0, "coverable": 5,
         "traces": [{"line": n, "address": [], "length": 1, "stats": {"Line": 0}} for n in range(1, 6)]},
    ],
    "coverage": 25.0, "covered": 2, "coverable": 8,
}


def test_tarpaulin_counts_traces_and_prints_two_decimals():
    report = read_tarpaulin_json(json.dumps(TARPAULIN))
    # lib.rs 2 of 3, main.rs 0 of 5: 2 of 8 = "25.00%" (tarpaulin: "25.00% coverage, 2/8 lines covered").
    assert report.total() == Counter(2, 8) == report.declared["lines"]
    assert report.native_total_text() == "25.00%"
    relative = relative_to_folder(report, "src/interfaces/tui")
    assert [f.path for f in relative.files] == ["src/lib.rs", "src/main.rs"]


def test_tarpaulin_branch_and_condition_traces_count_two_each():
    document = {"files": [{"path": ["src", "a.rs"], "traces": [
        {"line": 1, "stats": {"Branch": {"been_true": True, "been_false": False}}},
        {"line": 2, "stats": {"Condition": [{"been_true": True, "been_false": True}, {"been_true": False,
                                                                                      "been_false": False}]}},
        {"line": 3, "stats": {"Line": 1}}]}]}
    file = read_tarpaulin_json(json.dumps(document)).files[0]
    # branch 1 of 2, conditions 2 of 4, line 1 of 1 -> tarpaulin's own count: 4 of 7.
    assert (file.lines, file.branches) == (Counter(4, 7), Counter(3, 6))

# --- istanbul --------------------------------------------------------------------------------------------


def test_istanbul_summary_per_file_blocks_and_floored_pct():
    block = lambda c, t: {"covered": c, "total": t, "skipped": 0, "pct": 0}  # noqa: E731
    document = {"total": {k: block(2, 3) for k in ("lines", "statements", "functions", "branches")},
                "/repo/lib/a.ts": {"lines": block(2, 3), "statements": block(2, 3), "functions": block(1, 1),
                                   "branches": block(0, 0)}}
    report = read_istanbul_summary(json.dumps(document))
    assert report.total("statements") == Counter(2, 3)
    assert report.native_total_text("statements") == "66.66"   # istanbul floors: 66.666... -> 66.66
    assert report.native_total_text("branches") == "100"       # istanbul's 100 for nothing; percent is None
    assert report.total("branches").percent is None


def test_istanbul_final_lines_come_from_statement_start_lines():
    document = {"/repo/a.js": {
        "path": "/repo/a.js",
        "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 9}},
                         "1": {"start": {"line": 1, "column": 10}, "end": {"line": 1, "column": 20}},
                         "2": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 9}}},
        "s": {"0": 0, "1": 3, "2": 0},
        "fnMap": {"0": {}}, "f": {"0": 1},
        "branchMap": {"0": {}}, "b": {"0": [1, 0, 0]}}}
    file = read_istanbul_final(json.dumps(document)).files[0]
    # statements 1 of 3; line 1 covered (its busiest statement ran), line 2 not -> 1 of 2; branches 1 of 3.
    assert (file.statements, file.lines, file.branches, file.functions) == (
        Counter(1, 3), Counter(1, 2), Counter(1, 3), Counter(1, 1))

# --- sniffing and paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,head,expected", [
    ("cover.out", b"mode: set\n", "go"),
    ("lcov.info", b"TN:\nSF:a\n", "lcov"),
    ("x.txt", b"SF:a\nDA:1,1\n", "lcov"),
    ("coverage.xml", b"<?xml version='1.0'?><!-- Generated by coverage.py -->", "coverage.py-xml"),
    ("cobertura.xml", b"<?xml version='1.0'?><coverage>", "cobertura"),
    ("coverage.json", b'{"meta": {"format": 3}, "files": {}, "totals": {}}', "coverage.py-json"),
    ("tarpaulin-report.json", b'{"files":[{"path":["/"]', "tarpaulin"),
    ("coverage-summary.json", b'{"total": {"lines": {}}}', "istanbul-summary"),
    ("coverage-final.json", b'{"/a.js": {"path": "/a.js", "statementMap": {}}}', "istanbul-final"),
    (".coverage", b"SQLite format 3\x00....", "coverage.py-data"),
    ("notes.txt", b"hello", None),
])
def test_sniff_format(name, head, expected):
    assert sniff_format(name, head) == expected


def test_read_report_from_a_stream_after_sniffing():
    assert read_report("cover.out", io.BytesIO(GO)).total() == Counter(4, 7)
    assert read_report("cover.out", io.StringIO(GO.decode())).total() == Counter(4, 7)
    assert read_report("anything", GO, format="go").total() == Counter(4, 7)


def test_paths_normalised_and_made_service_relative():
    assert normalise_path("C:\\w\\repo\\.\\src//a.py") == "C:/w/repo/src/a.py"
    assert normalise_path("./src/../lib/a.py") == "lib/a.py"
    assert relative_path("src/services/tui/src/lib.rs", "src/services/tui") == "src/lib.rs"
    assert relative_path("/home/runner/work/r/r/src/services/tui/src/lib.rs", "src/services/tui") == "src/lib.rs"
    assert relative_path("src/lib.rs", "src/services/tui") == "src/lib.rs"          # already relative
    assert relative_path("/ci/src/a.py", "svc", roots=("/ci/src",)) == "a.py"
    assert relative_path("src/services/tuix/a.rs", "src/services/tui") == "src/services/tuix/a.rs"


def test_two_files_landing_on_one_relative_path_are_an_error():
    report = read_lcov("SF:/a/svc/x.c\nDA:1,1\nend_of_record\nSF:svc/x.c\nDA:1,1\nend_of_record\n")
    with pytest.raises(CoverageReportError, match="both 'x.c'"):
        relative_to_folder(report, "svc")
