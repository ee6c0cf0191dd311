"""The one interval type: an estimate with two bounds and their coverage (no NumPy here)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval.

    Attributes:
        estimate: point estimate.
        low, high: the bounds.
        confidence: coverage, e.g. 0.95.
    """

    estimate: float
    low: float
    high: float
    confidence: float

    def covers(self, value: float) -> bool:
        """True when ``low <= value <= high``."""
        return self.low <= value <= self.high

    def to_json(self) -> dict[str, float]:
        """The one JSON form of an interval: estimate, low, high, confidence."""
        return {"estimate": self.estimate, "low": self.low, "high": self.high,
                "confidence": self.confidence}

    @classmethod
    def from_json(cls, data: dict[str, float | None]) -> Interval:
        """The inverse of ``to_json``: strict JSON wrote NaN and infinite numbers as null, so a
        null ``low`` reads as -inf, a null ``high`` as +inf and a null ``estimate`` or
        ``confidence`` as NaN.

        Raises:
            TypeError: a bound is not a number (or null).
            KeyError: a key is missing.
        """
        def number(key: str, missing: float) -> float:
            value = data[key]
            if value is None:
                return missing
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"interval `{key}` must be a number, not {value!r}")
            return float(value)

        return cls(number("estimate", math.nan), number("low", -math.inf),
                   number("high", math.inf), number("confidence", math.nan))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> object:
        """How pydantic reads and writes an interval (``core.results``): exactly four keys,
        each a number or null, read with ``from_json``, written with ``to_json``."""
        from pydantic_core import core_schema

        number = core_schema.nullable_schema(core_schema.float_schema())
        fields = {key: core_schema.typed_dict_field(number)
                  for key in ("estimate", "low", "high", "confidence")}
        from_dict = core_schema.no_info_after_validator_function(
            cls.from_json, core_schema.typed_dict_schema(fields, extra_behavior="forbid"))
        return core_schema.json_or_python_schema(
            json_schema=from_dict,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls),
                                                    from_dict]),
            serialization=core_schema.plain_serializer_function_ser_schema(cls.to_json))
