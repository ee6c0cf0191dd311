"""S000's toy net in PyTorch, for ``compare --framework torch`` (worker side: imports torch).

Linear(2, 100) -> torch.nn.Dropout(p=rate) -> Linear(100, 100) -> Linear(100, 1),
all linear as in Keras, trained eagerly with plain SGD (no momentum, no weight
decay) on the full batch. ``torch.nn.Linear`` keeps its
weight as (out, in): a Keras kernel (in, out) is its transpose. PyTorch draws
dropout masks from its global generator: ``torch.manual_seed(seed)`` is how a
user seeds them (see ``toy_side`` for the interface).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from dropout_lab.core.chunks import in_chunks
from dropout_lab.toy.common import HIDDEN_UNITS

LAYER_CLASS = "torch.nn.Dropout"
LINEAR_CLASS = "torch.nn.Linear"
LINEARS = ("dense_in", "dense_hidden", "dense_out")


def version() -> dict[str, str]:
    """PyTorch's version, for the result and the weights file."""
    return {"torch": torch.__version__}


class ToyNet(torch.nn.Module):
    """The toy net, its layers named as Keras names them."""

    def __init__(self, drop_rate: float):
        super().__init__()
        self.dense_in = torch.nn.Linear(2, HIDDEN_UNITS)
        self.dropout = torch.nn.Dropout(p=drop_rate)
        self.dense_hidden = torch.nn.Linear(HIDDEN_UNITS, HIDDEN_UNITS)
        self.dense_out = torch.nn.Linear(HIDDEN_UNITS, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., 2) -> (..., 1)
        return self.dense_out(self.dense_hidden(self.dropout(self.dense_in(x))))


def build(arrays: dict[str, np.ndarray], drop_rate: float, seed: int) -> ToyNet:
    """The net holding ``arrays`` (Keras layout), in training mode; then seeds its masks."""
    net = ToyNet(drop_rate)  # its own initialisation is overwritten below
    with torch.no_grad():
        for name in LINEARS:
            layer = getattr(net, name)
            layer.weight.copy_(torch.from_numpy(arrays[f"{name}/kernel"].T.copy()))
            layer.bias.copy_(torch.from_numpy(arrays[f"{name}/bias"].copy()))
    torch.manual_seed(seed)  # after the init's draws: masks depend on the seed alone
    return net


def train(net: ToyNet, inputs: np.ndarray, targets: np.ndarray, epochs: int,
          learning_rate: float, progress: Callable[[int, int], None]) -> np.ndarray:
    """``epochs`` full-batch SGD steps with dropout active; the MSE before each step, (epochs,)."""
    # (3, 100) matrices: more threads only wait for each other (x5 slower on a busy 2-core
    # machine); the worker process is this net's alone
    torch.set_num_threads(1)
    net.train()
    params = list(net.parameters())
    step_size = torch.tensor(learning_rate, dtype=torch.float32)
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)  # (samples, 2), (samples, 1)
    losses = np.empty(epochs, np.float32)

    def run(done: int, size: int) -> None:
        for step in range(done, done + size):
            loss = torch.nn.functional.mse_loss(net(x), y)
            grads = torch.autograd.grad(loss, params)
            # plain SGD, w <- w - g * lr, as the Keras loop updates its variables (the
            # update torch.optim.SGD makes, without the second its construction costs)
            with torch.no_grad():
                for param, grad in zip(params, grads, strict=True):
                    param.sub_(grad * step_size)
            losses[step] = loss.item()

    in_chunks(epochs, run, progress)
    return losses


def arrays(net: ToyNet) -> dict[str, np.ndarray]:
    """The net's variables by ``layer/variable``, in Keras's layout (kernel (in, out))."""
    found = {}
    for name in LINEARS:
        layer = getattr(net, name)
        found[f"{name}/kernel"] = layer.weight.detach().numpy().T.copy()
        found[f"{name}/bias"] = layer.bias.detach().numpy().copy()
    return found


def predict(net: ToyNet, inputs: np.ndarray) -> np.ndarray:
    """Test-time output (``eval()``: Dropout is then PyTorch's identity), (samples,)."""
    net.eval()
    try:
        with torch.no_grad():
            return net(torch.from_numpy(inputs)).numpy()[:, 0]
    finally:
        net.train()


def sampler(net: ToyNet, inputs: np.ndarray) -> Callable[[int], np.ndarray]:
    """``sample(n) -> (n, samples)`` float64: n independent training-mode passes.

    One call on n copies of the inputs: Dropout draws every entry of its
    (n, samples, 100) input independently, so each copy is a pass of its own.
    """
    x = torch.from_numpy(inputs)

    def sample(n: int) -> np.ndarray:
        net.train()
        with torch.no_grad():
            out = net(x.expand(n, *x.shape))  # (n, samples, 1)
        return out.numpy()[..., 0].astype(np.float64)

    return sample


def vanilla_expectation(net: ToyNet, keep_prob: float, inputs: np.ndarray) -> np.ndarray:
    """g(X): the net with its dropout replaced by ``x * keep_prob``, (samples,)."""
    with torch.no_grad():
        keep = torch.tensor(keep_prob, dtype=torch.float32)
        hidden = net.dense_in(torch.from_numpy(inputs)) * keep  # (samples, 100)
        return net.dense_out(net.dense_hidden(hidden)).numpy()[:, 0]
