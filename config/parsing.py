"""IDs and counts typed into URLs, query strings and headers, parsed before use. Pure: no Django import.

`str.isdigit()` alone accepts "²", "①" and other scripts' digits, which `int()` then refuses (a
500), and any number of digits, which PostgreSQL's bigint then refuses (another 500). Here a whole
number is ASCII digits only, at most 18 of them (below 2^63).
"""

MAX_DIGITS = 18


def is_whole_number(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_DIGITS and value.isascii() and value.isdigit()


def whole_number(value, default=None):
    """int(value) when it is a whole number as above, else `default`."""
    return int(value) if is_whole_number(value) else default
