"""Which layers does a Dropout layer affect? ``gradients`` (S002, claims C5-C7)."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="gradients", order=30,
    experiment="dropout_lab.gradients.experiment",
    config="dropout_lab.gradients.config:GradientsConfig",
    render="dropout_lab.gradients.render:gradients",
    help="""Which layers does a Dropout layer affect? S002's net, measured per layer.

    A frozen conv base (trainable=False, random weights) stands in for
    InceptionV3, followed by S002's head: Flatten -> Dense(512, relu) ->
    Dense(1024, relu) -> Dropout(rate) -> Dense(1, sigmoid). One batch goes
    through with and without dropout; the table shows per layer which outputs
    are zeroed (C5), how much each gradient changes (C6), whether one RMSprop
    step moves the weights (C6), what Dropout(rate=1) does to gradients (C7),
    and dropout before vs after ReLU and sigmoid. Method: docs/methods.md#gradients.

    \b
    Example:
      dropout-lab gradients --rate 0.2 --seed 0
      dropout-lab gradients --json > gradients.json
    """))
