"""The consoles the commands print to."""

from __future__ import annotations

import os
import sys

from rich.console import Console

__all__ = ["console"]


def console(*, stderr: bool = False) -> Console:
    """A console; piped output is not bound by a terminal's width (tables keep their columns),
    so it is 120 columns wide unless ``COLUMNS`` says otherwise."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 120
    return Console(soft_wrap=True, stderr=stderr, width=width)
