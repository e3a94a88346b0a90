"""Which moments can be kept: a real-world UTC offset (-14:00 to +14:00) and within datetime's range.

Python accepts any offset under 24 hours, PostgreSQL only under 16, and no place on Earth is beyond ±14: an offset
such as +20:30 is a typo, refused where it is read (400 naming the field) rather than by the database (500).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MAX_OFFSET = timedelta(hours=14)
OFFSET_MESSAGE = "Enter a time zone offset between -14:00 and +14:00"
RANGE_MESSAGE = "Enter a date and time between the years 1 and 9999"


def moment_error(value: datetime) -> str | None:
    """Why the moment cannot be stored or compared, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return OFFSET_MESSAGE
    try:
        value.astimezone(UTC) if offset is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        return RANGE_MESSAGE
    return None
