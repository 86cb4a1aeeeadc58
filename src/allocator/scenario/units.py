"""Numeric field types with their units: annual rates as decimals, percent strings accepted.

``"19.7%"`` → 0.197, ``"25bp"`` → 0.0025, ``0.197`` → 0.197. Booleans are never numbers.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PERCENT = re.compile(rf"^\s*({_NUMBER})\s*(%|bps?)?\s*$")


def parse_rate(value: Any) -> Any:
    """Turn ``"19.7%"``/``"25bp"`` into a decimal; leave other input for pydantic to judge."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a percent string such as '5%', found {value!r}")
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match is None:
            raise ValueError(
                f"expected a number or a percent string such as '5%' or '25bp', found {value!r}"
            )
        number = float(match.group(1))
        unit = match.group(2)
        if unit is not None and math.isfinite(number) and number != 0.0:
            # Scale in decimal so "19.7%" is exactly the float 0.197 (not 0.19699999999999998).
            number = float(Decimal(match.group(1)).scaleb(-2 if unit == "%" else -4))
        return number
    return value


def no_bool(value: Any) -> Any:
    """Reject YAML booleans where a number is expected (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, found {value!r}")
    return value


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, found {value!r}")
    return value


#: Plain numbers that refuse booleans (constraints are added where they are used).
Int = Annotated[int, BeforeValidator(no_bool)]
Float = Annotated[float, BeforeValidator(no_bool)]
#: What a rate may be written as, for the JSON Schema: a number, or a string like "5%"/"25bp".
RateInput = float | Annotated[str, Field(pattern=_PERCENT.pattern)]
_rate = BeforeValidator(parse_rate, json_schema_input_type=RateInput)
#: An annual rate or return as a decimal (0.05 = 5%/yr); accepts "5%" and "50bp".
Rate = Annotated[float, _rate, Field(allow_inf_nan=False)]
#: A rate that cannot be negative (volatilities, expense ratios).
NonNegativeRate = Annotated[float, _rate, Field(ge=0, allow_inf_nan=False)]
#: A probability or a portfolio weight in [0, 1]; accepts "30%".
Probability = Annotated[float, _rate, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: A positive count of months.
Months = Annotated[int, BeforeValidator(no_bool), Field(ge=1, le=1200)]
#: A month index counted from the start (month 1 is the first simulated month).
MonthIndex = Annotated[int, BeforeValidator(no_bool), Field(ge=0, le=1200)]
#: A positive real number of months (half-lives, block lengths).
PositiveMonths = Annotated[
    float, BeforeValidator(no_bool), Field(gt=0.0, le=1200.0, allow_inf_nan=False)
]
PositiveFloat = Annotated[float, BeforeValidator(no_bool), Field(gt=0.0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, BeforeValidator(no_bool), Field(ge=0.0, allow_inf_nan=False)]
Number = Annotated[float, BeforeValidator(no_bool), Field(allow_inf_nan=False)]
#: An identifier for assets, regimes, events, portfolios: letters, digits, underscores.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
