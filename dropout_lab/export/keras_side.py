"""``export``, Keras/TensorFlow exporter (worker side: imports TensorFlow).

Builds the three nets (``inputs``) in Keras, trains each for a few SGD
steps with its dropout active, and writes one artifact per route:

- ``keras-savedmodel``: ``model.export(format="tf_saved_model")``;
- ``keras-savedmodel-train``: an ``ExportArchive`` endpoint calling
  ``model(x, training=True)`` (the classic mistake; a bare
  ``tf.saved_model.save`` of such a function refuses: the dropout's seed
  generator state is an untracked variable);
- ``keras-onnx``: ``model.export(format="onnx")`` (Keras runs tf2onnx);
- ``keras-onnx-train``: tf2onnx on the ``training=True`` function;
- ``keras-litert``: ``model.export(format="litert")`` (TF's TFLite converter);
- ``keras-litert-train``: the TFLite converter on the ``training=True`` function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dropout_lab.core.tfenv import import_tf, versions
from dropout_lab.export import inputs as shared

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)

try:  # tiny nets: one thread each; more only wait for each other on a busy machine
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:  # TensorFlow already ran an op in this process
    pass


class VanillaDropout(keras.layers.Layer):
    """Vanilla dropout, hand-written: x * mask in training, x * keep at inference."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if training:
            draw = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
            return inputs * keras.ops.cast(draw >= self.rate, inputs.dtype)
        return inputs * (1.0 - self.rate)


def version() -> dict[str, str]:
    """TensorFlow's and Keras's versions (and tf2onnx's when installed)."""
    found = {k: versions()[k] for k in ("tensorflow", "keras")}
    try:
        import tf2onnx

        found["tf2onnx"] = tf2onnx.__version__
    except ImportError:
        pass
    return found


def build(net: str, rate: float, seed: int) -> keras.Model:
    """The net, its dropout layer named ``dropout``; hidden layers linear as in S000."""
    x = keras.Input(shared.input_shape(net), name="x")
    if net == "conv":
        hidden = keras.layers.Conv2D(shared.CONV_FILTERS, 3, padding="same", name="conv")(x)
        dropped = keras.layers.SpatialDropout2D(rate, seed=seed, name="dropout")(hidden)
        pooled = keras.layers.GlobalAveragePooling2D(name="pool")(dropped)
        return keras.Model(x, keras.layers.Dense(1, name="dense_out")(pooled), name=net)
    layer = (keras.layers.Dropout(rate, seed=seed, name="dropout") if net == "toy"
             else VanillaDropout(rate, seed, name="dropout"))
    hidden = keras.layers.Dense(shared.HIDDEN_UNITS, name="dense_in")(x)
    hidden2 = keras.layers.Dense(shared.HIDDEN_UNITS, name="dense_hidden")(layer(hidden))
    return keras.Model(x, keras.layers.Dense(1, name="dense_out")(hidden2), name=net)


def train(model: keras.Model, net: str, steps: int, seed: int) -> list[float]:
    """``steps`` full-batch SGD steps on MSE, dropout active; the first and last loss."""
    inputs, targets = (tf.constant(a) for a in shared.training_data(net, seed))

    @tf.function(autograph=False)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(inputs, training=True) - targets))
        grads = tape.gradient(loss, model.trainable_variables)
        for variable, grad in zip(model.trainable_variables, grads, strict=True):
            variable.assign_sub(grad * shared.LEARNING_RATE)
        return loss

    losses = [float(step()) for _ in range(steps)]
    return [losses[0], losses[-1]] if losses else []


def references(model: keras.Model, net: str, x: np.ndarray) -> dict[str, list[float]]:
    """The framework's inference output, and for the vanilla net the output without x keep."""
    found = {"inference": model(x, training=False).numpy()[:, 0].tolist()}
    if net == "vanilla":
        hidden = model.get_layer("dense_in")(x)  # (batch, 100); the dropout as the identity
        out = model.get_layer("dense_out")(model.get_layer("dense_hidden")(hidden))
        found["unscaled"] = out.numpy()[:, 0].tolist()
    return found


def _training_function(model: keras.Model, net: str):
    spec = tf.TensorSpec((None, *shared.input_shape(net)), tf.float32, name="x")

    @tf.autograph.experimental.do_not_convert
    def serve(x):
        return model(x, training=True)

    return serve, spec


def export(route: str, model: keras.Model, net: str, path: Path, x: np.ndarray
           ) -> tuple[Path, dict[str, Any]]:
    """Write ``model``'s artifact along ``route`` at ``path`` (a stem): its path, no extras."""
    return _write(route, model, net, path), {}


def _write(route: str, model: keras.Model, net: str, path: Path) -> Path:
    serve, spec = _training_function(model, net)
    if route == "keras-savedmodel":
        model.export(str(path), format="tf_saved_model", verbose=False)
        return path
    if route == "keras-savedmodel-train":
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", serve, input_signature=[spec])
        archive.write_out(str(path), verbose=False)
        return path
    if route == "keras-onnx":
        model.export(str(path.with_suffix(".onnx")), format="onnx", verbose=False)
        return path.with_suffix(".onnx")
    if route == "keras-onnx-train":
        import tf2onnx

        # What model.export(format="onnx") does first: tf2onnx 1.17 still names NumPy
        # aliases that NumPy 2 removed; Keras patches them in (a private helper).
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()
        function = tf.function(serve, input_signature=[spec])
        tf2onnx.convert.from_function(function, [spec], output_path=str(path.with_suffix(".onnx")))
        return path.with_suffix(".onnx")
    if route == "keras-litert":
        model.export(str(path.with_suffix(".tflite")), format="litert", verbose=False)
        return path.with_suffix(".tflite")
    if route == "keras-litert-train":
        function = tf.function(serve, input_signature=[spec])
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [function.get_concrete_function()], model)
        path.with_suffix(".tflite").write_bytes(converter.convert())
        return path.with_suffix(".tflite")
    raise ValueError(f"no Keras route {route!r}")


def prepare(net: str, rate: float, steps: int, seed: int
            ) -> tuple[keras.Model, dict[str, Any]]:
    """Build and train ``net``; the model and what the parent compares artifacts with."""
    keras.utils.set_random_seed(seed)
    model = build(net, rate, seed)
    losses = train(model, net, steps, seed)
    return model, {"losses": losses, "layer": type(model.get_layer("dropout")).__name__}

