"""Dropout across frameworks: PyTorch, JAX (Flax NNX, Flax Linen, Equinox), Keras's backends."""
