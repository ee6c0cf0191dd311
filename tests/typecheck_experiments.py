"""Every registered kind's experiment module, checked by mypy against ``core.experiment``.

Generated from the registry by cog (scripts/docgen.py); .ci/run checks that
it is current (``cog --check``) and type-checks it (``mypy``). Not a test
module: pytest does not collect it.
"""

# ruff: noqa: I001  (generated: one import per kind, in the registry's order)
from dropout_lab.core.experiment import Experiment

# [[[cog import docgen; cog.outl(docgen.typecheck_experiments()) ]]]
import dropout_lab.toy.train as _0  # train
import dropout_lab.toy.reload as _1  # reload
import dropout_lab.toy.compare as _2  # compare
import dropout_lab.probe.probe as _3  # probe
import dropout_lab.probe.noise_shape as _4  # noise-shape
import dropout_lab.gradients.experiment as _5  # gradients
import dropout_lab.numpy_demo.experiment as _6  # numpy-demo
import dropout_lab.mnist.sweep as _7  # mnist
import dropout_lab.mnist.mc_average as _8  # mc-average
import dropout_lab.mnist.speed as _9  # mnist-speed
import dropout_lab.sweep.experiment as _10  # sweep
import dropout_lab.reproduce.experiment as _11  # reproduce
import dropout_lab.frameworks.experiment as _12  # frameworks
import dropout_lab.export.experiment as _13  # export

_0_checked: Experiment = _0
_1_checked: Experiment = _1
_2_checked: Experiment = _2
_3_checked: Experiment = _3
_4_checked: Experiment = _4
_5_checked: Experiment = _5
_6_checked: Experiment = _6
_7_checked: Experiment = _7
_8_checked: Experiment = _8
_9_checked: Experiment = _9
_10_checked: Experiment = _10
_11_checked: Experiment = _11
_12_checked: Experiment = _12
_13_checked: Experiment = _13
# [[[end]]]
