"""observatory-invariants: a monorepo's invariant map as pure checks, pre-commit hooks and a CI runner.

Importing the package is cheap on purpose (hooks pay Python's start-up and
little more): heavy libraries load only inside the checks that need them.
"""

__version__ = "0.1.0"


def check(*args, **kwargs):
    """Run rules on a repository; see :func:`observatory_invariants.api.check`."""
    from .api import check as _check

    return _check(*args, **kwargs)
