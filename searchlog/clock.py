"""The one seam for the current time, so tests and demo data move the clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_fixed: list[datetime] = []


def now() -> datetime:
    return _fixed[-1] if _fixed else timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make now() answer `moment` inside the block (used to build demo history)."""
    _fixed.append(moment)
    try:
        yield
    finally:
        _fixed.pop()
