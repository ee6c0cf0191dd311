"""What one dropout layer does, measured: ``probe`` (C10) and ``noise-shape`` (C8, C12)."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="probe", order=20, command="dropout_lab.probe.commands:probe_cmd",
    experiment="dropout_lab.probe.probe", config="dropout_lab.probe.config:ProbeConfig",
    render="dropout_lab.probe.render:probe",
    help="""Measure what each dropout implementation does with `rate`.

    Per implementation and rate: the dropped fraction with an exact binomial
    interval (so whether rate means drop or keep), the multipliers of kept
    entries, E[out]/E[in], the test-time output, the gradient and the axes
    the mask is shared along; plus what rates 0, 1, -0.1, 1.5 and NaN do.
    The verdict on C10 closes the output (C1, C7 and C8 are settled by
    compare, gradients and noise-shape). It prints one line per implementation
    and rate; --detail prints every table (intervals, multipliers, variance,
    gradients, edge rates). Method: docs/methods.md#probe.

    \b
    Example:
      dropout-lab probe
      dropout-lab probe --layer tf.nn.dropout --rate 0.2 --rate 0.8 --detail
      dropout-lab probe --layer mylayers:MyDropout --rate 0.3
    """))

register(Kind(
    name="noise-shape", order=21, legacy=("noise_shape",),
    experiment="dropout_lab.probe.noise_shape",
    config="dropout_lab.probe.config:NoiseShapeConfig",
    render="dropout_lab.probe.render:noise_shape",
    help="""Which entries share one dropout mask under a given noise_shape?

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
    """))
