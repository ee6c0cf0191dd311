"""``export``: does dropout stay off after a model leaves its framework? Measured per route."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="export", order=85, first="starting the worker processes",
    command="dropout_lab.export.commands:export_cmd",
    experiment="dropout_lab.export.experiment",
    config="dropout_lab.export.config:ExportConfig",
    render="dropout_lab.export.render:export"))
