"""``export``, PyTorch exporter (worker side: imports torch).

The three nets as ``torch.nn.Module``s (the conv net takes channels first,
(batch, 3, 8, 8)), trained for a few SGD steps in ``train()`` mode, then
written along each route:

- ``torch-onnx`` / ``torch-onnx-train``: ``torch.onnx.export`` (its default,
  torch.export-based exporter) from ``eval()`` / from ``train()``;
- ``torch-onnx-legacy-train``: ``torch.onnx.export(dynamo=False)`` (the
  TorchScript-based exporter) from ``train()``;
- ``torch-export`` / ``torch-export-train``: ``torch.export.export``, saved
  with ``torch.export.save``, from ``eval()`` / ``train()``;
- ``torchscript`` / ``torchscript-train``: ``torch.jit.trace``, saved, from
  ``eval()`` / ``train()``.

Masks come from PyTorch's global generator, seeded from the run's seed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dropout_lab.export import inputs as shared


def version() -> dict[str, str]:
    """PyTorch's version (and the ONNX exporter's helpers' when installed)."""
    found: dict[str, str] = {"torch": torch.__version__}
    for name in ("onnxscript", "onnx"):
        with contextlib.suppress(ImportError):
            found[name] = __import__(name).__version__
    return found


class VanillaDropout(torch.nn.Module):
    """Vanilla dropout, hand-written: x * mask in train(), x * keep in eval()."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return x * (torch.rand_like(x) >= self.rate).to(x.dtype)
        return x * (1.0 - self.rate)


class Toy(torch.nn.Module):
    """S000's toy net (all linear), with ``dropout`` after the first layer."""

    def __init__(self, dropout: torch.nn.Module):
        super().__init__()
        self.dense_in = torch.nn.Linear(shared.TOY_FEATURES, shared.HIDDEN_UNITS)
        self.dropout = dropout
        self.dense_hidden = torch.nn.Linear(shared.HIDDEN_UNITS, shared.HIDDEN_UNITS)
        self.dense_out = torch.nn.Linear(shared.HIDDEN_UNITS, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 2) -> (batch, 1)
        return self.dense_out(self.dense_hidden(self.dropout(self.dense_in(x))))


class Conv(torch.nn.Module):
    """Conv2d -> Dropout2d (whole channels) -> global mean -> Linear."""

    def __init__(self, rate: float):
        super().__init__()
        self.conv = torch.nn.Conv2d(shared.CONV_SHAPE[2], shared.CONV_FILTERS, 3, padding=1)
        self.dropout = torch.nn.Dropout2d(rate)
        self.dense_out = torch.nn.Linear(shared.CONV_FILTERS, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 3, 8, 8) -> (batch, 1)
        return self.dense_out(self.dropout(self.conv(x)).mean(dim=(2, 3)))


def _tensor(net: str, x: np.ndarray) -> torch.Tensor:
    """The probe inputs as this net takes them: channels first for the conv net."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2) if net == "conv"
                                                 else x))


def prepare(net: str, rate: float, steps: int, seed: int) -> tuple[torch.nn.Module, dict]:
    """Build, then train ``steps`` full-batch SGD steps in ``train()`` mode."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # tiny nets: more threads only wait for each other
    model = (Conv(rate) if net == "conv"
             else Toy(torch.nn.Dropout(rate) if net == "toy" else VanillaDropout(rate)))
    inputs, targets = shared.training_data(net, seed)
    x, y = _tensor(net, inputs), torch.from_numpy(targets)
    model.train()
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, list(model.parameters()))
        with torch.no_grad():
            for param, grad in zip(model.parameters(), grads, strict=True):
                param.sub_(grad * shared.LEARNING_RATE)
        losses.append(loss.item())
    return model, {"losses": [losses[0], losses[-1]] if losses else [],
                   "layer": type(model.dropout).__name__}


def references(model: torch.nn.Module, net: str, x: np.ndarray) -> dict[str, list[float]]:
    """``eval()`` output; for the vanilla net also the output with the dropout as identity."""
    model.eval()
    with torch.no_grad():
        found = {"inference": model(_tensor(net, x))[:, 0].tolist()}
        if net == "vanilla":
            assert isinstance(model, Toy)  # prepare's vanilla net is the toy net
            hidden = model.dense_in(_tensor(net, x))
            found["unscaled"] = model.dense_out(model.dense_hidden(hidden))[:, 0].tolist()
    return found


def export(route: str, model: torch.nn.Module, net: str, stem: Path, x: np.ndarray
           ) -> tuple[Path, dict[str, Any]]:
    """Write the artifact of ``route`` (mode from its name) at ``stem`` + its suffix."""
    model.train(route.endswith("-train"))
    args = (_tensor(net, x),)
    extras = {"layout": "NCHW"} if net == "conv" else {}
    if route.startswith("torch-onnx"):
        path = stem.with_suffix(".onnx")
        torch.onnx.export(model, args, str(path), input_names=["x"], output_names=["y"],
                          dynamo=not route.startswith("torch-onnx-legacy"),
                          external_data=False, verbose=False)
    elif route.startswith("torch-export"):
        path = stem.with_suffix(".pt2")
        torch.export.save(torch.export.export(model, args), str(path))
    elif route.startswith("torchscript"):
        path = stem.with_suffix(".ts")
        torch.jit.trace(model, args, check_trace=False).save(str(path))
    else:
        raise ValueError(f"no PyTorch route {route!r}")
    model.train()
    return path, extras
