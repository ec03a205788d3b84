"""When a commission must answer a complaint, and whether it is late. Pure: no Django, no clock.

`today` is always passed in, so the register and its tests agree on what "overdue" means.
"""

import datetime


def answer_due(filed_on: datetime.date, days: int) -> datetime.date:
    """The legal deadline: `days` calendar days after the day of filing."""
    return filed_on + datetime.timedelta(days=days)


def is_overdue(due: datetime.date | None, answered_on: datetime.date | None, today: datetime.date) -> bool:
    """Filed, not answered, and the deadline day has passed."""
    return due is not None and answered_on is None and today > due
