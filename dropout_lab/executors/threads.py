"""TensorFlow's thread pools for one unit at a time: the count is part of a unit's numbers.

A wide net's sums are split between TensorFlow's intra-op threads, so the
last bits of its numbers depend on how many there are (a 784-2048-2048-2048
net gives other losses with 1 and 2 threads; S003's 256-128-64-32 net does
not). A sweep that must give the same numbers on any executor computes
every unit with the same count, set here before TensorFlow starts its pools.
"""

from __future__ import annotations

from dropout_lab.core.tfenv import import_tf


def pin_threads(threads: int | None) -> int:
    """Make TensorFlow use ``threads`` intra- and inter-op threads in this process.

    Args:
        threads: the count; None leaves TensorFlow's default (one per core).

    Returns:
        The intra-op count TensorFlow uses now: ``threads`` when it could be set,
        else what the process already had (0: TensorFlow's default, one per core).
        TensorFlow fixes its pools when it runs its first operation; a process
        that ran one before keeps its count.
    """
    tf = import_tf()
    current = tf.config.threading.get_intra_op_parallelism_threads()
    if threads is None or current == threads:
        return current
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # the pools exist already
        return current
    return threads
