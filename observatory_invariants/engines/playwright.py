"""Playwright visual tests: which screenshots a spec compares, and where their committed baselines must be.

Pure: spec and config texts in, screenshot calls and expected snapshot paths out. The spec reader is the
JS/TS tokenizer (:mod:`observatory_invariants.parsers.jsts`), so screenshots named in comments, strings or regular
expressions are not calls. What it models, from Playwright's own ``SnapshotHelper`` / ``TestInfo``:

- ``expect(x).toHaveScreenshot('name.png')`` → ``{snapshotDir}/{testFileDir}/{testFileName}-snapshots/``
  ``{arg}{-projectName}{-snapshotSuffix}{ext}`` (the default template; ``snapshotPathTemplate`` and
  ``expect.toHaveScreenshot.pathTemplate`` replace it), with the part before the extension sanitised as
  Playwright does (``sanitizeForFilePath``); an array of segments is a path, unsanitised; no name at all is
  the test's title path plus an index (``describe title 1.png``, sanitised);
- ``.not.toHaveScreenshot`` never needs a baseline; names built at run time (template literals with
  ``${…}``, variables) cannot be checked statically and are reported as such;
- scopes: ``test.describe.skip(…)``, ``test.skip('title', fn)``, ``test.fixme(…)`` skip what they wrap;
  ``test.skip(condition)`` makes the enclosing scope conditionally skipped;
- the config (``playwright.config.*``): ``testDir``, ``snapshotDir``, ``snapshotPathTemplate``,
  ``expect.toHaveScreenshot.pathTemplate``, ``projects[].name`` and whether a project filters the specs it runs
  (``testMatch``/``testIgnore``/``testDir``/``grep``) or ignores snapshots — read from object literals only;
  anything computed is "unknown" and the caller falls back on the evidence of the committed snapshots.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field

from ..parsers.jsts import (IDENT, PUNCT, STRING, TEMPLATE, UNKNOWN, JsToken, Obj, exported_object, literal,
                            matching, split_arguments, static_string, tokenize)

DEFAULT_TEMPLATE = "{snapshotDir}/{testFileDir}/{testFileName}-snapshots/{arg}{-projectName}{-snapshotSuffix}{ext}"
PLATFORMS = ("linux", "darwin", "win32")
_SANITIZE = re.compile(r"[\x00-\x2C\x2E-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+")
_TEST_ROOTS = frozenset(("test", "it", "describe"))
_SCREENSHOT_MATCHERS = frozenset(("toHaveScreenshot", "toMatchSnapshot"))
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


# --- Playwright's own path helpers ------------------------------------------------------------------------

def sanitize_for_file_path(text: str) -> str:
    return _SANITIZE.sub("-", text)


def sanitize_before_extension(name: str) -> str:
    ext = posixpath.splitext(name)[1]
    return sanitize_for_file_path(name[:len(name) - len(ext)]) + ext


def trim_long_string(text: str, length: int = 100) -> str | None:
    """Playwright's trimLongString; None when JavaScript's UTF-16 length would differ from Python's."""
    if any(ord(c) > 0xFFFF for c in text):
        return None
    if len(text) <= length:
        return text
    middle = "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:5] + "-"
    start = (length - len(middle)) // 2
    end = length - len(middle) - start
    return text[:start] + middle + text[-end:]


# --- the config ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    name: str | object = ""          # UNKNOWN when computed
    filtered: bool = False           # testMatch / testIgnore / testDir / grep: may not run every spec
    ignore_snapshots: bool | object = False
    snapshot_template: str | object | None = None
    screenshot_template: str | object | None = None
    test_dir: str | object | None = None
    snapshot_dir: str | object | None = None
    test_match: object = None        # the literal testMatch / testIgnore (str, Regex, list) or UNKNOWN; None: unset
    test_ignore: object = None
    grep: bool = False               # grep / grepInvert: selects tests by title (not decidable here)


@dataclass(frozen=True)
class PlaywrightConfig:
    """What a ``playwright.config.*`` says, as far as object literals tell; ``known`` is False when the config
    object itself could not be found (then every value is a default and ``projects`` is None)."""

    path: str
    known: bool = True
    test_dir: str | object | None = None
    snapshot_dir: str | object | None = None
    snapshot_template: str | object | None = None
    screenshot_template: str | object | None = None
    projects: tuple[Project, ...] | None = None   # None: not known (computed, spread, or no config object)
    ignore_snapshots: bool | object = False
    test_match: object = None
    test_ignore: object = None

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)


def _str_or_unknown(value) -> str | object | None:
    if value is None or isinstance(value, str):
        return value
    return UNKNOWN


def _screenshot_template(obj: Obj):
    expect = obj.get("expect")
    if expect is UNKNOWN or (isinstance(expect, Obj) and expect.open):
        return UNKNOWN
    if not isinstance(expect, dict):
        return None
    shot = expect.get("toHaveScreenshot")
    if shot is UNKNOWN or (isinstance(shot, Obj) and shot.open):
        return UNKNOWN
    return _str_or_unknown(shot.get("pathTemplate")) if isinstance(shot, dict) else None


def read_config(path: str, text: str) -> PlaywrightConfig:
    """A PlaywrightConfig from a ``playwright.config.*`` text (never raises)."""
    obj = exported_object(tokenize(text))
    if obj is None:
        return PlaywrightConfig(path, known=False)
    projects: tuple[Project, ...] | None = ()
    raw = obj.get("projects", [])
    if raw is UNKNOWN or not isinstance(raw, list) or any(not isinstance(p, Obj) for p in raw):
        projects = None
    else:
        found = []
        for p in raw:
            filtered = any(k in p for k in ("testMatch", "testIgnore", "testDir", "grep", "grepInvert")) or p.open
            ignore = p.get("ignoreSnapshots", False)
            found.append(Project(_str_or_unknown(p.get("name", "")) if "name" in p or not p.open else UNKNOWN,
                                 filtered, ignore if isinstance(ignore, bool) else UNKNOWN,
                                 _str_or_unknown(p.get("snapshotPathTemplate")), _screenshot_template(p),
                                 _str_or_unknown(p.get("testDir")), _str_or_unknown(p.get("snapshotDir")),
                                 p.get("testMatch") if not p.open or "testMatch" in p else UNKNOWN,
                                 p.get("testIgnore") if not p.open or "testIgnore" in p else UNKNOWN,
                                 "grep" in p or "grepInvert" in p))
        projects = tuple(found)
    if obj.open and "projects" not in obj:
        projects = None
    ignore = obj.get("ignoreSnapshots", False)
    return PlaywrightConfig(path, True, _str_or_unknown(obj.get("testDir")), _str_or_unknown(obj.get("snapshotDir")),
                            _str_or_unknown(obj.get("snapshotPathTemplate")), _screenshot_template(obj), projects,
                            ignore if isinstance(ignore, bool) else UNKNOWN,
                            obj.get("testMatch") if not obj.open or "testMatch" in obj else UNKNOWN,
                            obj.get("testIgnore") if not obj.open or "testIgnore" in obj else UNKNOWN)


# --- which specs a project runs ----------------------------------------------------------------------------

#: Playwright's default testMatch: **/*.@(spec|test).?(c|m)[jt]s?(x)
_DEFAULT_TEST = re.compile(r"(?i)\.(spec|test)\.[cm]?[jt]sx?$")


def _glob_regex(glob: str) -> re.Pattern | None:
    """minimatch (nocase, dot) for the globs configs use: ``**``, ``*``, ``?``, ``{a,b}``, ``@(a|b)``; None for
    anything else."""
    out = []
    i = 0
    depth = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?" and not glob.startswith("?(", i):
            out.append("[^/]")
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        elif glob.startswith(("@(", "?(", "+(", "*(", "!("), i):
            return None
        elif c in "[]":
            return None
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        return None
    try:
        return re.compile("".join(out) + "$", re.I)
    except re.error:
        return None


def _js_regex(source: str) -> re.Pattern | None:
    body, _, flags = source[1:].rpartition("/")
    try:
        return re.compile(body, re.I if "i" in flags else 0)
    except re.error:
        return None


def _matches(patterns, absolute: str) -> bool | None:
    """Playwright's createFileMatcher on an absolute path: strings are globs (``**/`` prepended unless present),
    regular expressions are searched; None when a pattern cannot be evaluated here."""
    from ..parsers.jsts import Regex

    items = patterns if isinstance(patterns, list) else [patterns]
    undecided = False
    for item in items:
        if isinstance(item, Regex):
            regex = _js_regex(item.source)
            if regex is None:
                undecided = True
            elif regex.search(absolute):
                return True
        elif isinstance(item, str):
            regex = _glob_regex(item if item.startswith("**/") or item.startswith("/") else "**/" + item)
            if regex is None:
                undecided = True
            elif regex.match(absolute):
                return True
        else:
            undecided = True
    return None if undecided else False


def runs_spec(spec: str, config: PlaywrightConfig | None, project: Project | None) -> bool | None:
    """Whether ``project`` of ``config`` runs ``spec``: True, False, or None (not decidable statically)."""
    config_dir = config.folder if config else posixpath.dirname(spec)
    root_config = "/" + config_dir if config_dir else "/"
    absolute = "/" + spec
    test_dir = project.test_dir if project and project.test_dir is not None else (config.test_dir if config else None)
    if test_dir is UNKNOWN:
        return None
    test_dir_path = posixpath.normpath(posixpath.join(root_config, test_dir or "."))
    if not (absolute.startswith(test_dir_path.rstrip("/") + "/")):
        return False
    match = project.test_match if project and project.test_match is not None else (config.test_match if config
                                                                                    else None)
    ignore = project.test_ignore if project and project.test_ignore is not None else (config.test_ignore if config
                                                                                      else None)
    if match is UNKNOWN or ignore is UNKNOWN:
        return None
    matched = bool(_DEFAULT_TEST.search(spec)) if match is None else _matches(match, absolute)
    if matched is False:
        return False
    ignored = False if ignore is None else _matches(ignore, absolute)
    if ignored is True:
        return False
    if matched is None or ignored is None or (project is not None and project.grep):
        return None
    return True


# --- the specs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScreenshotCall:
    """One screenshot comparison in a spec.

    ``name``: the snapshot's path segments relative to the snapshot folder, as Playwright computes them (named:
    sanitised; anonymous: from the title path, when every title is a literal); None when the name is built at
    run time (``dynamic``) or the titles are not literal. ``anonymous``: no name was given. ``skipped``: what
    statically skips it (``test.describe.skip``…); ``conditional``: a ``test.skip(condition)`` may skip it."""

    line: int
    column: int
    matcher: str
    name: str | None
    anonymous: bool = False
    dynamic: bool = False
    skipped: str | None = None
    conditional: bool = False
    titles: tuple[str, ...] = ()


@dataclass
class _Scope:
    start: int
    end: int
    kind: str                    # describe | test | hook
    title: str | None            # None: not a literal
    skipped: str | None = None
    conditional: bool = False
    anonymous_count: int = 0
    loops: bool = False


def _chain(tokens: list[JsToken], i: int) -> tuple[list[str], int]:
    """``test.describe.skip`` starting at ``tokens[i]``: its names and the index after the chain."""
    names = [tokens[i].text]
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].kind == IDENT:
        names.append(tokens[j + 1].text)
        j += 2
    return names, j


def _has_function(tokens: list[JsToken], a: int, b: int) -> bool:
    return any((t.kind == PUNCT and t.text == "=>") or (t.kind == IDENT and t.text == "function")
               for t in tokens[a:b])


_LOOP_WORDS = frozenset(("for", "while", "forEach", "map", "flatMap", "each"))


class _Sweep:
    """The scopes enclosing increasing token indices, outermost first, in one pass over scopes sorted by start
    (bracket scopes nest, so the open ones form a stack)."""

    def __init__(self, scopes: list[_Scope]):
        self.scopes = scopes
        self.next = 0
        self.open: list[_Scope] = []

    def __call__(self, index: int) -> list[_Scope]:
        while self.next < len(self.scopes) and self.scopes[self.next].start < index:
            scope = self.scopes[self.next]
            self.next += 1
            while self.open and self.open[-1].end < scope.start:
                self.open.pop()
            self.open.append(scope)
        while self.open and self.open[-1].end <= index:
            self.open.pop()
        return [s for s in self.open if s.start < index < s.end]


def screenshot_calls(text: str) -> list[ScreenshotCall]:
    """Every ``toHaveScreenshot`` (and image ``toMatchSnapshot``) call in a spec, with its scope."""
    tokens = tokenize(text)
    n = len(tokens)
    scopes: list[_Scope] = []
    file_conditional = False
    modifiers: list[tuple[int, bool]] = []     # (index, unconditional) of test.skip()/fixme() with no callback
    for i, tok in enumerate(tokens):
        if tok.kind != IDENT or tok.text not in _TEST_ROOTS or (i > 0 and tokens[i - 1].text in (".", "?.")):
            continue
        names, j = _chain(tokens, i)
        if j >= n or tokens[j].text != "(":
            continue
        close = matching(tokens, j)
        args = split_arguments(tokens, j)
        rest = names[1:]
        modifier = next((m for m in rest if m in ("skip", "fixme")), None)
        if rest and rest[-1] in ("beforeEach", "afterEach", "beforeAll", "afterAll"):
            scopes.append(_Scope(j, close, "hook", None))
            continue
        if rest and rest[-1] not in ("describe", "skip", "fixme", "only", "serial", "parallel", "fail", "slow"):
            continue            # test.step, test.use, test.extend, test.info, describe.configure ...
        first = args[0] if args else None
        title_tok = tokens[first[0]] if first and first[1] - first[0] == 1 else None
        title = static_string(title_tok) if title_tok is not None else None
        has_body = any(_has_function(tokens, a, b) for a, b in args[1:]) if args else False
        kind = "describe" if "describe" in names else "test"
        if modifier and not (title_tok is not None and title_tok.kind in (STRING, TEMPLATE) and has_body):
            # test.skip() / test.skip(condition, 'why') / test.fixme(({ browserName }) => …): a modifier call.
            unconditional = not args or (title_tok is not None and title_tok.kind == IDENT and title_tok.text == "true")
            modifiers.append((i, unconditional))
            continue
        if not has_body:
            continue
        scopes.append(_Scope(j, close, kind, title, f"{'.'.join(names)}(…)" if modifier else None))
    scopes.sort(key=lambda sc: sc.start)
    enclosing_of = _Sweep(scopes)
    for index, unconditional in modifiers:
        enclosing = [s for s in enclosing_of(index) if s.kind != "hook"]
        if not enclosing:
            file_conditional = True
            continue
        target = min(enclosing, key=lambda s: s.end - s.start)
        if unconditional:
            target.skipped = target.skipped or f"{tokens[index].text}.skip()"
        else:
            target.conditional = True
    calls: list[ScreenshotCall] = []
    enclosing_of = _Sweep(scopes)
    loops = [0]
    for tok in tokens:      # loops[k]: loop-like words among tokens[:k] (a for/forEach/map between test and call)
        loops.append(loops[-1] + (tok.kind == IDENT and tok.text in _LOOP_WORDS))
    for i, tok in enumerate(tokens):
        if tok.kind != IDENT or tok.text not in _SCREENSHOT_MATCHERS or i == 0 or tokens[i - 1].text not in (".", "?."):
            continue
        if i + 1 >= n or tokens[i + 1].text != "(":
            continue
        if i >= 3 and tokens[i - 2].text == "not" and tokens[i - 3].text == ".":
            continue        # expect(x).not.toHaveScreenshot(): passes without a baseline
        args = split_arguments(tokens, i + 1)
        enclosing = enclosing_of(i)
        skipped = next((s.skipped for s in enclosing if s.skipped), None)
        conditional = file_conditional or any(s.conditional for s in enclosing)
        name, anonymous, dynamic = _call_name(tokens, args)
        if tok.text == "toMatchSnapshot" and (name is None or not name.lower().endswith(_IMAGE_EXTENSIONS)):
            continue        # a text snapshot, or not an image: not a screenshot
        titles: tuple[str, ...] = ()
        if anonymous:
            tests = [s for s in enclosing if s.kind == "test"]
            in_hook = any(s.kind == "hook" for s in enclosing)
            path_titles = [s.title for s in enclosing if s.kind in ("describe", "test")]
            if not tests or in_hook or any(t is None for t in path_titles) or \
                    loops[i] > loops[tests[-1].start]:
                name = None
            else:
                test_scope = tests[-1]
                test_scope.anonymous_count += 1
                titles = tuple(t for t in path_titles if t is not None)
                trimmed = trim_long_string(" ".join([*titles, str(test_scope.anonymous_count)]))
                name = None if trimmed is None else sanitize_for_file_path(trimmed) + ".png"
        calls.append(ScreenshotCall(tok.line, tok.column, tok.text, name, anonymous, dynamic, skipped, conditional,
                                    titles))
    return calls


def _call_name(tokens: list[JsToken], args: list[tuple[int, int]]) -> tuple[str | None, bool, bool]:
    """``(name, anonymous, dynamic)`` of a matcher call's first argument."""
    if not args:
        return None, True, False
    a, b = args[0]
    value = literal(tokens, a, b)
    if isinstance(value, Obj):
        if "name" not in value:
            return (None, False, True) if value.open else (None, True, False)
        value = value["name"]
    if isinstance(value, str):
        return sanitize_before_extension(value), False, False
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return posixpath.normpath(posixpath.join(*value)), False, False
    return None, False, True


# --- expected paths -----------------------------------------------------------------------------------------

_TEMPLATE_TOKEN = re.compile(r"\{(.)?(testDir|snapshotDir|snapshotSuffix|testFileDir|platform|projectName|testName|"
                             r"testFileName|testFilePath|arg|ext)\}")


def expected_snapshot(spec: str, call: ScreenshotCall, config: PlaywrightConfig | None, project: Project | None,
                      platform: str) -> str | None:
    """The repo-relative path Playwright compares ``call`` with for ``project`` on ``platform``; None when
    a value it depends on is not known statically."""
    if call.name is None:
        return None
    config_dir = config.folder if config else posixpath.dirname(spec)
    test_dir = (project.test_dir if project and project.test_dir is not None else
                (config.test_dir if config and config.test_dir is not None else "."))
    snapshot_dir = (project.snapshot_dir if project and project.snapshot_dir is not None else
                    (config.snapshot_dir if config and config.snapshot_dir is not None else None))
    def first(*values):
        return next((v for v in values if v is not None), None)

    snapshot_template = first(project.snapshot_template if project else None,
                              config.snapshot_template if config else None)
    screenshot_template = first(project.screenshot_template if project else None,
                                config.screenshot_template if config else None)
    if call.matcher == "toHaveScreenshot":
        template = first(screenshot_template, snapshot_template, DEFAULT_TEMPLATE)
    else:
        template = first(snapshot_template, DEFAULT_TEMPLATE)
    if template is UNKNOWN or test_dir is UNKNOWN or snapshot_dir is UNKNOWN:
        return None
    project_name = project.name if project else ""
    if project_name is UNKNOWN:
        return None
    if test_dir.startswith("/") or (snapshot_dir or "").startswith("/"):
        return None
    # Paths are resolved as Playwright does, with the repository root standing for "/".
    root_config = "/" + config_dir if config_dir else "/"
    test_dir_path = posixpath.normpath(posixpath.join(root_config, test_dir))
    snapshot_dir_path = (posixpath.normpath(posixpath.join(root_config, snapshot_dir)) if snapshot_dir is not None
                         else test_dir_path)
    relative_spec = posixpath.relpath("/" + spec, test_dir_path)
    if "{testName}" in template or "{-testName}" in template or "{/testName}" in template:
        return None
    ext = posixpath.splitext(call.name)[1]
    arg = call.name[:len(call.name) - len(ext)] if ext else call.name
    values = {
        "testDir": test_dir_path, "snapshotDir": snapshot_dir_path, "snapshotSuffix": platform,
        "testFileDir": posixpath.dirname(relative_spec), "platform": platform,
        "projectName": sanitize_for_file_path(project_name), "testFileName": posixpath.basename(relative_spec),
        "testFilePath": relative_spec, "arg": arg, "ext": ext,
    }

    def substitute(match: re.Match) -> str:
        prefix, key = match.group(1) or "", match.group(2)
        value = values[key]
        if key in ("snapshotSuffix", "projectName", "ext") and not value:
            return ""
        return prefix + value

    resolved = posixpath.normpath(posixpath.join(root_config, _TEMPLATE_TOKEN.sub(substitute, template)))
    return resolved.lstrip("/") or None


def snapshot_folder_suffixes(name: str, files: list[str], platforms=PLATFORMS) -> set[tuple[str, str]]:
    """``(project, platform)`` pairs the committed files ``files`` (names in the spec's snapshot folder) show
    for a screenshot ``name`` under the default template (``name-project-platform.png``, ``name-platform.png``)."""
    ext = posixpath.splitext(name)[1]
    stem = name[:len(name) - len(ext)]
    found: set[tuple[str, str]] = set()
    for f in files:
        base = posixpath.basename(f) if "/" not in stem else f
        if not base.startswith(stem + "-") or not base.endswith(ext):
            continue
        middle = base[len(stem) + 1:len(base) - len(ext)]
        for platform in platforms:
            if middle == platform:
                found.add(("", platform))
            elif middle.endswith("-" + platform):
                found.add((middle[:-len(platform) - 1], platform))
    return found


@dataclass(frozen=True)
class SpecFile:
    path: str
    calls: tuple[ScreenshotCall, ...] = field(default_factory=tuple)


def find_config(spec: str, configs: dict[str, PlaywrightConfig]) -> PlaywrightConfig | None:
    """The nearest ``playwright.config.*`` in the spec's folder or above it."""
    folder = posixpath.dirname(spec)
    while True:
        for path, config in sorted(configs.items()):
            if posixpath.dirname(path) == folder:
                return config
        if not folder:
            return None
        folder = posixpath.dirname(folder)
