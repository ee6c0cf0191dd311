"""PyTorch's dropouts as probe appliers (worker side: imports torch).

``build(impl, rate, seed)`` returns an applier with ``train(x) -> (out, grad)``
(one training-mode draw and ``d sum(out) / d x`` of that same draw) and
``test(x)`` (the module in ``eval()`` mode; None for the functional form),
as ``dropout_lab.dropouts.appliers`` documents. PyTorch draws masks from its
global generator: ``torch.manual_seed(seed)`` at build time is how a user
seeds them. Inputs are NumPy float32 arrays in PyTorch's own layout (N, C, ...).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from dropout_lab.dropouts.registry import Implementation

MODULES = {"torch.nn.Dropout": "Dropout", "torch.nn.Dropout1d": "Dropout1d",
           "torch.nn.Dropout2d": "Dropout2d", "torch.nn.Dropout2d-on-3d": "Dropout2d",
           "torch.nn.Dropout3d": "Dropout3d", "torch.nn.AlphaDropout": "AlphaDropout",
           "torch.nn.FeatureAlphaDropout": "FeatureAlphaDropout"}


def version() -> dict[str, str]:
    """The framework's version, for tables and manifests."""
    return {"torch": torch.__version__}


class Applier:
    """One PyTorch module (or function) applied to NumPy arrays."""

    def __init__(self, call: Callable[[torch.Tensor], torch.Tensor],
                 module: torch.nn.Module | None):
        self._call, self._module = call, module
        self.function = module is None

    def train(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self._module is not None:
            self._module.train()
        inputs = torch.from_numpy(x.copy()).requires_grad_(True)
        out = self._call(inputs)
        if out.requires_grad:
            out.sum().backward()
        grad = inputs.grad
        return out.detach().numpy(), None if grad is None else grad.numpy()

    def test(self, x: np.ndarray) -> np.ndarray | None:
        if self._module is None:
            return None
        self._module.eval()
        with torch.no_grad():
            return self._call(torch.from_numpy(x.copy())).numpy()


def build(impl: Implementation, rate: float, seed: int) -> Applier:
    """The module (or function) at ``rate``; PyTorch's own exception propagates."""
    torch.manual_seed(seed)
    if impl.function:
        return Applier(lambda x: torch.nn.functional.dropout(x, rate), None)
    module = getattr(torch.nn, MODULES[impl.name])(p=rate)
    return Applier(module, module)


def default_call(impl: Implementation, rate: float, x: np.ndarray) -> np.ndarray:
    """Built and called with defaults only: ``F.dropout(x, p)``, or ``Module(p)(x)`` (a new
    module is in training mode)."""
    inputs = torch.from_numpy(x.copy())
    with torch.no_grad():
        if impl.function:
            return torch.nn.functional.dropout(inputs, rate).numpy()
        return getattr(torch.nn, MODULES[impl.name])(rate)(inputs).numpy()
