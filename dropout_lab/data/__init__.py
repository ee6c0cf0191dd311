"""Datasets, made available offline and verified before use."""
