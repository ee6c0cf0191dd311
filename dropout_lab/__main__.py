"""Allow ``python -m dropout_lab``."""

from dropout_lab.cli import main

main()
