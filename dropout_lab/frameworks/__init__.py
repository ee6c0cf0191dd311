"""Dropout across frameworks, one measured matrix: ``frameworks``."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="frameworks", order=80, first="starting the worker processes",
    command="dropout_lab.frameworks.commands:frameworks_cmd",
    experiment="dropout_lab.frameworks.experiment",
    config="dropout_lab.frameworks.config:FrameworksConfig",
    render="dropout_lab.frameworks.render:frameworks"))
