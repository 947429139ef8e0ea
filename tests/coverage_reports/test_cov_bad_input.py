"""Bad input: every reader raises CoverageReportError naming the file (and the line where known), never a
traceback from deep inside; XML bombs are refused before they expand."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from observatory_invariants.parsers.coverage import (CoverageReportError, read_cobertura, read_coverage_data,
                                                     read_coverage_json, read_go_profile, read_istanbul_final,
                                                     read_istanbul_summary, read_lcov, read_report,
                                                     read_tarpaulin_json)

VALID_XML = (b'<?xml version="1.0"?><coverage><packages><package><classes><class filename="a.py"><lines>'
             b'<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>')


def test_truncated_xml_names_file_and_line():
    with pytest.raises(CoverageReportError) as caught:
        read_cobertura(VALID_XML[:VALID_XML.index(b"</classes>")] + b"\n\n", "coverage.xml")
    assert caught.value.source == "coverage.xml" and caught.value.line == 3
    assert "truncated file?" in str(caught.value)


def test_billion_laughs_is_refused_quickly():
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    bomb += b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
    bomb += b"<coverage><source>&lol9;</source></coverage>\n"
    started = time.perf_counter()
    with pytest.raises(CoverageReportError, match="internal DTD subset"):
        read_cobertura(bomb, "bomb.xml")
    assert time.perf_counter() - started < 1


def test_external_entity_is_refused_and_an_external_dtd_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file://%s">]>\n'
           b'<coverage><sources><source>&xxe;</source></sources></coverage>' % str(secret).encode())
    with pytest.raises(CoverageReportError, match="xxe.xml:2: an internal DTD subset is not allowed"):
        read_cobertura(xxe, "xxe.xml")
    # Java Cobertura and gcovr write a bare DOCTYPE: allowed, and the DTD is never loaded.
    bare = (b'<?xml version="1.0"?><!DOCTYPE coverage SYSTEM "file://%s">'
            b'<coverage><sources><source>/src</source></sources></coverage>' % str(secret).encode())
    assert read_cobertura(bare).roots == ("/src",)


def test_not_cobertura_root_element():
    with pytest.raises(CoverageReportError, match="jacoco.xml:1: the root element is <report>"):
        read_cobertura(b'<?xml version="1.0"?><report name="x"></report>', "jacoco.xml")


def test_lcov_record_without_end_of_record():
    with pytest.raises(CoverageReportError, match=r"lcov.info:4: the record for 'b.c' opened at line 4 has no "
                                                  r"end_of_record"):
        read_lcov(b"SF:a.c\nDA:1,1\nend_of_record\nSF:b.c\nDA:1,1\n", "lcov.info")
    with pytest.raises(CoverageReportError, match=r"lcov.info:3: SF: inside the record opened at line 1"):
        read_lcov(b"SF:a.c\nDA:1,1\nSF:b.c\nend_of_record\n", "lcov.info")


@pytest.mark.parametrize("line,message", [
    ("DA:x,1", "DA line number: 'x' is not an integer"),
    ("DA:1", "DA: needs line,count"),
    ("BRDA:1,0", "BRDA: needs line,block,branch,taken"),
    ("garbage", "not an LCOV line"),
])
def test_lcov_malformed_line_names_it(line, message):
    with pytest.raises(CoverageReportError, match=f"lcov.info:2: {message}"):
        read_lcov(f"SF:a.c\n{line}\nend_of_record\n", "lcov.info")


@pytest.mark.parametrize("profile,line,message", [
    ("mode: set\na.go:1.1,2.2 1\n", 2, "does not match"),
    ("mode: set\na.go:1.1,2.2 1 1\n\n", 3, "does not match"),          # Go refuses a blank line too
    ("mode: bogus\n", 1, "unknown cover mode"),
    ("a.go:1.1,2.2 1 1\n", 1, "bad mode line"),
    ("mode: set\n:1.1,2.2 1 1\n", 2, "does not match"),                # no file name
    ("mode: set\na.go:1.1,2.2 1 99999999999999999999\n", 2, "out of range"),
])
def test_go_bad_lines(profile, line, message):
    with pytest.raises(CoverageReportError) as caught:
        read_go_profile(profile, "cover.out")
    assert caught.value.line == line and message in caught.value.message


def test_non_utf8_names_the_line():
    with pytest.raises(CoverageReportError, match=r"lcov.info:2: not UTF-8 text \(byte 0xff"):
        read_lcov(b"SF:a.c\nDA:1,1\xff\nend_of_record\n", "lcov.info")
    with pytest.raises(CoverageReportError, match=r"cover.out:2: not UTF-8"):
        read_go_profile(b"mode: set\n\xc3(.go:1.1,2.2 1 1\n", "cover.out")
    with pytest.raises(CoverageReportError, match=r"cov.json:2: not UTF-8"):
        read_coverage_json(b'{"files": {},\n"x": "\xff"}', "cov.json")
    with pytest.raises(CoverageReportError, match=r"c.xml:1: invalid XML"):
        read_cobertura(b'<?xml version="1.0" encoding="utf-8"?><coverage><source>\xff</source></coverage>', "c.xml")


def test_huge_numbers_are_exact_or_refused_never_a_crash():
    big = "9" * 25
    report = read_lcov(f"SF:a.c\nDA:1,{big}\nDA:{big},0\nend_of_record\n")
    assert report.total().covered == 1 and report.total().total == 2
    with pytest.raises(CoverageReportError, match="too large"):
        read_lcov(f"SF:a.c\nDA:1,{'9' * 5000}\nend_of_record\n", "lcov.info")
    with pytest.raises(CoverageReportError, match="cov.json: invalid JSON"):
        read_coverage_json('{"files": {"a.py": {"summary": {"covered_lines": %s}}}}' % ("9" * 5000), "cov.json")
    with pytest.raises(CoverageReportError, match="expected a non-negative integer"):
        read_coverage_json('{"files": {"a.py": {"summary": {"covered_lines": 1e400, "num_statements": 1}}}}')
    with pytest.raises(CoverageReportError, match="NaN is not a JSON number"):
        read_istanbul_summary('{"total": {"lines": {"covered": NaN, "total": 1}}}')


def test_counts_that_contradict_themselves():
    with pytest.raises(CoverageReportError, match="covered_lines \\(5\\) exceeds num_statements \\(3\\)"):
        read_coverage_json('{"files": {"a.py": {"summary": {"covered_lines": 5, "num_statements": 3}}}}')
    with pytest.raises(CoverageReportError, match="covers more than its total"):
        read_cobertura(VALID_XML.replace(b'hits="1"', b'hits="1" branch="true" condition-coverage="300% (3/1)"'))


@pytest.mark.parametrize("reader", [read_coverage_json, read_tarpaulin_json, read_istanbul_summary,
                                    read_istanbul_final, read_lcov, read_go_profile, read_cobertura])
def test_empty_file_is_an_error_naming_it(reader):
    with pytest.raises(CoverageReportError, match="^report: .*(empty|no SF)"):
        reader(b"", "report")


def test_empty_reports_have_zero_statements_and_no_percent():
    for report in (read_coverage_json('{"meta": {}, "files": {}, "totals": {}}'),
                   read_tarpaulin_json('{"files": [], "coverage": 0, "covered": 0, "coverable": 0}'),
                   read_istanbul_final("{}"),
                   read_istanbul_summary(
                       '{"total": {"lines": {"covered": 0, "total": 0}, "statements": {"covered": 0, "total": 0},'
                       '"functions": {"covered": 0, "total": 0}, "branches": {"covered": 0, "total": 0}}}'),
                   read_cobertura(b"<coverage/>")):
        total = report.total()
        assert total.total == 0 and total.percent is None and total.fraction is None


def test_wrong_json_shapes():
    with pytest.raises(CoverageReportError, match="not a coverage.py JSON report"):
        read_coverage_json("[1, 2]", "cov.json")
    with pytest.raises(CoverageReportError, match=r"files\[0\].traces\[0\].stats: unknown trace kind 'Lines'"):
        read_tarpaulin_json('{"files": [{"path": ["a.rs"], "traces": [{"stats": {"Lines": 1}}]}]}')
    with pytest.raises(CoverageReportError, match="no statementMap/s"):
        read_istanbul_final('{"a.js": {"path": "a.js"}}')
    with pytest.raises(CoverageReportError, match=r"cov.json:1: invalid JSON"):
        read_coverage_json('{"files": ', "cov.json")


def test_unrecognised_format():
    with pytest.raises(CoverageReportError, match="notes.txt: unrecognised coverage report format"):
        read_report("notes.txt", b"hello world")
    with pytest.raises(CoverageReportError, match="unknown report format 'jacoco'"):
        read_report("x.xml", b"<report/>", format="jacoco")


# --- coverage.py data files ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_data_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("covdata")
    (root / "m.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\nf(1)\n")
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "m.py"], cwd=root, check=True,
                   capture_output=True)
    return root


def test_data_file_from_another_coverage_version(real_data_file, tmp_path):
    old = tmp_path / ".coverage"
    old.write_bytes((real_data_file / ".coverage").read_bytes())
    with sqlite3.connect(old) as db:
        db.execute("update coverage_schema set version = 3")
    with pytest.raises(CoverageReportError, match=r"\.coverage: coverage.py cannot use this data file: .*schema"):
        read_coverage_data(old, real_data_file)


def test_sqlite_that_is_not_a_coverage_database(tmp_path):
    other = tmp_path / ".coverage"
    with sqlite3.connect(other) as db:
        db.execute("create table t (x)")
    with pytest.raises(CoverageReportError, match="coverage.py cannot use this data file"):
        read_coverage_data(other, tmp_path)


def test_pre_5_json_data_file_or_garbage(tmp_path):
    legacy = tmp_path / ".coverage"
    legacy.write_text('!coverage.py: This is a private format, don\'t read it directly!{"lines": {}}')
    with pytest.raises(CoverageReportError, match="not a coverage.py data file"):
        read_coverage_data(legacy, tmp_path)
    with pytest.raises(CoverageReportError, match="cannot read the data file"):
        read_coverage_data(tmp_path / "missing", tmp_path)


def test_data_file_whose_sources_are_gone(tmp_path):
    (tmp_path / "gone.py").write_text("x = 1\n")
    subprocess.run([sys.executable, "-m", "coverage", "run", "gone.py"], cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "gone.py").unlink()
    with pytest.raises(CoverageReportError, match="no source for .*gone.py"):
        read_coverage_data(tmp_path / ".coverage", tmp_path)


def test_reading_never_changes_the_data_file(tmp_path):
    other = tmp_path / ".coverage"
    with sqlite3.connect(other) as db:
        db.execute("create table t (x)")
    before = other.read_bytes()
    with pytest.raises(CoverageReportError):
        read_coverage_data(other, tmp_path)
    assert other.read_bytes() == before


def test_data_file_read_through_read_report(real_data_file):
    report = read_report(str(real_data_file / ".coverage"), b"SQLite format 3\x00", source_root=real_data_file)
    assert [f.path for f in report.files] == ["m.py"]
    with pytest.raises(CoverageReportError, match="needs its sources"):
        read_report(".coverage", b"SQLite format 3\x00")


def test_readers_do_not_import_heavy_modules():
    code = ("import sys; import observatory_invariants.parsers.coverage as c; "
            "c.read_lcov('SF:a\\nDA:1,1\\nend_of_record\\n'); "
            "print(sorted(m for m in ('coverage', 'xml.parsers.expat', 'jsonschema') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
