"""S003 and S001 on MNIST: ``mnist`` (C4, C9), ``mnist-speed`` (C11), ``mc-average`` (MC)."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="mnist", order=60, context=("data_dir",),
    command="dropout_lab.mnist.commands:mnist_cmd",
    experiment="dropout_lab.mnist.sweep", config="dropout_lab.mnist.config:MnistConfig",
    render="dropout_lab.mnist.render:mnist"))

register(Kind(
    name="mc-average", order=61, context=("data_dir",),
    command="dropout_lab.mnist.commands:mc_average_cmd",
    experiment="dropout_lab.mnist.mc_average",
    config="dropout_lab.mnist.config:McAverageConfig",
    render="dropout_lab.mnist.render:mc_average"))

register(Kind(
    name="mnist-speed", order=62, context=("data_dir",),
    experiment="dropout_lab.mnist.speed", config="dropout_lab.mnist.config:SpeedConfig",
    render="dropout_lab.mnist.render:speed", help="""Does adding dropout make training faster (C11)?

    Times S003's net (none vs dropout, l2 vs dropout+l2) and S001's (none vs
    dropout) in this process, in interleaved rounds of training steps, each
    block by the process's CPU time and by the wall clock, until each pair's
    speed ratio is known to +-5 % or --seconds; one combined test over every
    pair gives the verdict on C11. Method: docs/methods.md#mnist-speed.

    \b
    Examples:
      dropout-lab mnist-speed
      dropout-lab mnist-speed --nets S003 --seconds 10 --json
    """))
