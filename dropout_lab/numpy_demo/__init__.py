"""S001's vanilla and inverted dropout in NumPy: ``numpy-demo`` (claims C2, C3)."""

from dropout_lab.core.kinds import Kind, register

register(Kind(
    name="numpy-demo", order=40, legacy=("numpy_demo",), first=None,  # NumPy only: no TF
    command="dropout_lab.numpy_demo.commands:numpy_demo_cmd",
    experiment="dropout_lab.numpy_demo.experiment",
    config="dropout_lab.numpy_demo.config:NumpyDemoConfig",
    render="dropout_lab.numpy_demo.render:numpy_demo"))
