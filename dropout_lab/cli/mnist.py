"""``mnist`` and ``mc-average``: seeds 003 and 001 on the real MNIST, over many seeds."""

from __future__ import annotations

from pathlib import Path

import click

from dropout_lab.cli.common import (Output, command_line, config_option, execute, lab_command,
                                    out_option, output_options, read_config_file,
                                    reject_combined)
_DATA_DIR = click.option("--data-dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
                         help="Folder with the four MNIST idx files, tried after the cache.")


@click.command("mnist")
@config_option("TOML sweep settings: configs/mnist.toml (seed 003, default) or "
               "configs/mnist_overfit.toml (seed 001).")
@click.option("--arms", help="Comma-separated arms from none, dropout, l2, dropout+l2 [all four].")
@click.option("--seeds", type=int, help="Seeds (units) per arm [5].")
@click.option("--first-seed", type=int, help="Seed of the first unit; the others follow [0].")
@click.option("--steps", type=int, help="Updates per unit [4690 = seed 003's 10 passes].")
@click.option("--eval-every", type=int, help="Steps between evaluations [500].")
@click.option("--train-subset", type=int,
              help="Train on the first N of the 60000 training images [all].")
@click.option("--resume", "resume_path", type=click.Path(file_okay=False),
              help="Continue an interrupted sweep (its .partial folder); completed units "
                   "are skipped, the recorded config is used.")
@_DATA_DIR
@out_option
@output_options
@lab_command
def mnist_cmd(config_path, arms, seeds, first_seed, steps, eval_every, train_subset,
              resume_path, data_dir, out, as_json, quiet):
    """Seed 003's four arms (or seed 001's overfitting demo) over many seeds.

    Each (arm, seed) trains seed 003's MLP (784-256-128-64-32-10, Dropout 0.5
    after the first two layers, Adam 0.01, batch 128; L2 = 1e-4 * sum l2_loss)
    on the real MNIST, evaluated every --eval-every steps, and is saved as a
    unit of the run. Prints final test accuracy per arm with 95 % intervals,
    paired differences, the seed's published numbers beside, and verdicts on
    C9 (dropout + L2 worse than either), C11 (dropout trains faster) and, with
    configs/mnist_overfit.toml, C4 (dropout stops overfitting). PNG plots land
    in the run folder.

    \b
    Examples:
      dropout-lab mnist
      dropout-lab mnist --arms dropout,l2,dropout+l2 --seeds 10
      dropout-lab mnist --config configs/mnist_overfit.toml
      dropout-lab mnist --seeds 2 --steps 300 --train-subset 2000 --json
      dropout-lab mnist --resume results/mnist/.20261125-120000-a1b2c3.partial
    """
    from dropout_lab.experiments import mnist
    from dropout_lab.render import mnist as render

    flags = dict(seeds=seeds, first_seed=first_seed, steps=steps, eval_every=eval_every,
                 train_subset=train_subset, arms=mnist.parse_arms(arms) if arms else None)
    if resume_path is not None:
        reject_combined(flags, config_path, "--resume",
                        "a sweep continues with its recorded config.")
        folder, config = mnist.open_resume(Path(resume_path), command_line())
    else:
        folder, config = None, _resolve(config_path, flags)
    execute(Output(as_json, quiet), out, lambda ctx: mnist.run(config, ctx, folder, data_dir),
            render.mnist, mnist.to_json)


def _resolve(config_path, flags):
    from dropout_lab.config import resolve
    from dropout_lab.experiments.mnist import MnistConfig

    return resolve(MnistConfig, read_config_file(config_path), flags, source=str(config_path))


@click.command("mc-average")
@click.argument("run_dir", metavar="[RUN]", required=False, type=click.Path(file_okay=False))
@click.option("--k", "ks", help="Passes averaged, comma-separated [1,2,5,10,20,50,100].")
@click.option("--repeats", type=int, help="Independent repeats per k, for error bars [10].")
@click.option("--seed", type=int, help="Seed of RUN's dropout unit to use, or of the model "
                                       "trained without RUN [RUN's first seed, else 0].")
@click.option("--steps", type=int, help="Without RUN: training steps of the model [4690].")
@click.option("--train-subset", type=int, help="Without RUN: train on the first N images [all].")
@out_option
@output_options
@lab_command
def mc_average_cmd(run_dir, ks, repeats, seed, steps, train_subset, out, as_json, quiet):
    """Average k training-mode passes vs the deterministic (weight-scaled) net.

    Takes the dropout arm of a mnist RUN (or trains seed 003's dropout arm),
    then measures the test error of the average of k stochastic passes'
    softmax outputs, repeated for error bars, against the inference-mode net,
    and reports the smallest k whose interval reaches it (the 2014 dropout
    paper, §7.5: k ≈ 50).

    \b
    Examples:
      dropout-lab mc-average results/mnist/20261125-120000-a1b2c3
      dropout-lab mc-average --k 1,2,5,10,20,50,100 --repeats 10
    """
    from dropout_lab.config import resolve
    from dropout_lab.experiments import mc_average
    from dropout_lab.render import mnist as render

    if run_dir is not None and (steps is not None or train_subset is not None):
        raise click.UsageError("--steps and --train-subset train a model; they cannot be "
                               "combined with RUN, whose model is already trained.")
    parsed = mc_average.parse_ks(ks) if ks is not None else None
    config = resolve(mc_average.McAverageConfig, None, dict(
        ks=parsed, repeats=repeats, seed=seed, steps=steps, train_subset=train_subset))
    if run_dir is None:
        config.training_config()  # range errors of --steps / --train-subset, before any work
    else:
        mc_average.open_source(Path(run_dir), config.seed)  # checks RUN before any work
    source = None if run_dir is None else Path(run_dir)
    execute(Output(as_json, quiet), out, lambda ctx: mc_average.run(config, source, ctx),
            render.mc_average, mc_average.to_json)


COMMANDS = (mnist_cmd, mc_average_cmd)
