"""Go for real: `go test -coverprofile` on a tiny module, our total against `go tool cover -func`'s total line.

Modes set, count and atomic; `-coverpkg=./...` across two packages writes every block once per test binary,
which is the de-duplication `go tool cover` performs and we must match.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from observatory_invariants.engines.coverage import evaluate_service
from observatory_invariants.engines.coverage_config import load_coverage_config
from observatory_invariants.parsers.coverage import go_module_path, read_go_profile, read_report, relative_to_folder
from tests.coverage_reports.realtools import need_tool, run, write

pytestmark = pytest.mark.slow

MODULE = {
    "go.mod": "module example.com/metrics\n\ngo 1.19\n",
    "main.go": (
        "package main\n\n"
        "import \"fmt\"\n\n"
        "func Double(x int) int {\n\treturn x * 2\n}\n\n"
        "func Sign(x int) string {\n\tif x < 0 {\n\t\treturn \"neg\"\n\t}\n\tif x == 0 {\n\t\treturn \"zero\"\n\t}\n"
        "\treturn \"pos\"\n}\n\n"
        "func main() {\n\tfmt.Println(Double(2), Sign(3))\n\tfor i := 0; i < 3; i++ {\n\t\tfmt.Println(i)\n\t}\n}\n"
    ),
    "main_test.go": (
        "package main\n\nimport \"testing\"\n\n"
        "func TestDouble(t *testing.T) {\n\tif Double(2) != 4 {\n\t\tt.Fatal(\"x\")\n\t}\n\tSign(5)\n}\n"
    ),
    "validator/validator.go": (
        "package validator\n\n"
        "func Valid(name string) bool {\n\tif name == \"\" {\n\t\treturn false\n\t}\n"
        "\tfor _, c := range name {\n\t\tif c == ' ' {\n\t\t\treturn false\n\t\t}\n\t}\n\treturn true\n}\n\n"
        "func Unused() int {\n\tx := 1\n\tx++\n\treturn x\n}\n"
    ),
    "validator/validator_test.go": (
        "package validator\n\nimport \"testing\"\n\n"
        "func TestValid(t *testing.T) {\n\tif !Valid(\"ab\") || Valid(\"\") {\n\t\tt.Fatal(\"x\")\n\t}\n}\n"
    ),
}


def _go_env(tmp: Path) -> dict:
    cache = tmp.parent / "go-cache"
    return {"GOCACHE": str(cache / "build"), "GOPATH": str(cache / "path"), "GOFLAGS": "-mod=mod",
            "GOPROXY": "off", "GO111MODULE": "on", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}


def _func_total(go: str, tmp: Path, profile: str) -> str:
    out = run([go, "tool", "cover", f"-func={profile}"], cwd=tmp, env=_go_env(tmp)).stdout
    match = re.search(r"^total:\s+\(statements\)\s+(\S+)$", out, re.M)
    assert match, out
    return match.group(1)


@pytest.mark.parametrize("mode,extra", [("set", []), ("count", []), ("atomic", []), ("set", ["-coverpkg=./..."]),
                                        ("count", ["-coverpkg=./..."])])
def test_total_equals_go_tool_cover_func(tmp_path, mode, extra):
    go = need_tool("go")
    project = write(tmp_path / "svc", MODULE)
    run([go, "test", f"-covermode={mode}", *extra, "-coverprofile=cover.out", "./..."], cwd=project,
        env=_go_env(project))
    data = (project / "cover.out").read_bytes()
    report = read_go_profile(data, "cover.out")
    assert report.native_total_text() == _func_total(go, project, "cover.out")
    if extra:  # each test binary wrote every block: positions repeat, and only merging gives go's total
        positions = [line.rsplit(b" ", 1)[0] for line in data.splitlines()[1:]]
        assert len(set(positions)) < len(positions)
    assert read_report("cover.out", data).format == "go"


def test_validator_subpath_threshold_from_the_real_profile(tmp_path):
    go = need_tool("go")
    project = write(tmp_path / "svc", MODULE)
    run([go, "test", "-coverprofile=cover.out", "./..."], cwd=project, env=_go_env(project))
    module = go_module_path((project / "go.mod").read_text())
    report = relative_to_folder(read_go_profile((project / "cover.out").read_bytes()), "", roots=(module,))
    assert {f.path for f in report.files} == {"main.go", "validator/validator.go"}
    # go tool cover on the validator package's blocks alone gives the sub-path's number.
    lines = (project / "cover.out").read_text().splitlines()
    (project / "validator.out").write_text("\n".join([lines[0]] + [l for l in lines[1:] if "/validator/" in l]) + "\n")
    expected = _func_total(go, project, "validator.out")
    config = load_coverage_config({"thresholds": {"metrics-engine": {"min": 10, "paths": {"validator/": {"min": 80}}}}})
    result = evaluate_service(report, config.services["metrics-engine"])
    assert "%.1f%%" % result.paths[0].measured.percent == expected
    assert result.measured.counter == report.total()
