"""toy family."""
