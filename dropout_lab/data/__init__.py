"""Datasets made available offline and verified: ``data mnist`` and ``data idx`` (no run folder)."""

from dropout_lab.core.kinds import Command, register

register(Command(name="data", order=50, command="dropout_lab.data.commands:data_group"))
