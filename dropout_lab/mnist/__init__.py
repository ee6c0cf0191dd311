"""mnist family."""
