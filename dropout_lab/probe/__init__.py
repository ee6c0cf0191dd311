"""probe family."""
