"""Finnish reference numbers and RF references against published examples."""
import pytest
from hypothesis import given, strategies as st

from domain.reference import (fi_reference, is_valid_fi_reference, is_valid_rf_reference,
                              rf_reference)
from formatting import format_reference


@pytest.mark.parametrize("base, expected", [
    ("1234567", "12345672"),  # Finanssiala's example
    ("123", "1232"),
    ("100", "1009"),
])
def test_check_digit_uses_weights_731_from_the_right(base, expected):
    assert fi_reference(base) == expected


def test_rf_form_of_the_published_example():
    assert rf_reference("539007547034") == "RF18539007547034"
    assert is_valid_rf_reference("RF18 5390 0754 7034")
    assert not is_valid_rf_reference("RF19539007547034")


def test_print_groups():
    assert format_reference("12345672") == "123 45672"
    assert format_reference("RF18539007547034") == "RF18 5390 0754 7034"


@given(st.integers(min_value=100, max_value=10**18))
def test_every_generated_reference_validates_in_both_forms(base):
    ref = fi_reference(base)
    assert is_valid_fi_reference(ref)
    assert is_valid_rf_reference(rf_reference(ref))


@given(st.integers(min_value=100, max_value=10**15), st.integers(min_value=1, max_value=9))
def test_a_changed_digit_is_detected(base, delta):
    ref = fi_reference(base)
    wrong = ref[:-1] + str((int(ref[-1]) + delta) % 10)
    assert not is_valid_fi_reference(wrong)
