"""S003 and S001 on the real MNIST: ``mnist`` (C4, C9, C11) and ``mc-average`` (MC)."""

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
