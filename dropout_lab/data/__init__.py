"""Datasets, made available offline and verified before use (MNIST and any idx dataset)."""
