"""The retention job: crypto-shred cases that have been closed for at least N days.

An organisation sets its retention period; this applies it. A case counts as closed when its
``cas_Status`` is Closed or ClosedReferred, and its period runs from the time that status was
set (``status_changed_at``; a case reopened and closed again starts over). Only an admin may
run it (``retention.apply`` in :mod:`threadline.cases.policy`), and only on the cases of the
admin's own organisation; each erasure is audited as ``case.erase`` with the detail
``retention`` and the stated purpose. A dry run lists the ids it would shred and changes no
case (the listing itself is audited, as every access is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from threadline.cases.errors import CaseError
from threadline.cases.policy import Principal
from threadline.cases.store import CaseStore

__all__ = ["RetentionRun", "apply_retention"]

MAX_DAYS = 365 * 200  # beyond this the cutoff would fall before any date the store can hold


@dataclass(frozen=True)
class RetentionRun:
    """What a run found and did: ``due`` were closed long enough; ``erased`` were shredded
    (empty on a dry run; a case reopened during the run is due but not erased)."""

    cutoff: datetime
    due: tuple[str, ...]
    erased: tuple[str, ...]
    dry_run: bool
    reclaimed: bool


def apply_retention(
    store: CaseStore,
    principal: Principal,
    *,
    closed_for_days: int,
    why: str,
    dry_run: bool = False,
) -> RetentionRun:
    """Shred the principal's organisation's cases closed for at least ``closed_for_days``.

    Raises :class:`~threadline.cases.errors.AccessDenied` (audited) for anyone but an admin,
    and :class:`CaseError` for a period that is not a positive number of days.
    """
    if isinstance(closed_for_days, bool) or not 1 <= closed_for_days <= MAX_DAYS:
        raise CaseError(f"the retention period is 1 to {MAX_DAYS} days")
    cutoff = store.now() - timedelta(days=closed_for_days)
    due = tuple(store.retention_due(principal, cutoff, why=why))
    if dry_run:
        return RetentionRun(cutoff, due, (), True, False)
    erased = tuple(
        case_id for case_id in due if store.erase_for_retention(principal, case_id, cutoff, why=why)
    )
    reclaimed = store.reclaim_key_storage() if erased else False
    return RetentionRun(cutoff, due, erased, False, reclaimed)
