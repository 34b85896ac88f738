"""Validators of personal numbers: known values, generated round-trips, corruption, arbitrary input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_flow.plugins.negative_list import validators as v

_PROVINCES = sorted(v.PROVINCE_CODES)


@st.composite
def id18_numbers(draw: st.DrawFn) -> str:
    """A valid 18-character 公民身份号码: province, area, birth date, sequence and check character."""
    province = draw(st.sampled_from(_PROVINCES))
    area = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{province:02d}{area:04d}{born:%Y%m%d}{sequence:03d}"
    return first17 + v.id18_check_char(first17)


@st.composite
def bank_cards(draw: st.DrawFn) -> str:
    """A Luhn-valid bank card number of 16–19 digits with a card-scheme prefix."""
    prefix = draw(st.sampled_from(["62", "4", "51", "55", "9"]))
    length = draw(st.integers(16, 19))
    body = draw(st.text("0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1))
    payload = prefix + body
    return payload + v.luhn_check_digit(payload)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "371102198503121234"])
def test_known_valid_id_numbers(number: str) -> None:
    """Published examples and hand-checked numbers pass the GB 11643 check."""
    assert v.is_valid_id18(number)
    assert v.is_valid_id18(number.lower())


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "wrong check character"),
        ("110105194902300025", "30 February"),
        ("990105194912310028", "unknown province"),
        ("11010519491231002", "17 characters"),
        ("11010519491231002Y", "bad check character"),
        ("１１０１０５１９４９１２３１００２Ｘ", "full-width digits are normalised by the scanner, not here"),
    ],
)
def test_invalid_id_numbers(number: str, why: str) -> None:
    """Numbers with a bad check character, date, province or length are refused."""
    assert not v.is_valid_id18(number), why


def test_luhn_known_values() -> None:
    """The classic Luhn examples: 79927398713 passes, 79927398710 does not."""
    assert v.luhn_valid("79927398713")
    assert not v.luhn_valid("79927398710")
    assert v.luhn_check_digit("7992739871") == "3"
    assert v.is_valid_bank_card("4111111111111111")
    assert not v.is_valid_bank_card("4111111111111112")
    assert not v.is_valid_bank_card("1111111111111117")  # Luhn-valid but no card-scheme prefix


def test_id15_and_mobile() -> None:
    """The 15-digit form needs a real 19yy date; mobiles are 11 digits in the 13x–19x ranges."""
    assert v.is_valid_id15("371102850312123")
    assert not v.is_valid_id15("371102851312123")
    assert v.is_mobile("13906331234")
    assert not v.is_mobile("12906331234")
    assert not v.is_mobile("1390633123")


@given(id18_numbers())
def test_generated_id_numbers_round_trip(number: str) -> None:
    """Every generated valid ID number passes, with either case of a trailing X."""
    assert v.is_valid_id18(number)
    assert v.id18_birth_date_valid(number)
    assert v.is_valid_id18(number.lower())


@given(id18_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_rejected(number: str, position: int, replacement: str) -> None:
    """MOD 11-2 catches every single-character change of an ID number."""
    if number[position].upper() == replacement:
        return
    corrupted = number[:position] + replacement + number[position + 1 :]
    assert not v.is_valid_id18(corrupted)


@given(id18_numbers(), st.integers(0, 16))
def test_adjacent_transpositions_are_rejected(number: str, position: int) -> None:
    """Swapping two different adjacent digits of an ID number is caught."""
    a, b = number[position], number[position + 1]
    if a == b or "X" in (a, b):
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not v.is_valid_id18(swapped)


@given(bank_cards())
def test_generated_bank_cards_round_trip(number: str) -> None:
    """Every generated Luhn-valid card number with a scheme prefix passes."""
    assert v.is_valid_bank_card(number)


@given(bank_cards(), st.integers(0, 18), st.integers(1, 9))
def test_any_single_digit_change_of_a_card_is_rejected(number: str, position: int, delta: int) -> None:
    """Luhn catches every single-digit change of a card number."""
    position %= len(number)
    digit = (int(number[position]) + delta) % 10
    corrupted = number[:position] + str(digit) + number[position + 1 :]
    assert not v.luhn_valid(corrupted)


@given(st.text())
def test_validators_never_crash_on_arbitrary_unicode(text: str) -> None:
    """Every validator answers a bool for any string; maskers keep the length."""
    for check in (
        v.is_valid_id18,
        v.is_valid_id15,
        v.id18_birth_date_valid,
        v.is_valid_bank_card,
        v.luhn_valid,
        v.is_mobile,
        v.is_valid_birth_date,
    ):
        assert isinstance(check(text), bool)
    assert len(v.mask_middle(text, 3, 4)) == len(text)
    assert "@" in v.mask_email(text + "@x.cn")


def test_masks_keep_only_the_ends() -> None:
    """Masked numbers keep the region code and the last digits, as 公示 lists do."""
    assert v.mask_middle("371102198503121234", 6, 4) == "371102********1234"
    assert v.mask_middle("13906331234", 3, 4) == "139****1234"
    assert v.mask_email("zhangsan@163.com") == "z***@163.com"
    assert v.mask_name("刘建国") == "刘**"
