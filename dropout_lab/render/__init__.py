"""Rich renderables and JSON objects for each experiment's result.

Rendering never computes results; it formats what the library measured.
"""


def num(value: float, digits: int = 7) -> str:
    """A number with ``digits`` significant digits (seed 000 printed 7)."""
    return f"{value:.{digits}g}"
