"""Usernames and phone numbers, parsed before they are stored. Pure: no Django import.

- A username is NFKC-normalised (a fullwidth `ａｄｍｉｎ` is `admin`), 3 to 40 characters of
  letters, digits and `.`, `_`, `-`; its letters are of one script, Latin or Cyrillic (Russian and
  Kazakh names are welcome), so a homoglyph such as `admіn` with a Cyrillic `і` is refused; no
  spaces, markup or control characters.
- A phone number is parsed with `phonenumbers` (Google's libphonenumber), must be a valid number
  (a local number is read in the default region, Kazakhstan) and is stored in E.164 (`+77011234567`).
"""

import re
import unicodedata

import phonenumbers

USERNAME_MIN, USERNAME_MAX = 3, 40
USERNAME_SCRIPTS = {"LATIN", "CYRILLIC"}
USERNAME_PUNCTUATION = set("._-")
PHONE_CHARACTERS = re.compile(r"^[0-9+()\-. \u00a0]{3,32}$")


class IdentityError(ValueError):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _script(character):
    name = unicodedata.name(character, "")
    return name.split(" ", 1)[0] if name else ""


def normalise_username(raw):
    """The NFKC form of an acceptable username; IdentityError(code) otherwise: `length`,
    `characters` (a space, markup, punctuation other than . _ -, an unknown script) or
    `mixed_scripts` (Latin and Cyrillic letters together: a possible homoglyph)."""
    username = unicodedata.normalize("NFKC", raw or "").strip()
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        raise IdentityError("length")
    scripts = set()
    for character in username:
        if character in USERNAME_PUNCTUATION or "0" <= character <= "9":
            continue
        if not unicodedata.category(character).startswith("L"):
            raise IdentityError("characters")
        script = _script(character)
        if script not in USERNAME_SCRIPTS:
            raise IdentityError("characters")
        scripts.add(script)
    if not scripts:
        raise IdentityError("characters")  # letters are needed: "1234" or "..." name nobody
    if len(scripts) > 1:
        raise IdentityError("mixed_scripts")
    return username


def normalise_phone(raw, default_region="KZ"):
    """The E.164 form of a valid phone number; IdentityError("phone") otherwise."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not PHONE_CHARACTERS.match(text):
        raise IdentityError("phone")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise IdentityError("phone") from None
    if not phonenumbers.is_valid_number(number):
        raise IdentityError("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
