"""The batch order of a unit of an MNIST sweep (every family that trains ``core.mlp`` nets)."""

from __future__ import annotations

import numpy as np


def derived_seed(seed: int, *purpose: int) -> int:
    """A 31-bit seed for one purpose (layer initialiser, dropout mask, batch order) of a unit."""
    return int(np.random.SeedSequence([seed, *purpose]).generate_state(1)[0] >> 1)


class PassOrders:
    """The batch order of a unit: pass p is the p-th permutation drawn from the unit's rng.

    Steps are asked for in increasing order, so passes before the one asked for
    are forgotten: memory stays at the passes one call covers.
    """

    def __init__(self, size: int, seed: int):
        self.size, self.rng = size, np.random.default_rng(seed)
        self.perms: dict[int, np.ndarray] = {}
        self.drawn = 0  # passes drawn so far

    def covering(self, first_step: int, end_step: int, steps_per_pass: int):
        """(first pass, concatenated permutations) covering steps [first_step, end_step)."""
        first, last = first_step // steps_per_pass, max(first_step, end_step - 1) // steps_per_pass
        while self.drawn <= last:
            self.perms[self.drawn] = self.rng.permutation(self.size).astype(np.int32)
            self.drawn += 1
        for old in [p for p in self.perms if p < first]:
            del self.perms[old]
        return first, np.concatenate([self.perms[p] for p in range(first, last + 1)])
