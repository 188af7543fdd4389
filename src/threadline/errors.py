"""Errors with a message a user can act on."""

from __future__ import annotations


class ThreadlineError(Exception):
    """Base class: every error Threadline raises on purpose."""


class InputError(ThreadlineError):
    """Input that cannot be read at all (missing file, unknown format, bad mapping)."""


class WorkspaceError(ThreadlineError):
    """A workspace that cannot be opened or is from an incompatible release."""


class SettingsError(ThreadlineError):
    """Settings that do not validate."""
