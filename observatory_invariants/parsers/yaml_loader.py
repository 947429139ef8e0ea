"""The one place that reads YAML: workflows, composite actions, compose files, k8s manifests, config files.

* Composed with libyaml (``yaml.CSafeLoader``) when PyYAML was built with it
  (``yaml.__with_libyaml__``), else with the pure-Python ``yaml.SafeLoader``:
  the safe loaders only, never arbitrary Python objects.
* :func:`compose` gives the node trees of every document (``start_mark`` /
  ``end_mark`` carry 0-based line and column) for rules that point at a value;
  :func:`to_data` turns them into plain data (:class:`LineDict` /
  :class:`LineList` / scalars that remember their lines) for rules that only
  need values.
* :func:`load` memoizes one :class:`Parsed` per path through
  ``ws.memo(("yaml", path), …)``, so every rule of a run (B1–B3, X3, X4)
  shares one parse of each file.
* Bad YAML never raises out of here as a YAML exception: a syntax error, an
  alias or merge-key bomb ("billion laughs"), a document too big to compose or
  nested too deeply becomes a :class:`YamlProblem` with a 1-based line and
  column where known (:func:`to_data` raises :class:`YamlError` carrying it).

Protection against bombs: composing does not expand aliases (an alias is the
same node object again), so the node graph is as big as the text. A document
with too many nodes for its size is refused *before* composing
(:func:`node_estimate` is a cheap upper bound on the node count). Walking the
graph either visits each node once (:func:`scalars`) or expands aliases while
counting (:func:`to_data`, capped at :data:`MAX_NODES`, merge keys included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

MAX_NODES = 200_000            # expanded nodes per document in to_data; a real workflow has a few thousand
MAX_DEPTH = 200                # nesting depth in to_data
MAX_COMPOSE_NODES = 1_000_000  # upper bound (node_estimate) on the nodes composed for one file (~300 MB)

MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_INT_BITS = 14_000         # about 4,200 decimal digits: Python refuses to print longer integers in decimal


# --- results ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class YamlProblem:
    """Why a file could not be read as YAML.

    ``problem`` is the short reason ("mapping values are not allowed here");
    ``message`` is a phrase that follows the file name ("is not valid YAML: …");
    ``line``/``column`` are 1-based, None when unknown.
    """

    kind: str                  # 'syntax', 'too-big' (bomb / huge document), 'too-deep'
    problem: str
    message: str
    line: int | None = None
    column: int | None = None


class YamlError(Exception):
    """The file is not usable YAML; ``line`` (and ``column``) are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 problem: YamlProblem | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.problem = problem or YamlProblem("syntax", message, message, line, column)

    @classmethod
    def of(cls, problem: YamlProblem) -> "YamlError":
        return cls(problem.message, problem.line, problem.column, problem)


@dataclass
class Parsed:
    """One file's YAML: the root node of each document (``None`` entries dropped) or the problem."""

    nodes: list = field(default_factory=list)
    problem: YamlProblem | None = None
    merges: bool = True        # False when the text has no '<<' (no merge keys to apply)
    _data: Any = field(default=None, repr=False)

    @property
    def root(self):
        """The first document's root node (None for an empty file)."""
        return self.nodes[0] if self.nodes else None

    def data(self) -> list:
        """Every document as plain data (memoized); raises :class:`YamlError`."""
        if self.problem is not None:
            raise YamlError.of(self.problem)
        if self._data is None:
            try:
                self._data = to_data(self.nodes, self.merges)
            except YamlError as exc:
                self._data = exc
        if isinstance(self._data, YamlError):
            raise self._data
        return self._data


class LineDict(dict):
    """A dict that knows the line of each key (``line_of``) and of itself (``line``)."""

    line: int = 1
    key_lines: dict

    def line_of(self, key, default: int | None = None) -> int | None:
        return self.key_lines.get(key, default if default is not None else self.line)


class LineList(list):
    line: int = 1
    item_lines: list


class _TooBig(Exception):
    pass


# --- composing ----------------------------------------------------------------------------------------------

def loader_class():
    """The libyaml safe loader when PyYAML has libyaml, else the pure-Python one (each with remembered tags)."""
    import yaml

    if getattr(yaml, "__with_libyaml__", False) and hasattr(yaml, "CSafeLoader"):
        return _remembering(yaml.CSafeLoader)
    return _remembering(yaml.SafeLoader)


_LOADERS: dict = {}
_RESOLVED: dict = {}
_RESOLVED_MAX = 1 << 16   # distinct (kind, scalar, implicit) answers kept; past that, resolved each time


def _remembering(base):
    """``base`` whose implicit-tag resolution is remembered per (kind, value, implicit).

    libyaml calls back into PyYAML's Python resolver for every scalar, which tries the implicit resolvers'
    regexes in turn: most of composing a large manifest. Without path resolvers (the safe loaders have none)
    the answer depends on nothing else, and manifests repeat their scalars ('apiVersion', 'v1', 'name')."""
    loader = _LOADERS.get(base)
    if loader is None:
        resolve = base.resolve

        def remembered(self, kind, value, implicit):
            if self.yaml_path_resolvers:
                return resolve(self, kind, value, implicit)
            key = (kind, value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = resolve(self, kind, value, implicit)
                if len(_RESOLVED) < _RESOLVED_MAX:
                    _RESOLVED[key] = tag
            return tag

        loader = _LOADERS[base] = type(base.__name__, (base,), {"resolve": remembered, "__module__": __name__})
    return loader


def node_estimate(text: str) -> int:
    """An upper bound on the number of nodes composing ``text`` can create (aliases create none).

    Every node other than a document root is introduced by an indicator: a
    block sequence item by '-', a flow item by '[' / '{' / ',', a mapping key
    and its value by ':' (or '?', or nothing in a flow mapping, hence the
    factor 2); document roots follow a line break or '---'.
    """
    return (1 + text.count("\n") + text.count("-") + text.count("[")
            + 2 * (text.count(",") + text.count("{") + text.count(":") + text.count("?")))


def _problem_from(exc: BaseException, text: str) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(getattr(exc, "position", None), int):   # yaml.reader.ReaderError: a character offset
        position = min(exc.position, len(text))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return YamlProblem("syntax", problem, f"is not valid YAML: {problem}", line, column)


def too_big_problem(estimate: int | None = None) -> YamlProblem:
    if estimate is None:
        return YamlProblem("too-big", "too many nodes after expanding aliases",
                           f"has more than {MAX_NODES} YAML nodes after expanding aliases (an alias bomb?); "
                           "it was not read")
    return YamlProblem("too-big", "too many nodes",
                       f"is too big to read as YAML (up to {estimate} nodes, over the {MAX_COMPOSE_NODES}-node "
                       "limit); it was not read")


def compose(text: str) -> Parsed:
    """The node tree of every document in ``text``; never raises for bad YAML (see ``Parsed.problem``)."""
    estimate = node_estimate(text)
    if estimate > MAX_COMPOSE_NODES:
        return Parsed(problem=too_big_problem(estimate))
    return _compose(text)


def _compose(text: str) -> Parsed:
    import yaml

    loader = loader_class()(text)
    nodes: list = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except RecursionError:   # the pure-Python composer recurses once per nesting level
        return Parsed(problem=YamlProblem("too-deep", "nested too deeply", "is nested too deeply to read"))
    except (yaml.YAMLError, ValueError, UnicodeError) as exc:
        return Parsed(problem=_problem_from(exc, text))
    finally:
        loader.dispose()
    return Parsed(nodes, merges="<<" in text)


def load(ws, path: str) -> Parsed:
    """The YAML of a project file, composed once per run and shared by every rule (``ws.memo``).

    Raises ``repo.UnreadableFile`` (not memoized here; the repository caches it) when the file cannot be read.
    """
    return ws.memo(("yaml", path), lambda: ws.pure(compose, ws.read_text(path)))   # by content: before/after


# --- walking ------------------------------------------------------------------------------------------------

def scalars(nodes: list) -> Iterator[tuple[Any, tuple]]:
    """(scalar node, key path) for every scalar of every document, each node visited once (aliases too)."""
    import yaml

    seen: set[int] = set()
    for doc in nodes:
        if doc is None:
            continue
        stack = [(doc, ())]
        while stack:
            node, keys = stack.pop()
            if id(node) in seen:  # an alias: walked once (no billion-laughs blow-up)
                continue
            seen.add(id(node))
            if isinstance(node, yaml.ScalarNode):
                yield node, keys
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((child, keys + ("[]",)) for child in reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                for key, value in reversed(node.value):
                    stack.append((value, keys + (key.value if isinstance(key, yaml.ScalarNode) else "?",)))


def get(node, key: str):
    """The value node of ``key`` in a mapping node (None when absent or not a mapping); merge keys not applied."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def scalar(node) -> str | None:
    import yaml

    return node.value if isinstance(node, yaml.ScalarNode) else None


# --- plain data ---------------------------------------------------------------------------------------------

def load_all(text: str) -> list:
    """Every document of ``text`` as plain data (LineDict / LineList / scalars); YamlError otherwise."""
    return compose(text).data()


def load_one(text: str):
    docs = load_all(text)
    return docs[0] if docs else None


def to_data(nodes: list, merges: bool = True) -> list:
    """Plain data for composed documents, aliases expanded with a node cap and merge keys (``<<``) applied.

    The node trees are not modified (the other rules of the run read the same nodes). ``merges=False``
    (the text has no ``<<``) skips looking for merge keys.
    """
    import yaml

    constructor = yaml.constructor.SafeConstructor()
    docs = []
    try:
        for node in nodes:
            if node is None:
                continue
            state = _State(constructor, merges)
            docs.append(_convert(node, state, 0))
    except _TooBig:
        raise YamlError.of(too_big_problem()) from None
    except RecursionError:
        raise YamlError.of(YamlProblem("too-deep", "nested too deeply", "is nested too deeply to read")) from None
    except yaml.YAMLError as exc:
        raise YamlError.of(_problem_from(exc, "")) from None
    return docs


class _State:
    __slots__ = ("constructor", "count", "merged", "merge_count", "merges")

    def __init__(self, constructor, merges: bool = True):
        self.constructor = constructor
        self.merges = merges
        self.count = 0
        self.merged: dict[int, list] = {}
        self.merge_count = 0


def _pairs(node, state: _State, depth: int = 0) -> list:
    """A mapping node's (key, value) pairs with merge keys (``<<``) applied; the node itself is left alone.

    As the merge-key spec (and PyYAML's flatten_mapping) says: the mapping's own
    keys win over merged ones, and of several merged mappings the first listed
    wins. Each key is kept once (at its first position, with the winning value),
    so nested merges stay as small as the mappings they merge: no merge bomb.
    """
    import yaml
    from yaml.constructor import ConstructorError

    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG:
            break
    else:
        return node.value
    cached = state.merged.get(id(node))
    if cached is not None:
        return cached
    if depth > MAX_DEPTH:
        raise RecursionError()
    merge: list = []
    own: list = []
    for key_node, value_node in node.value:
        if key_node.tag != MERGE_TAG:
            own.append((key_node, value_node))
            continue
        if isinstance(value_node, yaml.MappingNode):
            merge.extend(_pairs(value_node, state, depth + 1))
            if len(merge) > MAX_NODES:
                raise _TooBig()
        elif isinstance(value_node, yaml.SequenceNode):
            submerge = []
            for subnode in value_node.value:
                if not isinstance(subnode, yaml.MappingNode):
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           f"expected a mapping for merging, but found {subnode.id}",
                                           subnode.start_mark)
                submerge.append(_pairs(subnode, state, depth + 1))
            for pairs in reversed(submerge):   # later ones first, so that the first listed wins
                merge.extend(pairs)
                if len(merge) > MAX_NODES:        # many aliases of one big mapping
                    raise _TooBig()
        else:
            raise ConstructorError("while constructing a mapping", node.start_mark,
                                   f"expected a mapping or list of mappings for merging, but found {value_node.id}",
                                   value_node.start_mark)
    # dict semantics of merge + own: a key keeps its first position and takes its last value
    by_key: dict = {}
    for pair in merge + own:
        key_node = pair[0]
        ident = (key_node.tag, key_node.value) if isinstance(key_node, yaml.ScalarNode) else id(key_node)
        by_key[ident] = pair
    result = list(by_key.values())
    state.merge_count += len(result)
    if state.merge_count > MAX_NODES:
        raise _TooBig()
    state.merged[id(node)] = result
    return result


_STR_TAG = "tag:yaml.org,2002:str"


def _convert(node, state: _State, depth: int):
    import yaml

    state.count += 1
    if state.count > MAX_NODES:
        raise _TooBig()
    if depth > MAX_DEPTH:
        raise RecursionError()
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line = line
        out.key_lines = {}
        for key_node, value_node in (_pairs(node, state) if state.merges else node.value):
            key = _convert(key_node, state, depth + 1)
            if isinstance(key, (dict, list)):
                key = str(key)
            out[key] = _convert(value_node, state, depth + 1)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = LineList()
        out.line = line
        out.item_lines = []
        for item in node.value:
            out.append(_convert(item, state, depth + 1))
            out.item_lines.append(item.start_mark.line + 1)
        return out
    if node.tag == _STR_TAG:   # what SafeConstructor.construct_yaml_str gives, without its dispatch
        return node.value
    try:
        value = state.constructor.construct_object(node, deep=True)
    except Exception:  # noqa: BLE001 - a leaf: whatever PyYAML's constructor trips on, the scalar is its text
        # A scalar its tag cannot build: a timestamp 2001-13-45 (ValueError), an integer of over 4,300 digits,
        # an empty "!!int" (IndexError), bad "!!binary" base64...
        return node.value
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return node.value   # 0x fff…: it parses, but printing it in decimal would raise: keep the text
    return value


def line_of(container, key, default: int | None = None) -> int | None:
    """The line of ``key`` in a LineDict, of item ``key`` in a LineList, else ``default``."""
    if isinstance(container, LineDict):
        return container.key_lines.get(key, default)
    if isinstance(container, LineList) and isinstance(key, int) and 0 <= key < len(container.item_lines):
        return container.item_lines[key]
    return default

def scalar_position(node, text_lines: list[str]) -> tuple[int, int, int]:
    """(first content line, column of the content, how many characters the quotes/indicator add)."""
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    style = node.style
    if style in ("|", ">"):
        first = line  # the indicator line; content starts on the next non-empty line
        for k in range(line, len(text_lines)):
            stripped = text_lines[k].lstrip(" ")
            if stripped:
                return k + 1, len(text_lines[k]) - len(stripped) + 1, 0
        return first, column, 0
    return line, column, 1 if style in ("'", '"') else 0
