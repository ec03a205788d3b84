"""PostgreSQL's TRANSLATE and regexp_replace for SQLite, the embedded database of `make run`.

The username check (observers.services.username_skeleton) compares skeletons in the database with
TRANSLATE, and the SMS channel (sms.services.find_observers) compares phone numbers by their
digits with regexp_replace; SQLite has neither: without them, every sign-up, every observer a
coordinator creates and every SMS would fail on a machine with nothing configured.

TRANSLATE as PostgreSQL's: each character of `source` becomes the character at the same place in
`target`, or is removed when `target` is shorter; a character listed twice keeps its first place.
regexp_replace: the first match replaced, every match with the flag "g" (the patterns used here,
such as \\D, mean the same in Python's `re`).
"""

import re
from functools import lru_cache


@lru_cache(maxsize=8)
def _table(source, target):
    table = {}
    for index, character in enumerate(source):
        table.setdefault(ord(character), target[index] if index < len(target) else None)
    return table


def translate(value, source, target):
    if value is None or source is None or target is None:
        return None
    return value.translate(_table(source, target))


@lru_cache(maxsize=8)
def _pattern(pattern):
    return re.compile(pattern)


def regexp_replace(value, pattern, replacement, flags=""):
    if value is None or pattern is None or replacement is None:
        return None
    return _pattern(pattern).sub(replacement, value, count=0 if "g" in (flags or "") else 1)


def register(sender, connection, **kwargs):
    """connection_created: give each new SQLite connection the functions PostgreSQL has built in."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("TRANSLATE", 3, translate, deterministic=True)
        connection.connection.create_function("regexp_replace", 3, regexp_replace, deterministic=True)
        connection.connection.create_function("regexp_replace", 4, regexp_replace, deterministic=True)
