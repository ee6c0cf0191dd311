"""Exceptions the library raises; the CLI maps them to exit codes.

``ConfigError`` means the user asked for something invalid (exit 2, like a
Click usage error); ``ExperimentError`` means a valid request could not be
carried out: a file is unreadable, a run is damaged, a layer failed (exit 1).
Messages follow Keras's pattern: what was wrong, what is accepted, what was
received, in one line.
"""


class DropoutLabError(Exception):
    """Base class of every error the library reports to the user."""


class ConfigError(DropoutLabError, ValueError):
    """An option, config key or config value is invalid.

    Attributes:
        param: the option or key the error is about (e.g. ``"rate"``), or None.
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


class ExperimentError(DropoutLabError, RuntimeError):
    """A valid request failed: unreadable file, damaged run, failing layer."""


def invalid_value(name: str, expected: str, received: object) -> ConfigError:
    """Build a ConfigError in Keras's pattern.

    Args:
        name: the option or config key, e.g. ``"rate"``.
        expected: what is accepted, e.g. ``"a float in [0, 1)"``.
        received: the offending value.

    Returns:
        ConfigError whose message reads
        ``Invalid value for `rate`: expected a float in [0, 1). Received: rate=1.5``.
    """
    return ConfigError(
        f"Invalid value for `{name}`: expected {expected}. Received: {name}={received!r}",
        param=name,
    )
