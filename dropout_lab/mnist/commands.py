"""``mnist`` and ``mc-average``: their options come from MnistConfig and McAverageConfig."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from dropout_lab.core.commands import command_line, given
from dropout_lab.core.flags import Invocation, experiment_command
from dropout_lab.core.resume import resume_out
from dropout_lab.executors.options import EXECUTOR_OPTIONS, choice

_resume = click.option("--resume", "resume_path", type=click.Path(file_okay=False),
                       help="Continue an interrupted sweep (its .partial folder); completed "
                            "units are skipped, the recorded config is used.")


@experiment_command("mnist", _resume, *EXECUTOR_OPTIONS)
def mnist_cmd(invocation: Invocation, resume_path: str | None, executor: str,
              address: str | None, retries: int) -> None:
    """S003's four arms (or S001's overfitting demo) over many seeds.

    Each (arm, seed) trains S003's MLP (784-256-128-64-32-10, Dropout 0.5
    after the first two layers, Adam 0.01, batch 128; L2 = 1e-4 * sum l2_loss)
    on the real MNIST, evaluated every --eval-every steps, and is saved as a
    unit of the run. Prints final test accuracy per arm with 95 % intervals,
    paired differences, S003's published numbers beside, and verdicts on
    C9 (dropout + L2 worse than either) and, with configs/mnist_overfit.toml,
    C4 (dropout stops overfitting); steps/s per arm are shown, and C11 (dropout
    trains faster) is judged by mnist-speed. PNG plots land
    in the run folder. Unit seeds are --first-seed .. --first-seed + --seeds - 1
    (mnist takes no --seed). Method: docs/methods.md#mnist.

    \b
    Examples:
      dropout-lab mnist
      dropout-lab mnist --arms dropout,l2,dropout+l2 --seeds 10
      dropout-lab mnist --config configs/mnist_overfit.toml
      dropout-lab mnist --seeds 2 --steps 300 --train-subset 2000 --json
      dropout-lab mnist --resume results/mnist/.20261125-120000-a1b2c3.partial
      dropout-lab mnist --executor ray --address 10.0.0.5:6379
    """
    runner = choice(executor, address, retries)
    if resume_path is None:
        invocation.execute(invocation.resolve(), executor=runner)
        return
    from dropout_lab.mnist import sweep

    invocation.reject_with("--resume", "a sweep continues with its recorded config.",
                           *invocation.flags)
    folder, config = sweep.open_resume(Path(resume_path), command_line())
    out = resume_out(folder, invocation.out if given("out") else None)  # where it finishes
    invocation = dataclasses.replace(invocation, out=str(out))
    invocation.execute(config, resume=folder, executor=runner)


@experiment_command("mc-average")
def mc_average_cmd(invocation: Invocation) -> None:
    """Average k training-mode passes vs the deterministic (weight-scaled) net.

    Takes the dropout arm of a mnist RUN (or trains S003's dropout arm),
    then measures the test error of the average of k stochastic passes'
    softmax outputs, repeated for error bars, against the inference-mode net,
    and reports the smallest k whose interval reaches it (the 2014 dropout
    paper, §7.5: k ≈ 50), with a verdict on that claim (MC).

    \b
    Examples:
      dropout-lab mc-average results/mnist/20261125-120000-a1b2c3
      dropout-lab mc-average --k 1,2,5,10,20,50,100 --repeats 10
    """
    flags = invocation.flags
    if flags["run"] is not None and (flags["steps"] is not None
                                     or flags["train_subset"] is not None):
        raise click.UsageError("--steps and --train-subset train a model; they cannot be "
                               "combined with RUN, whose model is already trained.")
    config = invocation.resolve()
    if config.run is not None:
        from dropout_lab.mnist import mc_average

        mc_average.open_source(config.run, config.seed)  # checks RUN before any work
    invocation.execute(config)
