"""Phone numbers as E.164 text ("+77011234567"), read with Google's libphonenumber (phonenumbers).

No Django: the webhook, the lookup of observers and the bench use it alike.
"""

import functools
import re

import phonenumbers

_DIGITS = re.compile(r"\D")


@functools.lru_cache(maxsize=65536)
def e164(raw: str, region: str = "KZ") -> str | None:
    """The number in E.164, or None when it is not a possible phone number. A local number
    (8 701 ...) is read as the `region`'s. Cached: an observer sends many messages."""
    if not raw or len(raw) > 64:
        return None
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digit_variants(number: str) -> set[str]:
    """Digit strings a person may have typed for the E.164 `number` in a free-form phone field:
    with the country code, and for the +7 countries (Kazakhstan, Russia) with the trunk 8."""
    digits = _DIGITS.sub("", number)
    variants = {digits}
    parsed = phonenumbers.parse(number)
    national = str(parsed.national_number)
    variants.add(national)
    if parsed.country_code == 7:
        variants.add("8" + national)
    return variants


def region_of(number: str) -> str:
    """The country (ISO code) of an E.164 number, to read other numbers written the same way."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or "KZ"
