"""Threadline: find the networks behind online ads, screen posts, follow the money.

The public API is curated here; heavy or optional parts (Spark) are imported lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

from threadline.errors import InputError, SettingsError, ThreadlineError, WorkspaceError
from threadline.records import IDENTIFIER_KINDS, Flag, Identifier, Post
from threadline.screening import ScreenResult, screen
from threadline.settings import Settings, load_settings
from threadline.workspace import Workspace

__all__ = [
    "IDENTIFIER_KINDS",
    "Flag",
    "Identifier",
    "InputError",
    "Post",
    "ScreenResult",
    "Settings",
    "SettingsError",
    "ThreadlineError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "load_settings",
    "screen",
]
