"""The export routes ``export`` measures: who exports, what runs the artifact, what it needs.

Light (no framework imported). A route is one way a user takes a trained
model out of its framework: an exporter (run in the framework's worker
process) writes an artifact, and a runtime (a worker process of its own)
runs it. Routes marked ``mistake`` are the classic errors users report: a
model exported while its dropout is active (``model(x, training=True)``
traced into a function, a PyTorch module left in ``train()``, an NNX model
exported in train mode). What each needs is found without importing it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

#: The nets every route exports: S000's toy net with the framework's Dropout, the same net
#: with a hand-written vanilla dropout (x * keep at inference), and a small conv net with
#: the framework's channel dropout (one mask per feature map).
NETS = ("toy", "vanilla", "conv")
NET_LAYERS = {"keras": {"toy": "keras.layers.Dropout", "vanilla": "custom VanillaDropout",
                        "conv": "keras.layers.SpatialDropout2D"},
              "torch": {"toy": "torch.nn.Dropout", "vanilla": "custom VanillaDropout",
                        "conv": "torch.nn.Dropout2d"},
              "jax": {"toy": "flax.nnx.Dropout", "vanilla": "custom VanillaDropout",
                      "conv": "flax.nnx.Dropout(broadcast_dims=(1, 2))"}}

#: Framework -> the worker process that trains and exports (``workers.parent``).
EXPORTERS = {"keras": "tensorflow", "torch": "torch", "jax": "jax"}

#: Runtime -> (modules it needs, the extra that installs them).
RUNTIMES = {"tensorflow": ((), None), "onnxruntime": (("onnx", "onnxruntime"), "export"),
            "litert": ((), None), "torch": (("torch",), "torch"),
            "jax": (("jax", "flax"), "jax")}

_FRAMEWORK_NEEDS = {"keras": ((), None), "torch": (("torch",), "torch"),
                    "jax": (("jax", "flax"), "jax")}


@dataclass(frozen=True)
class Route:
    """One way out of a framework, and the runtime that serves the artifact."""

    name: str  # stable id, e.g. torch-onnx-train
    framework: str  # keras | torch | jax
    exporter: str  # what the user calls, in words
    runtime: str  # a key of RUNTIMES
    artifact: str  # savedmodel | onnx | tflite | pt2 | torchscript | jax
    mistake: bool  # exported with dropout active (the classic error)
    needs: tuple[str, ...] = ()  # modules the exporter needs besides its framework

    def __post_init__(self):
        # the matrix's route column folds at spaces: no word longer than a net's column
        assert max(len(word) for word in self.exporter.split()) <= 24, self.exporter

    @property
    def label(self) -> str:
        """``exporter -> runtime``, as the matrix names the route."""
        return f"{self.exporter} \N{RIGHTWARDS ARROW} {self.runtime}"


_ONNX_TF = ("tf2onnx", "onnx")
_ONNX_TORCH = ("onnx", "onnxscript")
ROUTES = (
    Route("keras-savedmodel", "keras", "keras model.export format='tf_saved_model'",
          "tensorflow", "savedmodel", False),
    Route("keras-savedmodel-train", "keras",
          "keras ExportArchive endpoint model(x, training=True)", "tensorflow",
          "savedmodel", True),
    Route("keras-onnx", "keras", "keras model.export format='onnx' (tf2onnx)", "onnxruntime",
          "onnx", False, _ONNX_TF),
    Route("keras-onnx-train", "keras", "tf2onnx from_function of model(x, training=True)",
          "onnxruntime", "onnx", True, _ONNX_TF),
    Route("keras-litert", "keras", "keras model.export format='litert'", "litert", "tflite",
          False),
    Route("keras-litert-train", "keras",
          "TFLiteConverter of model(x, training=True)", "litert", "tflite", True),
    Route("torch-onnx", "torch", "torch.onnx.export from eval()", "onnxruntime", "onnx", False,
          _ONNX_TORCH),
    Route("torch-onnx-train", "torch", "torch.onnx.export from train()", "onnxruntime", "onnx",
          True, _ONNX_TORCH),
    Route("torch-onnx-legacy-train", "torch", "torch.onnx.export dynamo=False from train()",
          "onnxruntime", "onnx", True, ("onnx",)),
    Route("torch-export", "torch", "torch.export.export from eval()", "torch", "pt2", False),
    Route("torch-export-train", "torch", "torch.export.export from train()", "torch", "pt2",
          True),
    Route("torchscript", "torch", "torch.jit.trace from eval()", "torch", "torchscript",
          False),
    Route("torchscript-train", "torch", "torch.jit.trace from train()", "torch", "torchscript",
          True),
    Route("jax-export", "jax", "jax.export of the NNX model after eval()", "jax", "jax",
          False),
    Route("jax-export-train", "jax", "jax.export of the NNX model in train mode", "jax",
          "jax", True),
)
BY_NAME = {route.name: route for route in ROUTES}


def missing(route: Route) -> list[str]:
    """The modules ``route`` needs (exporter, framework and runtime) that are not installed."""
    modules = (*_FRAMEWORK_NEEDS[route.framework][0], *route.needs,
               *RUNTIMES[route.runtime][0])
    return [m for m in dict.fromkeys(modules) if importlib.util.find_spec(m) is None]


def extras(route: Route) -> list[str]:
    """The extras that install everything ``route`` needs (``[]``: the base install)."""
    found = [_FRAMEWORK_NEEDS[route.framework][1], RUNTIMES[route.runtime][1]]
    if route.needs:
        found.append("export")
    return sorted({e for e in found if e})


def install_hint(route: Route) -> str:
    """``pip install 'dropout-lab[torch,export]'``: what brings a missing route."""
    needed = extras(route)
    return f"pip install 'dropout-lab[{','.join(needed)}]'" if needed else "pip install dropout-lab"


def installed() -> list[Route]:
    """The routes that can run here."""
    return [route for route in ROUTES if not missing(route)]
