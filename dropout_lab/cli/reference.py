"""``gradients`` (seed 002, claims C5-C7) and ``numpy-demo`` (seed 001, claims C2-C3)."""

from __future__ import annotations

import click

from dropout_lab.cli.common import Output, execute, lab_command, out_option, output_options


@click.command("gradients")
@click.option("--rate", type=float, help="Drop probability of the Dropout layer, in [0, 1) [0.2].")
@click.option("--seed", type=int, help="Seed of the weights, the batch and the mask [0].")
@click.option("--batch-size", type=int, help="Random images in the batch [32].")
@out_option
@output_options
@lab_command
def gradients_cmd(rate, seed, batch_size, out, as_json, quiet):
    """Which layers does a Dropout layer affect? Seed 002's net, measured per layer.

    A frozen conv base (trainable=False, random weights) stands in for
    InceptionV3, followed by seed 002's head: Flatten -> Dense(512, relu) ->
    Dense(1024, relu) -> Dropout(rate) -> Dense(1, sigmoid). One batch goes
    through with and without dropout; the table shows per layer which outputs
    are zeroed (C5), how much each gradient changes (C6), whether one RMSprop
    step moves the weights (C6), what Dropout(rate=1) does to gradients (C7),
    and dropout before vs after ReLU and sigmoid.

    \b
    Example:
      dropout-lab gradients --rate 0.2 --seed 0
      dropout-lab gradients --json > gradients.json
    """
    from dropout_lab.config import resolve
    from dropout_lab.experiments import gradients
    from dropout_lab.render import reference as render

    config = resolve(gradients.GradientsConfig, None,
                     dict(rate=rate, seed=seed, batch_size=batch_size))
    execute(Output(as_json, quiet), out, lambda ctx: gradients.run(config, ctx),
            render.gradients, gradients.to_json)


@click.command("numpy-demo")
@click.option("--keep-prob", type=float,
              help="Probability of KEEPING a unit, in (0, 1] (seed 001's p) [0.5].")
@click.option("--drop-rate", type=float,
              help="Probability of DROPPING a unit, in [0, 1) (Keras's rate); "
                   "give this or --keep-prob.")
@click.option("--samples", type=int, help="Columns of X, shape (3, samples) [1000000].")
@click.option("--seed", type=int, help="Seed of the weights, X and the masks [0].")
@click.option("--repeats", type=int, help="Timed test-time passes of each kind [21].")
@out_option
@output_options
@lab_command
def numpy_demo_cmd(keep_prob, drop_rate, samples, seed, repeats, out, as_json, quiet):
    """Seed 001 in NumPy: vanilla vs inverted dropout on a 3-layer ReLU net.

    Compares the training-mode mean output with the test-time output with and
    without the x keep_prob scaling, for vanilla and inverted dropout (C2),
    each as a paired interval test; checks backward() against central
    differences; and times vanilla vs inverted test-time passes (C3).

    \b
    Example:
      dropout-lab numpy-demo --keep-prob 0.5 --samples 1000000
      dropout-lab numpy-demo --drop-rate 0.2 --repeats 31 --json
    """
    from dropout_lab.config import resolve
    from dropout_lab.experiments import numpy_demo
    from dropout_lab.render import reference as render

    flags = dict(keep_prob=numpy_demo.keep_prob_from(keep_prob, drop_rate), samples=samples,
                 seed=seed, repeats=repeats)
    config = resolve(numpy_demo.NumpyDemoConfig, None, flags)
    execute(Output(as_json, quiet), out, lambda ctx: numpy_demo.run(config, ctx),
            render.numpy_demo, numpy_demo.to_json, first=None)  # NumPy only: no TF to start


COMMANDS = (gradients_cmd, numpy_demo_cmd)
