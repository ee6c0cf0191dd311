"""``compare``: S000's experiment with a verdict (C1); its options come from CompareConfig."""

from __future__ import annotations

import click

from dropout_lab.core.flags import Invocation, experiment_command

#: The training settings, which a RUN brings with it.
TRAINING = ("rate", "epochs", "learning_rate", "layer", "framework")

_expect = click.option("--expect", type=click.Choice(["inverted", "vanilla"]),
                       help="Exit with code 1 unless the classification is this (for CI).")


@experiment_command("compare", _expect)
def compare_cmd(invocation: Invocation, expect: str | None) -> None:
    """Is the dropout inverted or vanilla? Train, save, reload at rate 0, compare.

    Without RUN it trains first (as `train`, same options); with RUN it uses
    that run's weights and recorded config. Classification: inverted
    (test-time net = rate-0 reload), vanilla (= rate-0 net with x keep),
    inconsistent (training-mode mean disagrees with the test-time output) or
    other; the verdict on C1 when the layer is Keras's Dropout. With
    --framework torch or jax the same net is trained and checked in PyTorch
    or Flax NNX with its own Dropout; the weights file is then in the
    comparison's own run folder. Method: docs/methods.md#compare.

    \b
    Examples:
      dropout-lab compare --runs 10
      dropout-lab compare --layer vanilla --expect vanilla
      dropout-lab compare --layer keras.layers.GaussianDropout --rate 0.3
      dropout-lab compare --framework torch --rate 0.2 --expect inverted
      dropout-lab compare results/train/20261125-120000-a1b2c3 --json
    """
    if invocation.flags["run"] is not None:
        invocation.reject_with("RUN", "a run is compared with its recorded config "
                                      "(RUN/config.toml).", *TRAINING)
    result = invocation.execute(invocation.resolve())
    if expect and result.classification != expect:
        raise click.ClickException(f"Expected classification {expect!r}, measured "
                                   f"{result.classification!r}.")
