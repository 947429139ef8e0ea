"""yamlio: the one YAML reader (libyaml when present, bombs refused, problems with line/column, one parse per run)."""

from __future__ import annotations

import time
import tracemalloc

import pytest
import yaml

from observatory_invariants.parsers import yaml_loader
from observatory_invariants.config import Config
from observatory_invariants.repo import Repository
from observatory_invariants.workspace import Workspace
from observatory_invariants.parsers.yaml_loader import YamlError, compose, load, load_all, node_estimate, scalars


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """The classic alias bomb: width**levels scalars once expanded, a few hundred bytes of text."""
    text = "l0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for i in range(1, levels + 1):
        text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n"
    return text


def merge_bomb(levels: int = 9, width: int = 10) -> str:
    """The same with merge keys: every level merges the previous one `width` times under new keys."""
    text = "m0: &m0 {" + ", ".join(f"k{j}: v" for j in range(width)) + "}\n"
    for i in range(1, levels + 1):
        text += f"m{i}: &m{i}\n  <<: [" + ", ".join([f"*m{i - 1}"] * width) + f"]\n  own{i}: x\n"
    return text


# --- loaders ---------------------------------------------------------------------------------------------------

def test_libyaml_is_used_when_pyyaml_has_it():
    if yaml.__with_libyaml__:
        assert issubclass(yaml_loader.loader_class(), yaml.CSafeLoader)
    else:
        assert issubclass(yaml_loader.loader_class(), yaml.SafeLoader)


def test_pure_python_fallback_gives_the_same_data(monkeypatch):
    text = "a: 1\nb: [x, 'C:\\\\y', {c: null}]\nd: &d {e: 2}\nf:\n  <<: *d\n  g: 2001-12-14\n"
    fast = load_all(text)
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    loader = yaml_loader.loader_class()
    assert issubclass(loader, yaml.SafeLoader) and not issubclass(loader, yaml.CSafeLoader)
    assert load_all(text) == fast == [yaml.safe_load(text)]


def test_only_safe_loading():
    parsed = compose("x: !!python/object/apply:os.system ['echo hi']\ny: !!python/name:os.system\n")
    # SafeConstructor knows no python/ tags: the raw values come back, nothing is imported or called
    assert parsed.data() == [{"x": ["echo hi"], "y": ""}]


# --- nodes and data ---------------------------------------------------------------------------------------------

def test_nodes_have_marks_and_data_has_lines():
    parsed = compose("top:\n  key: 'C:\\x'\n  list:\n    - a\n    - b\n")
    assert parsed.problem is None
    ((key, value),) = parsed.root.value
    assert (key.start_mark.line, key.start_mark.column) == (0, 0)
    (doc,) = parsed.data()
    assert doc.line == 1 and doc["top"].line_of("key") == 2 and doc["top"]["list"].item_lines == [4, 5]
    assert [n.value for n, _ in scalars(parsed.nodes)] == ["C:\\x", "a", "b"]


def test_several_documents():
    parsed = compose("a: 1\n---\nb: 2\n---\n")
    assert len(parsed.nodes) == 3
    assert parsed.data() == [{"a": 1}, {"b": 2}, None]
    assert compose("").nodes == [] and compose("").root is None


def test_merge_keys_match_pyyaml_and_leave_the_nodes_alone():
    text = ("base: &base {a: 1, b: 2}\nother: &other {b: 3, c: 4}\n"
            "one:\n  <<: *base\n  a: 9\nmany:\n  <<: [*other, *base]\n  d: 5\n")
    parsed = compose(text)
    assert parsed.data() == [yaml.safe_load(text)]
    # the node tree still has its '<<' keys: X3/X4 walk the same nodes after B1-B3 converted them
    one = yaml_loader.get(parsed.root, "one")
    assert [k.value for k, _ in one.value] == ["<<", "a"]


def test_bad_merge_value_is_a_problem_with_a_line():
    with pytest.raises(YamlError, match="expected a mapping or list of mappings for merging") as info:
        load_all("a: 1\nb:\n  <<: just-a-string\n")
    assert info.value.line == 3


# --- problems ---------------------------------------------------------------------------------------------------

def test_syntax_error_is_a_problem_with_line_and_column():
    parsed = compose("jobs:\n  a: [\n")
    assert parsed.nodes == [] and parsed.problem.kind == "syntax"
    assert parsed.problem.line == 3 and parsed.problem.column == 1
    assert parsed.problem.message.startswith("is not valid YAML: ")
    with pytest.raises(YamlError) as info:
        parsed.data()
    assert info.value.line == 3 and info.value.problem is parsed.problem


def test_mapping_error_points_at_the_colon():
    problem = compose("a: b: c\n").problem
    assert (problem.line, problem.column) == (1, 5)


def test_control_character_has_a_position():
    problem = compose("a: 1\nb: x\x00y\n").problem
    assert problem is not None and problem.line == 2


def test_deep_nesting_is_a_problem_not_a_crash(monkeypatch):
    text = "[" * 1500 + "]" * 1500
    assert compose(text).problem is not None
    monkeypatch.setattr(yaml, "__with_libyaml__", False)   # the pure composer recurses: RecursionError
    assert compose(text).problem is not None
    nested = "a: " * 1 + "[" * 300 + "]" * 300
    monkeypatch.undo()
    with pytest.raises(YamlError, match="nested too deeply"):
        load_all(nested)


# --- bombs ------------------------------------------------------------------------------------------------------

def test_billion_laughs_neither_hangs_nor_eats_memory():
    text = billion_laughs()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        parsed = compose(text)
        assert parsed.problem is None        # composing does not expand aliases
        walked = sum(1 for _ in scalars(parsed.nodes))
        with pytest.raises(YamlError, match="alias bomb"):
            parsed.data()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert walked < 200                      # each node once
    assert time.perf_counter() - start < 5
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_merge_bomb_is_read_in_linear_time_and_memory():
    # flattening merges naively makes 10**9 pairs here; with each key kept once it is 10 + levels keys
    tracemalloc.start()
    start = time.perf_counter()
    try:
        (doc,) = load_all(merge_bomb())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sorted(doc["m9"]) == sorted([f"k{j}" for j in range(10)] + [f"own{i}" for i in range(1, 10)])
    assert time.perf_counter() - start < 2 and peak < 16 * 1024 * 1024


def test_merging_one_big_mapping_many_times_is_refused():
    text = "big: &big {" + ", ".join(f"key{j}: v" for j in range(3000)) + "}\n"
    text += "m:\n  <<: [" + ", ".join(["*big"] * 3000) + "]\n"     # 9 million pairs before de-duplication
    start = time.perf_counter()
    with pytest.raises(YamlError, match="alias bomb"):
        load_all(text)
    assert time.perf_counter() - start < 2


def test_merge_precedence_own_keys_then_first_listed():
    text = ("first: &first {shared_key: from-first, only_first: 1}\n"
            "second: &second {shared_key: from-second, only_second: 2}\n"
            "both:\n  <<: [*first, *second]\n"
            "own:\n  <<: [*first, *second]\n  shared_key: own\n")
    (doc,) = load_all(text)
    assert doc["both"] == {"shared_key": "from-first", "only_first": 1, "only_second": 2}
    assert doc["own"]["shared_key"] == "own" and doc["own"].line_of("shared_key") == 7


def test_a_bomb_under_the_cap_is_read():
    assert len(load_all(billion_laughs(levels=3))[0]["l3"]) == 10


def test_huge_document_is_refused_before_composing():
    text = "[" + "a," * 600_000 + "]"
    start = time.perf_counter()
    parsed = compose(text)
    assert time.perf_counter() - start < 0.5
    assert parsed.problem.kind == "too-big" and "it was not read" in parsed.problem.message


@pytest.mark.parametrize("text", [
    "a: 1", "- a\n- b\n", "[a, b, [c]]", "{a, b, c: d}", "{a: [1, 2], b: {c: d}}", "? a\n? b\n: c\n",
    "- - - a", "a:\nb:\n", "--- a\n...\n--- b\n", "a: |\n  x\n  y\n", "[a: 1, b: 2]", "- a: 1\n  b: [x, {y}]\n",
    "x: &a [1, 2]\ny: *a\n", "", "---\n", "'q: w'", "{? a : b}",
])
def test_node_estimate_is_an_upper_bound(text):
    seen: set[int] = set()

    def count(node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                count(child)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                count(key)
                count(value)

    for doc in yaml.compose_all(text, Loader=yaml.SafeLoader):
        count(doc)
    assert len(seen) <= node_estimate(text)


# --- one parse per file and run --------------------------------------------------------------------------------

def test_load_is_memoized_per_path(tmp_path, monkeypatch):
    (tmp_path / "a.yml").write_text("a: 1\n")
    ws = Workspace(Repository(tmp_path), Config())
    calls = []
    real = yaml_loader.compose
    monkeypatch.setattr(yaml_loader, "compose", lambda text: calls.append(text) or real(text))
    first = load(ws, "a.yml")
    assert load(ws, "a.yml") is first and len(calls) == 1
    assert first.data() is first.data()


def test_docker_and_script_rules_share_one_parse(tmp_path, monkeypatch):
    from observatory_invariants.rules.docker import b1_b2_build_contexts as docker_builds
    from observatory_invariants.rules.scripts import lint as script_lint

    files = {
        ".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    runs-on: windows-latest\n    steps:\n"
                                    "      - run: docker build -t svc:1.0.0 src/services/svc\n",
        "docker-compose.yml": "services:\n  svc:\n    build: src/services/svc\n    image: svc:1.0.0\n",
        "src/services/svc/Dockerfile": "FROM scratch\n", "src/services/svc/VERSION": "1.0.0\n",
    }
    for rel, content in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    ws = Workspace(Repository(tmp_path), Config())
    calls: list[str] = []
    real = yaml_loader.compose
    monkeypatch.setattr(yaml_loader, "compose", lambda text: calls.append(text) or real(text))
    docker_builds.run(ws, None)
    script_lint.run(ws, None)
    assert sorted(calls) == sorted([files[".github/workflows/ci.yml"], files["docker-compose.yml"]])
    assert ("yaml", ".github/workflows/ci.yml") in ws._memo and ("yaml", "docker-compose.yml") in ws._memo


def test_remembered_tag_resolution_gives_what_pyyaml_gives():
    """Implicit tags are remembered per (kind, scalar, implicit); the data is PyYAML's own, for every implicit type
    and for the same scalar quoted and plain."""
    text = ("a: 1\nb: '1'\nc: 1.5\nd: .inf\ne: yes\nf: 'yes'\ng: null\nh: ~\ni: 2001-12-14\nj: 0x1F\nk: 0o17\n"
            "l: -.5e3\nm: '2001-12-14'\nn: [1, '1', true, 'true', ~]\no: !!str 12\np: !!int '12'\nr: x\n"
            "s: 1_000\nt: 1:20\n")
    for _ in range(2):   # the second time from the remembered answers
        assert load_all(text) == [yaml.safe_load(text)]


def test_string_scalars_skip_the_constructor_but_not_its_answer():
    text = "a: !!str\nb: !!str 0x10\nc: plain\nd: !!str [x]\ne: \"quoted\\u00e9\"\n"
    try:
        expected = [yaml.safe_load(text)]
    except yaml.YAMLError:
        expected = None
    if expected is not None:
        assert load_all(text) == expected
