"""The implementations under test: the one --layer registry, own layers, the NumPy reference."""
