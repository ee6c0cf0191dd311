"""``compare --framework torch|jax``, parent side: the toy net trained in a worker process.

The parent never imports PyTorch or JAX. It takes the initial weights the
Keras path would train from (``train.initial_weights``: the Keras net, seeded
and built as for ``--framework keras``), sends them with S000's data and the
settings to the framework's worker (``dropout_lab.workers.parent``, task
``dropout_lab.toy.worker_side:run``), and turns its
answer into the ``Measured`` arrays the checks of ``toy.verdicts`` take.
The worker writes the weights file itself, into the comparison's run folder.
"""

from __future__ import annotations

from pathlib import Path

from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.runs import RunContext
from dropout_lab.toy import train as train_exp
from dropout_lab.toy.common import INPUTS, TARGETS, pack, unpack
from dropout_lab.toy.config import CompareConfig, measure_seed
from dropout_lab.toy.verdicts import Measured
from dropout_lab.workers import parent as workers

WEIGHTS = "weights.h5"  # the trained weights, in the comparison's own run folder


def measure(config: CompareConfig, weights_path: Path,
            ctx: RunContext) -> tuple[Measured, dict[str, str], list[float]]:
    """Train, save to ``weights_path``, reload and measure in ``config.framework``'s worker.

    Args:
        config: a comparison with ``framework`` torch or jax and its training
            fields resolved (``seed`` set).
        weights_path: where the worker writes the weights file.
        ctx: progress goes to ``ctx.report``: training steps, then training-mode passes.

    Returns:
        The measurements, the framework's versions (e.g. ``{"torch": "2.14.1"}``) and
        the training loss before each step.

    Raises:
        ExperimentError: training diverged, or the worker failed (its last lines quoted).
    """
    initial = train_exp.initial_weights(config.train_config())  # TensorFlow, seeded
    request = {"task": "dropout_lab.toy.worker_side:run", "rate": config.rate,
               "epochs": config.epochs, "learning_rate": config.learning_rate,
               "seed": config.seed,
               # the reloaded nets' dropout draws from its own seed, as in the Keras path
               "measure_seed": measure_seed(config.resolved_seed()),
               "runs": config.runs, "mc_samples": config.mc_samples,
               "inputs": pack(INPUTS), "targets": pack(TARGETS),
               "initial": {key: pack(array) for key, array in initial.items()},
               "weights_path": str(weights_path)}
    name = config.framework
    ctx.report(f"starting {name}", 0, 1)

    def progress(done: int, total: int) -> None:
        if done <= config.epochs:
            ctx.report(f"train ({name})", done, config.epochs)
        else:
            ctx.report("training-mode passes", done - config.epochs, total - config.epochs)

    # No time limit, as in the Keras path: a long run is the user's to stop (Ctrl-C
    # kills the worker).
    answer = workers.call(config.framework, request, timeout=None, progress=progress)
    if "diverged" in answer:
        raise ExperimentError(str(answer["diverged"]))
    try:
        measured = Measured(f_r=unpack(answer["f_r"]), f_0=unpack(answer["f_0"]),
                            g=unpack(answer["g"]), mean=unpack(answer["mean"]),
                            se=unpack(answer["se"]), recorded=unpack(answer["recorded"]),
                            layer_class=str(answer["layer_class"]))
        versions = {str(k): str(v) for k, v in answer["versions"].items()}
        losses = [float(v) for v in unpack(answer["losses"])]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ExperimentError(f"The {config.framework} worker's answer is incomplete "
                              f"({type(exc).__name__}: {exc}).") from None
    return measured, versions, losses
