"""S000's toy net: ``train``, ``reload`` and ``compare`` (claim C1), registered once here."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="train", order=10,
    experiment="dropout_lab.toy.train", config="dropout_lab.toy.config:TrainConfig",
    render="dropout_lab.toy.render:train", legacy=("toy",),
    help="""Train S000's toy net (y = 2*x1 + x2) with dropout; save a run folder.

    The net is Dense(100) -> dropout -> Dense(100) -> Dense(1), trained with
    full-batch SGD on MSE; defaults reproduce S000 exactly.

    \b
    Example:
      dropout-lab train --rate 0.5 --epochs 1000 --seed 0
    """))

register(Kind(
    name="reload", order=11,
    experiment="dropout_lab.toy.reload", config="dropout_lab.toy.config:ReloadConfig",
    render="dropout_lab.toy.render:reload",
    help="""Rebuild a training run's net at another rate and reload its weights.

    Every variable is matched by layer name and shape, or the command fails
    naming the mismatch. The net comes from the run's recorded config.

    \b
    Example:
      dropout-lab reload results/train/20261125-120000-a1b2c3 --rate 0 --runs 10
    """))

register(Kind(
    name="compare", order=12, command="dropout_lab.toy.commands:compare_cmd",
    experiment="dropout_lab.toy.compare", config="dropout_lab.toy.config:CompareConfig",
    render="dropout_lab.toy.render:compare"))
