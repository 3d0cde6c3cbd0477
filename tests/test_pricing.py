"""Prices per emptying: rows rounded once, totals equal to the rows shown."""
import datetime as dt
from decimal import Decimal

from hypothesis import given, strategies as st

from domain import price_list
from domain.pricing import EmptyingPrice, emptying_price, offered_bin_sizes, price_lines
from models import PriceListRow

unit_prices = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99.999"), places=3)


@given(unit_prices, unit_prices, st.integers(1, 10))
def test_total_is_the_sum_of_the_rows_shown(treatment, emptying, bins):
    lines = price_lines({"waste_treatment": treatment, "bin_emptying": emptying}, bins)
    for line in lines:
        assert line.amount == (line.unit_price * bins).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert line.amount.as_tuple().exponent == -2
    price = EmptyingPrice(lines, Decimal("25.5"))
    assert price.total == lines[0].amount + lines[1].amount
    exact = (treatment + emptying) * bins
    assert abs(price.total - exact) <= Decimal("0.01")  # each row rounded once, to the cent


def test_three_decimal_unit_prices_round_half_up_per_row():
    lines = price_lines({"waste_treatment": Decimal("2.845"), "bin_emptying": Decimal("3.955")}, 1)
    assert [line.amount for line in lines] == [Decimal("2.85"), Decimal("3.96")]
    lines = price_lines({"waste_treatment": Decimal("2.845"), "bin_emptying": Decimal("3.955")}, 3)
    assert [line.amount for line in lines] == [Decimal("8.54"), Decimal("11.87")]


def test_the_seed_example_adds_up(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    price = emptying_price("mixed", 240, 1, dt.date(2026, 5, 15))
    assert [line.amount for line in price.lines] == [Decimal("2.84"), Decimal("3.95")]
    assert price.total == Decimal("6.79")  # the seed's screenshot says 6,93: rows must add up
    assert price.vat_rate == Decimal("25.5")


@given(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2028, 12, 31)),
       st.sampled_from([140, 240, 360, 660]), st.integers(1, 5))
def test_totals_equal_the_rows_at_every_date(ctx_prices, day, size, bins):
    price = emptying_price("mixed", size, bins, day)
    assert price is not None
    assert price.total == sum(line.amount for line in price.lines)
    assert price.vat_rate == (Decimal("24") if day < dt.date(2024, 9, 1) else Decimal("25.5"))


def test_bin_sizes_offered_come_from_the_price_list(ctx):
    PriceListRow.insert_many(price_list.price_rows()).execute()
    assert [size for size, _ in offered_bin_sizes("bio", dt.date(2026, 6, 1))] == [140, 240]
    assert [size for size, _ in offered_bin_sizes("mixed", dt.date(2026, 6, 1))] == [140, 240, 360, 660]
