"""Usernames and phone numbers, parsed before they are stored. Pure: no Django import.

- A username is NFKC-normalised (a fullwidth `ａｄｍｉｎ` is `admin`), 3 to 40 characters of
  letters, digits and `.`, `_`, `-`; its letters are of one script, Latin or Cyrillic (Russian and
  Kazakh names are welcome), so a homoglyph such as `admіn` with a Cyrillic `і` is refused; no
  spaces, markup or control characters.
- No username may look like another one: its confusable skeleton (after Unicode TR39, for the
  two alphabets usernames are written in) is compared, case-insensitively, with the skeletons of
  the usernames already taken, so an all-Cyrillic `сос` is refused when the Latin `coc` exists,
  `ВОТ` when `bot` does, `rnike` when `mike` does. `skeleton` is the Python side of the
  comparison; `SKELETON_FROM`/`SKELETON_TO`/`SKELETON_DIGRAPHS` are the same table for the
  database's TRANSLATE and REPLACE (observers.services), so both sides always agree.
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


# Cyrillic letters that look like a Latin letter (Unicode's confusables.txt, TR39), by their small
# form; a capital that looks like a Latin capital (В, К, М, Н, Т) makes its small letter count too,
# since usernames are compared regardless of case. Digits that look like letters: 0 o, 1 l.
CONFUSABLE_LETTERS = {
    "а": "a", "в": "b", "е": "e", "ё": "ë", "і": "i", "ї": "ï", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ү": "y", "ӏ": "l",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ә": "ə", "ӧ": "ö", "ӓ": "ä", "0": "o", "1": "l",
}
# Capitals whose look differs from their small letter's: a capital I (Latin or Cyrillic) and the
# palochka look like a small l.
CONFUSABLE_CAPITALS = {"I": "l", "І": "l", "Ӏ": "l"}
# Letter pairs that look like one letter (confusables.txt: m -> rn, w -> vv), applied in order.
SKELETON_DIGRAPHS = (("rn", "m"), ("vv", "w"))
# Every letter of the scripts usernames use: Basic Latin, Latin-1, Latin Extended-A and B,
# IPA (the schwa), Cyrillic and its supplement.
_SKELETON_RANGES = ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x250, 0x2AF), (0x400, 0x52F))


def _skeleton_table():
    table = {}
    for start, end in _SKELETON_RANGES:
        for code in range(start, end + 1):
            character = chr(code)
            small = character.lower()
            if len(small) != 1:
                continue
            target = CONFUSABLE_CAPITALS.get(character) or CONFUSABLE_LETTERS.get(small, small)
            if target != character:
                table[character] = target
    return table


SKELETON_TABLE = _skeleton_table()
SKELETON_FROM = "".join(SKELETON_TABLE)
SKELETON_TO = "".join(SKELETON_TABLE.values())
_TRANSLATION = str.maketrans(SKELETON_TABLE)


def skeleton(username):
    """What a username looks like, case aside: two usernames of one skeleton are confusable."""
    text = unicodedata.normalize("NFKC", username or "").translate(_TRANSLATION)
    for pair, letter in SKELETON_DIGRAPHS:
        text = text.replace(pair, letter)
    return text


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
