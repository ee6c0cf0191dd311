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
    def from_json(cls, data: dict[str, float | None]) -> "Interval":
        """The inverse of ``to_json`` (strict JSON writes infinite bounds as null)."""
        def number(key: str, missing: float) -> float:
            value = data[key]
            if value is None:
                return missing
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"interval `{key}` must be a number, not {value!r}")
            return float(value)

        return cls(number("estimate", math.nan), number("low", -math.inf),
                   number("high", math.inf), number("confidence", math.nan))
