"""``export``, runtime side: load an artifact in its runtime, list its dropout/random nodes.

Each ``load_<artifact>(path, seed)`` returns a ``Loaded``: ``call(x) ->
(batch,)`` float64, the graph's dropout and random nodes (each with its
mode where the format states one, e.g. ``Dropout(training_mode=True)``),
whether any of them draws at run time by the graph's own words
(``active``), and the runtime's name. Imports happen inside each loader:
a runtime process imports only its own runtime.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

from dropout_lab.core.tfenv import import_tf

ONNX_RANDOM = ("RandomUniform", "RandomUniformLike", "RandomNormal", "RandomNormalLike",
               "Bernoulli", "Multinomial")
TORCH_RANDOM = re.compile(r"dropout|bernoulli|rand")  # aten.dropout, aten.rand_like...
JAX_RANDOM = re.compile(r"threefry2x32|rng_bit_generator|stablehlo\.rng\b")


@dataclass
class Loaded:
    """An artifact ready to call, and what its graph says about dropout."""

    call: Callable[[np.ndarray], np.ndarray]
    nodes: list[str]  # dropout / random nodes, with their mode
    active: bool  # a node that draws at run time (by the graph's own words)
    runtime: str  # the runtime and its version
    unoptimized: Callable[[np.ndarray], np.ndarray] | None = None  # ORT, no graph rewrites
    unsupported: list[str] = field(default_factory=list)  # ops the format does not define


class Refused(Exception):
    """The runtime refused an artifact whose graph was read: what the graph holds is kept."""

    def __init__(self, message: str, nodes: list[str], unsupported: list[str]):
        super().__init__(message)
        self.nodes, self.unsupported = nodes, unsupported


def _one_thread_tf(tf) -> None:
    """TensorFlow on one thread: tiny nets, where more threads only wait for each other
    (a shared 2-core machine made calls 20-40x slower with the default pools)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised in this process: keep its pools
        pass


def _column(out) -> np.ndarray:
    return np.asarray(out, dtype=np.float64).reshape(len(out), -1)[:, 0]


def load_savedmodel(path: Path, seed: int) -> Loaded:
    """A SavedModel in TensorFlow: its ``serve`` endpoint; ops of the serving graph."""
    tf = import_tf()
    _one_thread_tf(tf)
    tf.random.set_seed(seed)
    loaded = tf.saved_model.load(str(path))
    graph = loaded.signatures["serving_default"].graph.as_graph_def()
    ops = [n.op for n in graph.node] + [n.op for f in graph.library.function
                                        for n in f.node_def]
    # ops that draw (StatelessRandomGetKeyCounter only derives a key from a seed)
    random = [op for op in ops if ("Random" in op and "Get" not in op)
              or op in ("Multinomial", "Dropout")]
    nodes = [f"{op} \N{MULTIPLICATION SIGN}{random.count(op)}" if random.count(op) > 1 else op
             for op in dict.fromkeys(random)]
    return Loaded(lambda x: _column(loaded.serve(tf.constant(x)).numpy()), nodes,
                  bool(random), f"tensorflow {tf.__version__}")


def _onnx_value(model, name: str):
    """The constant an ONNX input names (an initializer or a Constant node), else None."""
    import onnx

    for init in model.graph.initializer:
        if init.name == name:
            return onnx.numpy_helper.to_array(init)
    for node in model.graph.node:
        if node.op_type == "Constant" and node.output and node.output[0] == name:
            return onnx.numpy_helper.to_array(node.attribute[0].t)
    return None


def load_onnx(path: Path, seed: int) -> Loaded:
    """An ONNX file in onnxruntime: as served (default options) and with no graph rewrites."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    nodes, active, unsupported = [], False, []
    for node in model.graph.node:
        if node.op_type == "Dropout":
            given = _onnx_value(model, node.input[2]) if len(node.input) > 2 and \
                node.input[2] else None
            training = bool(given) if given is not None else False
            nodes.append(f"Dropout (training_mode={training})")
            active |= training
        elif node.op_type in ONNX_RANDOM:
            nodes.append(node.op_type)
            active = True
        elif not onnx.defs.has(node.op_type, node.domain or ""):
            unsupported.append(node.op_type)
    ort.set_seed(seed)

    def session(level) -> Callable[[np.ndarray], np.ndarray]:
        options = ort.SessionOptions()
        options.graph_optimization_level = level
        options.log_severity_level = 3
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # tiny nets
        run = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        name = run.get_inputs()[0].name
        return lambda x: _column(run.run(None, {name: x})[0])

    level = ort.GraphOptimizationLevel
    try:
        served = session(level.ORT_ENABLE_ALL)  # onnxruntime's default
        plain = session(level.ORT_DISABLE_ALL) if nodes or unsupported else None
    except Exception as exc:  # noqa: BLE001  (onnxruntime raises its own types)
        said = str(exc).replace(str(path), path.name)  # the run folder's path says nothing
        raise Refused(f"{type(exc).__name__}: {said}", nodes, unsupported) from None
    return Loaded(served, nodes, active, f"onnxruntime {ort.__version__}", plain, unsupported)


def _lite():
    """LiteRT's ``Interpreter`` and ``OpResolverType``, else TensorFlow's deprecated tf.lite's;
    and the runtime's name."""
    try:
        from ai_edge_litert import interpreter

        return (interpreter.Interpreter, interpreter.OpResolverType,
                f"ai-edge-litert {version('ai-edge-litert')}")
    except ImportError:
        tf = import_tf()
        return (tf.lite.Interpreter, tf.lite.experimental.OpResolverType,
                f"tf.lite {tf.__version__} (deprecated; dropout-lab[export] brings LiteRT)")


def load_tflite(path: Path, seed: int) -> Loaded:
    """A .tflite file in LiteRT's interpreter (its default XNNPACK delegate, as served)."""
    interpreter, resolvers, name = _lite()
    plain = interpreter(model_path=str(path), experimental_op_resolver_type=(
        resolvers.BUILTIN_WITHOUT_DEFAULT_DELEGATES))
    plain.allocate_tensors()
    ops = [op["op_name"] for op in plain._get_ops_details()]  # the graph before delegation
    random = [op for op in ops if "RANDOM" in op.upper() or "MULTINOMIAL" in op.upper()]
    served = interpreter(model_path=str(path))

    def call(x: np.ndarray) -> np.ndarray:
        given = served.get_input_details()[0]
        served.resize_tensor_input(given["index"], list(x.shape))
        served.allocate_tensors()
        served.set_tensor(given["index"], x)
        served.invoke()
        return _column(served.get_tensor(served.get_output_details()[0]["index"]))

    return Loaded(call, list(dict.fromkeys(random)), bool(random), name)


def _torch_mode(name: str, args: list) -> tuple[str, bool]:
    """``aten.dropout(p=0.3, train=True)`` and whether it draws, from a node's arguments."""
    if "dropout" in name and len(args) >= 3:
        return f"{name} (p={args[1]:g}, train={bool(args[2])})", bool(args[2])
    return name, True  # rand, rand_like, bernoulli: always draw


def load_pt2(path: Path, seed: int) -> Loaded:
    """A torch.export program (.pt2) in PyTorch; its call_function nodes."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # tiny nets: more threads only wait (calls ~30x slower here)
    program = torch.export.load(str(path))
    nodes, active = [], False
    for node in program.graph.nodes:
        name = str(node.target)
        if node.op == "call_function" and TORCH_RANDOM.search(name):
            said, draws = _torch_mode(name.removesuffix(".default"), list(node.args))
            nodes.append(said)
            active |= draws
    module = program.module()

    def call(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return _column(module(torch.from_numpy(x)).numpy())

    return Loaded(call, nodes, active, f"torch {torch.__version__}")


def load_torchscript(path: Path, seed: int) -> Loaded:
    """A TorchScript file in PyTorch; the nodes of its inlined graph."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    module = torch.jit.load(str(path))
    nodes, active = [], False
    for node in module.inlined_graph.nodes():
        kind = node.kind()
        if kind.startswith("aten::") and TORCH_RANDOM.search(kind):
            args = [i.toIValue() for i in node.inputs()]
            said, draws = _torch_mode(kind, args)
            nodes.append(said)
            active |= draws

    def call(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return _column(module(torch.from_numpy(x)).numpy())

    return Loaded(call, nodes, active, f"torch {torch.__version__}")


def load_jaxexport(path: Path, seed: int) -> Loaded:
    """A serialized ``jax.export``; RNG ops of its StableHLO, and whether a key is an input."""
    import jax
    import jax.numpy as jnp

    exported = jax.export.deserialize(bytearray(path.read_bytes()))
    found = sorted(set(JAX_RANDOM.findall(exported.mlir_module())))
    baked = len(exported.in_avals) == 1  # x only: any key is a constant of the module
    nodes = [f"{op} (key {'constant' if baked else 'an input'})" for op in found]
    return Loaded(lambda x: _column(exported.call(jnp.asarray(x))), nodes, bool(found),
                  f"jax {jax.__version__}")


LOADERS = {"savedmodel": load_savedmodel, "onnx": load_onnx, "tflite": load_tflite,
           "pt2": load_pt2, "torchscript": load_torchscript, "jax": load_jaxexport}
