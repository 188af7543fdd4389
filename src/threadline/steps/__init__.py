"""Workspace steps: each reads what a stage needs from the workspace, runs the stage's pure
function, and writes the results in one transaction, so a crash leaves the workspace as it was.

:mod:`threadline.pipeline` runs them in order; the stages themselves (``threadline.extract``,
``threadline.cluster``, ...) never touch a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Progress", "StageReport"]

#: A callback advanced by the number of items done (the CLI drives a progress bar with it).
Progress = Callable[[int], None]


@dataclass(frozen=True)
class StageReport:
    """What one stage did: counts for the summary and the ``runs`` table."""

    stage: str
    counts: dict[str, Any] = field(default_factory=dict)
