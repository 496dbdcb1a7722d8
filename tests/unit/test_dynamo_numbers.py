"""What DynamoDB cannot store never becomes a failed write: a float nearer zero than its
smallest number is kept as 0, one beyond its largest is a 400 (store/dynamo.py). The
schema fuzzing once made PUT /settings a 500 with an SLA target of 1.44e-141 hours."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.store.dynamo import deserialize, serialize


def test_a_float_too_small_to_store_is_stored_as_zero() -> None:
    raw = serialize({"hours": 1.44e-141, "nested": {"price": [-1e-200, 2.5]}})
    assert raw["hours"] == {"N": "0"}
    assert deserialize(raw) == {"hours": 0, "nested": {"price": [0, 2.5]}}


@pytest.mark.parametrize("huge", [1e126, -1.7e308])
def test_a_float_too_large_to_store_is_refused_as_input(huge: float) -> None:
    with pytest.raises(InvalidInput):
        serialize({"answer": {"value": huge}})


def test_ordinary_numbers_keep_their_value() -> None:
    raw = serialize({"a": 0.1, "b": 12345.678, "c": 3, "d": Decimal("1.5")})
    assert deserialize(raw) == {"a": 0.1, "b": 12345.678, "c": 3, "d": 1.5}
