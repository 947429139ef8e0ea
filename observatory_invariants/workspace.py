"""What a check is handed: the repository, the config, and how this run was asked for.

A check's adapter (``run(ws, targets)``) reads its inputs through this object
and passes parsed data to the pure functions of its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .patterns import compile_globs, glob_matches, path_matches  # noqa: F401  (path_matches re-exported)
from .repo import Repository

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Callable, Mapping


@dataclass
class Workspace:
    repo: Repository
    config: Config = field(default_factory=Config)
    base_ref: str | None = None      # --base: compare with this ref (C4, I1/I2)
    staged: bool = False             # --staged / pre-commit: compare the index with HEAD
    # Build outputs named on the command line (`coverage --report SERVICE=PATH`): {service: path}, the path
    # absolute or repo-relative; and that command's demand that every configured service's coverage be judged.
    reports: Mapping[str, str] = field(default_factory=dict)
    require_reports: bool = False
    # The run's selection (set by the runner): a check that reports one problem under the first of several ids
    # it could use asks :meth:`enabled`, so a broken shared input is reported once, under an id that is on.
    selection: Callable[[str], bool] | None = None
    # The ids of the rules the run selected (any of their ids turned on), set by the runner; None: every rule.
    # An adapter serving several rules does only the selected ones' work.
    selected_rules: frozenset[str] | None = None
    # Processes a whole-repository run may use (the runner splits rule families): 1 keeps everything in this
    # process, the library's default (it never forks its host unasked); 0 lets the runner decide (the CLI).
    jobs: int = 1
    _memo: dict = field(default_factory=dict, repr=False)
    # Results of pure functions keyed by their arguments (file text included): the runner hands the same dict
    # to the workspace of the state before a change, so what did not change is not parsed twice.
    _pure: dict = field(default_factory=dict, repr=False)

    def enabled(self, rule_id: str) -> bool:
        """Whether findings with this id survive the run's selection (True when there is no selection)."""
        return True if self.selection is None else self.selection(rule_id)

    def pure(self, function, *args, **kwargs):
        """``function(*args, **kwargs)`` for a pure function of hashable arguments, computed once per argument
        set across this run's workspaces."""
        key = (function, args, tuple(sorted(kwargs.items())))
        if key not in self._pure:
            self._pure[key] = function(*args, **kwargs)
        return self._pure[key]

    def memo(self, key, compute):
        """Derived data several rules share (parsed schemas, discovered builds), computed once per run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def root(self):
        return self.repo.root

    def options(self, cls):
        """A rule's typed options, as the config sets them (its defaults where the config is silent)."""
        return self.config.options(cls)

    def patterns(self, layout_key: str) -> tuple[str, ...]:
        return self.config.patterns(layout_key)

    def glob(self, layout_key: str) -> list[str]:
        """Project files matching a layout entry, sorted; a file matches by its own path (a folder named
        ``VERSIONS.md`` does not make the files inside it "the VERSIONS.md")."""
        spec = compile_globs(self.patterns(layout_key))
        return [p for p in self.repo.files if spec.match_file(p)]

    def matches(self, layout_key: str, path: str) -> bool:
        return self.matcher(layout_key)(path)

    def matcher(self, layout_key: str):
        """``path -> bool`` for a layout entry, :meth:`matches` compiled once (for a loop over many files)."""
        patterns = tuple(self.patterns(layout_key))
        return compile_globs(patterns).match_file if patterns else (lambda path: False)

    def literal_path(self, layout_key: str) -> str:
        """The first glob of a layout entry as the root-relative path it names (for "X is missing" findings when
        nothing matches): a leading ``/`` anchors a glob at the root, it never leaves it."""
        return self.patterns(layout_key)[0].lstrip("/")

    def read_text(self, path: str) -> str:
        return self.repo.read_text(path)
