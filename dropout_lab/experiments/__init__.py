"""One module per experiment, each exposing ``run(config, ...) -> Result``.

Config dataclasses live at module level and import nothing heavy; TensorFlow
is imported inside ``run`` so that config errors stay fast.
"""
