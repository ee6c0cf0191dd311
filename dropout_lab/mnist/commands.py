"""``mnist`` and ``mc-average``: S003 and S001 on the real MNIST (C4, C9, C11, MC)."""

from __future__ import annotations

from pathlib import Path

import click

from dropout_lab.core.commands import (
    Output,
    command_line,
    config_option,
    data_dir_option,
    execute,
    lab_command,
    out_option,
    output_options,
    reject_combined,
    resolve_config,
)
from dropout_lab.mnist import render
from dropout_lab.mnist.config import McAverageConfig, MnistConfig, parse_arms, parse_ks

@click.command("mnist")
@config_option("TOML sweep settings: configs/mnist.toml (S003, default) or "
               "configs/mnist_overfit.toml (S001); flags override it.")
@click.option("--arms", help="Comma-separated arms from none, dropout, l2, dropout+l2 [all four].")
@click.option("--seeds", type=int, help="Seeds (units) per arm [5].")
@click.option("--first-seed", type=int, help="Seed of the first unit; the others follow [0].")
@click.option("--steps", type=int, help="Updates per unit [4690 = S003's 10 passes].")
@click.option("--eval-every", type=int, help="Steps between evaluations [500].")
@click.option("--train-subset", type=int,
              help="Train on the first N of the 60000 training images [all].")
@click.option("--resume", "resume_path", type=click.Path(file_okay=False),
              help="Continue an interrupted sweep (its .partial folder); completed units "
                   "are skipped, the recorded config is used.")
@data_dir_option
@out_option
@output_options
@lab_command
def mnist_cmd(config_path, arms, seeds, first_seed, steps, eval_every, train_subset,
              resume_path, data_dir, out, as_json, quiet):
    """S003's four arms (or S001's overfitting demo) over many seeds.

    Each (arm, seed) trains S003's MLP (784-256-128-64-32-10, Dropout 0.5
    after the first two layers, Adam 0.01, batch 128; L2 = 1e-4 * sum l2_loss)
    on the real MNIST, evaluated every --eval-every steps, and is saved as a
    unit of the run. Prints final test accuracy per arm with 95 % intervals,
    paired differences, S003's published numbers beside, and verdicts on
    C9 (dropout + L2 worse than either), C11 (dropout trains faster) and, with
    configs/mnist_overfit.toml, C4 (dropout stops overfitting). PNG plots land
    in the run folder. Method: docs/methods.md#mnist.

    \b
    Examples:
      dropout-lab mnist
      dropout-lab mnist --arms dropout,l2,dropout+l2 --seeds 10
      dropout-lab mnist --config configs/mnist_overfit.toml
      dropout-lab mnist --seeds 2 --steps 300 --train-subset 2000 --json
      dropout-lab mnist --resume results/mnist/.20261125-120000-a1b2c3.partial
    """
    from dropout_lab.mnist import sweep

    flags = dict(seeds=seeds, first_seed=first_seed, steps=steps, eval_every=eval_every,
                 train_subset=train_subset, arms=parse_arms(arms) if arms else None)
    folder = None
    if resume_path is not None:
        reject_combined(flags, config_path, "--resume",
                        "a sweep continues with its recorded config.")
        folder, config = sweep.open_resume(Path(resume_path), command_line())
    else:
        config = resolve_config(MnistConfig, config_path, flags)
    execute(Output(as_json, quiet), out, sweep, config, render.mnist, resume=folder,
            data_dir=data_dir)


@click.command("mc-average")
@click.argument("run_dir", metavar="[RUN]", required=False, type=click.Path(file_okay=False))
@click.option("--k", "ks", help="Passes averaged, comma-separated [1,2,5,10,20,50,100].")
@click.option("--repeats", type=int, help="Independent repeats per k, for error bars [10].")
@click.option("--seed", type=int, help="Seed of RUN's dropout unit to use, or of the model "
                                       "trained without RUN [RUN's first seed, else 0].")
@click.option("--confidence", type=float, help="Coverage of the intervals [0.95].")
@click.option("--steps", type=int, help="Without RUN: training steps of the model [4690].")
@click.option("--train-subset", type=int, help="Without RUN: train on the first N images [all].")
@config_option()
@data_dir_option
@out_option
@output_options
@lab_command
def mc_average_cmd(run_dir, ks, repeats, seed, confidence, steps, train_subset, config_path,
                   data_dir, out, as_json, quiet):
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
    from dropout_lab.mnist import mc_average

    if run_dir is not None and (steps is not None or train_subset is not None):
        raise click.UsageError("--steps and --train-subset train a model; they cannot be "
                               "combined with RUN, whose model is already trained.")
    config = resolve_config(McAverageConfig, config_path, dict(
        ks=parse_ks(ks) if ks is not None else None, repeats=repeats, seed=seed,
        confidence=confidence, steps=steps, train_subset=train_subset, run=run_dir))
    if config.run is not None:
        mc_average.open_source(config.run, config.seed)  # checks RUN before any work
    execute(Output(as_json, quiet), out, mc_average, config, render.mc_average,
            data_dir=data_dir)


COMMANDS = (mnist_cmd, mc_average_cmd)
