"""Executors: where the independent (point, seed) units of a sweep run.

One interface for every sweep (``mnist``, ``sweep``; ``reproduce`` passes it
on): a family hands ``run`` its jobs (one per unit, each with JSON-able
arguments), the name of its unit task (``dropout_lab.<module>:<function>``),
the data every unit shares (NumPy arrays) and a writer; the executor calls
the task once per job and gives every payload it returns (numbers, curves,
weights as arrays) back to the writer, in the driver process, which writes
the unit's folder exactly as the in-process loop does.

- ``local`` (the default): the units one after another, in this process.
- ``ray`` (the ``[ray]`` extra): each unit one Ray task, on this machine's cores
  or on a cluster (``--address``); the shared data goes to the object store once.

Below every family: imports no family, and neither TensorFlow nor Ray at import.
"""
