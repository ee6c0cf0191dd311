"""Allow ``python -m dropout_lab``.

``python -m`` puts the current folder first on the import path. A run folder,
or any folder a user works in, may hold modules that shadow dropout-lab's
own or its dependencies' names; so the current folder is taken off the path
again (unless dropout_lab itself lives there, as in a development checkout):
a module is imported only where the user's own environment says.
"""

import os
import sys

_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path and os.path.abspath(sys.path[0] or ".") == os.getcwd() != _here:
    del sys.path[0]

from dropout_lab.cli import main  # noqa: E402  (after the import path is cleaned)

main()
