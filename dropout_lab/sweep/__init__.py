"""``sweep``: the 2014 dropout paper's studies of the dropout rate (Figure 9) and of the
data-set size (Figure 10)."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="sweep", order=62, context=("data_dir",),
    command="dropout_lab.sweep.commands:sweep_cmd",
    experiment="dropout_lab.sweep.experiment", config="dropout_lab.sweep.config:SweepConfig",
    render="dropout_lab.sweep.render:sweep"))
