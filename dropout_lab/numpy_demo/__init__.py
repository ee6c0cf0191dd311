"""numpy_demo family."""
