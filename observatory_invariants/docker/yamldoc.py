"""YAML read safely and with line numbers, for workflows, compose files and k8s manifests.

PyYAML's composer builds a node graph without expanding aliases; we expand it
ourselves, counting nodes, so an alias bomb ("billion laughs") stops at a cap
instead of eating memory. Mappings come back as :class:`LineDict`, which
remembers the 1-based line of every key so findings can point at it.
"""

from __future__ import annotations

MAX_NODES = 200_000       # expanded nodes per file; a real workflow has a few thousand
MAX_DEPTH = 200


class LineDict(dict):
    """A dict that knows the line of each key (``line_of``) and of itself (``line``)."""

    line: int = 1
    key_lines: dict

    def line_of(self, key, default: int | None = None) -> int | None:
        return self.key_lines.get(key, default if default is not None else self.line)


class LineList(list):
    line: int = 1
    item_lines: list


class YamlError(Exception):
    """The file is not usable YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _TooBig(Exception):
    pass


def _loader_class():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_all(text: str) -> list:
    """Every document of ``text`` as plain data (LineDict / LineList / scalars); YamlError otherwise."""
    import yaml

    loader = _loader_class()(text)
    constructor = yaml.constructor.SafeConstructor()
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            counter = [0]
            docs.append(_convert(node, constructor, counter, 0))
    except _TooBig:
        raise YamlError(f"has more than {MAX_NODES} YAML nodes after expanding aliases "
                        "(an alias bomb?); it was not read") from None
    except RecursionError:
        raise YamlError("is nested too deeply to read") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"is not valid YAML: {problem}", line) from None
    finally:
        loader.dispose()
    return docs


def load_one(text: str):
    docs = load_all(text)
    return docs[0] if docs else None


def _convert(node, constructor, counter, depth):
    import yaml

    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _TooBig()
    if depth > MAX_DEPTH:
        raise RecursionError()
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)   # resolve `<<: *anchor` merge keys, as compose files use them
        out = LineDict()
        out.line = line
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, constructor, counter, depth + 1)
            if isinstance(key, (dict, list)):
                key = str(key)
            out[key] = _convert(value_node, constructor, counter, depth + 1)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = LineList()
        out.line = line
        out.item_lines = []
        for item in node.value:
            out.append(_convert(item, constructor, counter, depth + 1))
            out.item_lines.append(item.start_mark.line + 1)
        return out
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value


def line_of(container, key, default: int | None = None) -> int | None:
    """The line of ``key`` in a LineDict, of item ``key`` in a LineList, else ``default``."""
    if isinstance(container, LineDict):
        return container.key_lines.get(key, default)
    if isinstance(container, LineList) and isinstance(key, int) and 0 <= key < len(container.item_lines):
        return container.item_lines[key]
    return default
