"""The exceptions the layers share. A leaf module: it imports nothing from the package.

``ConfigError`` and ``GitError`` are usage problems (exit code 2, with a message naming the file or the
ref); ``UnreadableFile`` is a file that exists but cannot be used as text, which rules turn into findings.
"""

from __future__ import annotations


class ConfigError(Exception):
    """The configuration (or a command-line option) is unusable; exit code 2."""


class GitError(Exception):
    """git could not answer (no repository, unknown ref, ...)."""


class UnreadableFile(Exception):
    """A file that exists but cannot be used as text: binary, not UTF-8, too large, a directory."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
