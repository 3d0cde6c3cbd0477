"""Bank barcodes against the published examples of the Finnish banks' barcode guide."""
import datetime as dt
from decimal import Decimal

import pytest

from domain.barcode import virtual_barcode
from domain.reference import rf_reference


@pytest.mark.parametrize("iban, amount, reference, due, expected", [
    ("FI79 4405 2020 0360 82", "4883.15", "86851 62596 19897", dt.date(2010, 6, 12),
     "479440520200360820048831500000000868516259619897100612"),
    ("FI58 1017 1000 0001 22", "482.99", "55958 22432 94671", dt.date(2012, 1, 31),
     "458101710000001220004829900000000559582243294671120131"),
    ("FI79 4405 2020 0360 82", "4883.15", "RF09 8685 1625 9619 897", dt.date(2010, 6, 12),
     "579440520200360820048831509000000868516259619897100612"),
])
def test_published_examples(iban, amount, reference, due, expected):
    assert virtual_barcode(iban, Decimal(amount), reference, due) == expected


def test_the_rf_form_of_the_example_reference():
    assert rf_reference("868516259619897") == "RF09868516259619897"


def test_no_due_date_and_too_large_amounts_are_zeros():
    code = virtual_barcode("FI7944052020036082", Decimal("1000000.00"), "13", None)
    assert code[17:25] == "00000000" and code.endswith("000000") and len(code) == 54
