"""Quiet hours for alerts: a daily span of local time (``22:00-07:00``) during which fired
alerts are recorded but raise no toast, bell or command. A span may cross midnight; it
includes its start minute and excludes its end minute.

Pure: the time of day is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int
    """Minutes after midnight."""
    end: int

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``"22:00-07:00"``; raises ValueError saying what is wrong."""
        match = _SPAN.match(text)
        if match is None:
            raise ValueError("quiet hours are written HH:MM-HH:MM, e.g. 22:00-07:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError("quiet hours: hours are 00-23 and minutes 00-59")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            raise ValueError("quiet hours: the start and the end are the same time")
        return cls(start, end)

    def contains(self, hour: int, minute: int) -> bool:
        """Whether ``hour:minute`` (local) falls in the span."""
        now = hour * 60 + minute
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_text(self) -> str:
        """``07:00``: when the span ends."""
        return f"{self.end // 60:02d}:{self.end % 60:02d}"

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end_text()}"
