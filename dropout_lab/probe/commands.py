"""``probe`` and ``noise-shape``: what one dropout layer does, measured (S001-S004)."""

from __future__ import annotations

import click

from dropout_lab.core.commands import (
    Output,
    config_option,
    execute,
    lab_command,
    out_option,
    output_options,
    resolve_config,
)
from dropout_lab.probe.config import NoiseShapeConfig, ProbeConfig


@click.command("probe")
@click.option("--layer", "layers", multiple=True,
              help="Implementation to probe (repeatable): a built-in name such as "
                   "keras.layers.Dropout (alias keras), tf.nn.dropout, numpy-inverted or "
                   "uniform (an unknown name lists them all), or MODULE:CLASS "
                   "[every built-in one].")
@click.option("--rate", "rates", multiple=True, type=float,
              help="Rate to measure, in [0, 1] (repeatable) [0.2, 0.5, 0.8].")
@click.option("--size", type=int, help="Entries per draw, >= 4096 [131072].")
@click.option("--seed", type=int, help="Seed of the run [0].")
@click.option("--false-alarm", type=float,
              help="Chance that a correct implementation fails any verdict [1e-4].")
@click.option("--edges/--no-edges", default=None,
              help="Also record rates 0, 1, -0.1, 1.5 and NaN [--edges].")
@config_option()
@out_option
@output_options
@lab_command
def probe_cmd(layers, rates, size, seed, false_alarm, edges, config_path, out, as_json, quiet):
    """Measure what each dropout implementation does with `rate`.

    Per implementation and rate: the dropped fraction with an exact binomial
    interval (so whether rate means drop or keep), the multipliers of kept
    entries, E[out]/E[in], the test-time output, the gradient and the axes
    the mask is shared along; plus what rates 0, 1, -0.1, 1.5 and NaN do.
    The verdict on C10 closes the output (C1, C7 and C8 are settled by
    compare, gradients and noise-shape). Method: docs/methods.md#probe.

    \b
    Example:
      dropout-lab probe
      dropout-lab probe --layer tf.nn.dropout --rate 0.2 --rate 0.8 --json
      dropout-lab probe --layer mylayers:MyDropout --rate 0.3
    """
    from dropout_lab.probe import probe, render

    config = resolve_config(ProbeConfig, config_path, dict(
        layers=layers or None, rates=rates or None, size=size, seed=seed,
        false_alarm=false_alarm, edges=edges))
    execute(Output(as_json, quiet), out, probe, config, render.probe)


@click.command("noise-shape")
@click.option("--input-shape", help="Shape of the input, e.g. 2,3,4 [2,3,4].")
@click.option("--noise-shape", help="noise_shape of the layer; None entries are resolved at "
                                    "call time, e.g. None,1,4 [None,1,4].")
@click.option("--layer", help="Implementation that takes noise_shape: keras.layers.Dropout, "
                              "keras.random.dropout, tf.nn.dropout, ... or MODULE:CLASS "
                              "[keras.layers.Dropout].")
@click.option("--rate", type=float, help="Drop probability [0.5].")
@click.option("--draws", type=int, help="Training-mode draws compared slice by slice [200].")
@click.option("--seed", type=int, help="Seed of the run [0].")
@config_option()
@out_option
@output_options
@lab_command
def noise_shape_cmd(input_shape, noise_shape, layer, rate, draws, seed, config_path, out,
                    as_json, quiet):
    """Which entries share one dropout mask under a given noise_shape?

    Applies the layer in training mode to an input of entries 1..N, compares
    slices along every axis in every draw (and, as a control, without
    noise_shape), and prints the first draw's mask. Defaults reproduce S004:
    input (2, 3, 4) = (batch, timesteps, features), noise_shape (None, 1, 4):
    one mask per sample, repeated over timesteps. Verdicts on C8 and C12.

    \b
    Example:
      dropout-lab noise-shape --input-shape 2,3,4 --noise-shape None,1,4
      dropout-lab noise-shape --input-shape 2,3,4 --noise-shape 1,1,4 --layer tf.nn.dropout
      dropout-lab noise-shape --input-shape 2,64,50,1 --noise-shape None,64,1,1 --json
    """
    from dropout_lab.probe import noise_shape as experiment
    from dropout_lab.probe import render

    config = resolve_config(NoiseShapeConfig, config_path, dict(
        input_shape=input_shape, noise_shape=noise_shape, layer=layer, rate=rate, draws=draws,
        seed=seed))
    execute(Output(as_json, quiet), out, experiment, config, render.noise_shape)


COMMANDS = (probe_cmd, noise_shape_cmd)
