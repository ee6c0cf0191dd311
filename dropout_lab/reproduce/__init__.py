"""Every claim of the sources settled in one run, with one report: ``reproduce``.

An orchestrator, not a family: it runs the other families' experiments
through the registry of kinds (``core.kinds``).
"""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="reproduce", order=70, context=("data_dir",),
    command="dropout_lab.reproduce.commands:reproduce_cmd",
    experiment="dropout_lab.reproduce.experiment",
    config="dropout_lab.reproduce.config:ReproduceConfig",
    render="dropout_lab.reproduce.render:reproduce"))
