"""gradients family."""
