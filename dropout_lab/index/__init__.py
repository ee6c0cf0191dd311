"""Run folders already made: ``runs list`` indexes them, ``runs show`` shows one again.

Reads every kind through the registry (``core.kinds``): a new family's runs
are listed and shown with no edit here.
"""

from dropout_lab.core.kinds import Command, register

register(Command(name="runs", order=90, command="dropout_lab.index.commands:runs_group"))
