"""The dropout implementations under test: the one --layer registry, dropout-lab's own layers, the NumPy reference."""
