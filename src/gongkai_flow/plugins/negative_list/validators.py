"""Validators and maskers for personal numbers: pure functions, no I/O, never raising on odd input.

* 公民身份号码 (GB 11643-1999): 17 digits and a check character (ISO 7064 MOD 11-2), with a
  valid province code and birth date; the 15-digit form of GB 11643-1989 has no check digit.
* 银行卡号: 16–19 digits passing the Luhn check, with a card-scheme prefix.
* 手机号码: 11 digits in the 13x–19x ranges.

Every ``is_valid_*`` function accepts any string and answers ``False`` for anything it does not
recognise; the test suite feeds them arbitrary Unicode.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Final

#: GB 11643-1999 weights of the first 17 digits.
ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: The check character for each remainder 0–10 of the weighted sum mod 11.
ID_CHECK_CHARS: Final = "10X98765432"
#: Province-level codes (first two digits) of resident ID numbers, including 71 台湾, 81 香港,
#: 82 澳门, 83 (residence permits of Taiwan residents) and 91 (foreigners' permanent residence).
PROVINCE_CODES: Final = frozenset(
    {
        11, 12, 13, 14, 15,
        21, 22, 23,
        31, 32, 33, 34, 35, 36, 37,
        41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54,
        61, 62, 63, 64, 65,
        71, 81, 82, 83, 91,
    }
)  # fmt: skip
#: Birth years accepted in an ID number.
MIN_BIRTH_YEAR: Final = 1880
MAX_BIRTH_YEAR: Final = 2099
#: First digits of the card schemes whose numbers are matched: 62 银联, 4 Visa, 51–55 Mastercard,
#: 9 (domestic debit cards such as 95xx).
BANK_CARD_PREFIXES: Final = ("62", "4", "51", "52", "53", "54", "55", "9")

_ASCII_DIGITS: Final = frozenset("0123456789")
_PROVINCE_PREFIXES: Final = frozenset(f"{code:02d}" for code in PROVINCE_CODES)


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


@functools.lru_cache(maxsize=65536)
def is_valid_birth_date(yyyymmdd: str) -> bool:
    """Whether eight ASCII digits are a real calendar date with a plausible birth year.

    Cached: a list of residents holds a few thousand distinct birth dates among its numbers.
    """
    if len(yyyymmdd) != 8 or not _is_ascii_digits(yyyymmdd):
        return False
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    if not MIN_BIRTH_YEAR <= year <= MAX_BIRTH_YEAR:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id18_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (``ValueError`` if they are not digits)."""
    if len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError("须为17位数字")
    return ID_CHECK_CHARS[_weighted_sum_mod_11(first17)]


def _weighted_sum_mod_11(first17: str) -> int:
    """The GB 11643 weighted sum of 17 ASCII digits, modulo 11, in one C call.

    The weights are 2**17 … 2**1 modulo 11, and 13 ≡ 2 (mod 11): read with a zero appended as a
    number in base 13, the digits give that sum modulo 11 (``test_fast_paths.py`` checks it).
    """
    return int(first17 + "0", 13) % 11


def id18_birth_date_valid(number: str) -> bool:
    """Whether an 18-character ID-shaped string has a known province code and a valid birth date.

    The check character is not looked at: a number passing this but not :func:`is_valid_id18`
    is a personal number with a typo, or not an ID number at all.
    """
    if len(number) != 18 or not _is_ascii_digits(number[:17]) or number[17] not in "0123456789Xx":
        return False
    return number[:2] in _PROVINCE_PREFIXES and is_valid_birth_date(number[6:14])


def is_valid_id18(number: str) -> bool:
    """Whether ``number`` is an 18-character 公民身份号码 with a valid birth date and check character."""
    return id18_shape(number) == ID_VALID


#: What :func:`id18_shape` says of an 18-character string.
ID_VALID: Final = 2
ID_CHECK_FAILS: Final = 1
NOT_ID: Final = 0


def id18_shape(number: str) -> int:
    """:data:`ID_VALID` for a valid 公民身份号码, :data:`ID_CHECK_FAILS` when only the check character is wrong.

    One call for what :func:`is_valid_id18` and :func:`id18_birth_date_valid` say together
    (the scan calls it once per 18-character number); :data:`NOT_ID` for anything else. The
    weighted sum is made of three cached parts (area code, birth date, sequence number): a list
    of residents holds few distinct area codes and birth dates.
    """
    first17 = number[:17]
    if len(number) != 18 or not (first17.isdigit() and first17.isascii()):
        return NOT_ID
    area = id18_area_sum(number[:6])
    if area < 0:
        return NOT_ID
    born = id18_birth_sum(number[6:14])
    if born < 0:
        return NOT_ID
    last = number[17]
    if last not in "0123456789Xx":
        return NOT_ID
    check = ID_CHECK_CHARS[(area + born + ID18_SEQUENCE_SUM[number[14:17]]) % 11]  # the scan inlines this
    return ID_VALID if check == last.upper() else ID_CHECK_FAILS


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


@functools.lru_cache(maxsize=65536)
def id18_area_sum(area: str) -> int:
    """The weighted sum (mod 11) of an ID number's six ASCII-digit area code; -1 for an unknown province."""
    return _weighted(area, ID_WEIGHTS[:6]) if area[:2] in _PROVINCE_PREFIXES else -1


@functools.lru_cache(maxsize=65536)
def id18_birth_sum(yyyymmdd: str) -> int:
    """The weighted sum (mod 11) of an ID number's eight birth-date digits; -1 when they are no birth date."""
    return _weighted(yyyymmdd, ID_WEIGHTS[6:14]) if is_valid_birth_date(yyyymmdd) else -1


#: The weighted sum (mod 11) of each three-digit sequence number (digits 15–17).
ID18_SEQUENCE_SUM: Final = {f"{i:03d}": _weighted(f"{i:03d}", ID_WEIGHTS[14:]) for i in range(1000)}


def is_valid_id15(number: str) -> bool:
    """Whether ``number`` is a 15-digit 公民身份号码 (GB 11643-1989: 19yymmdd birth date, no check digit)."""
    if len(number) != 15 or not _is_ascii_digits(number):
        return False
    return number[:2] in _PROVINCE_PREFIXES and is_valid_birth_date("19" + number[6:12])


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit to append to ``payload`` digits (``ValueError`` if they are not digits)."""
    if not _is_ascii_digits(payload):
        raise ValueError("须为数字")
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # these digits are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check."""
    if len(number) < 2 or not _is_ascii_digits(number):
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def is_valid_bank_card(number: str) -> bool:
    """Whether ``number`` is 16–19 digits with a card-scheme prefix and a valid Luhn check digit."""
    return 16 <= len(number) <= 19 and number.startswith(BANK_CARD_PREFIXES) and luhn_valid(number)


def is_mobile(number: str) -> bool:
    """Whether ``number`` is an 11-digit mainland mobile number (13x–19x)."""
    return len(number) == 11 and _is_ascii_digits(number) and number[0] == "1" and number[1] in "3456789"


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """``value`` with everything but the first ``keep_start`` and last ``keep_end`` characters starred."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_email(address: str) -> str:
    """An e-mail address with its local part reduced to its first character and stars."""
    local, _, domain = address.partition("@")
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(name: str) -> str:
    """A personal name with all but its first character starred (张** for 张小明)."""
    return name[:1] + "*" * max(len(name) - 1, 1)
