"""dropout-lab: reproducible experiments on how dropout behaves in today's frameworks.

Importing this package is cheap: TensorFlow is imported lazily, only by the
experiments that need it.
"""

__version__ = "0.2.0"
