"""Finnish dates and money in every language."""
import datetime as dt
from decimal import Decimal

import pytest

from formatting import format_date, format_datetime, format_money, format_unit_price
from domain.money import round_cents, vat_part


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_money_has_decimal_comma_and_euro_after(lang):
    assert format_money(Decimal("6.93"), lang) == "6,93\u00a0€"
    assert format_money(Decimal("1234.5"), lang).replace("\u00a0", " ") == "1 234,50 €"


def test_unit_price_keeps_three_decimals_when_it_has_them():
    assert format_unit_price(Decimal("3.955"), "fi") == "3,955\u00a0€"
    assert format_unit_price(Decimal("2.8400"), "fi") == "2,84\u00a0€"


def test_dates_are_day_month_year_without_padding():
    assert format_date(dt.date(2023, 5, 15)) == "15.5.2023"
    assert format_date(dt.date(2024, 12, 1)) == "1.12.2024"


def test_stored_utc_times_are_shown_in_helsinki_time():
    # 22:30 UTC on 30 June is 01:30 on 1 July in summer time (UTC+3).
    assert format_datetime(dt.datetime(2024, 6, 30, 22, 30)) == "1.7.2024 1.30"


def test_money_rounds_half_up_once():
    assert round_cents(Decimal("2.845")) == Decimal("2.85")
    assert round_cents(Decimal("6.790")) == Decimal("6.79")
    with pytest.raises(TypeError):
        round_cents(6.93)


def test_vat_contained_in_a_gross_amount():
    assert vat_part(Decimal("125.50"), Decimal("25.5")) == Decimal("25.50")
    assert vat_part(Decimal("124.00"), Decimal("24")) == Decimal("24.00")
