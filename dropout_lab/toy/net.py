"""S000's toy network and data: y = 2*x1 + x2, trained with full-batch SGD.

Imports TensorFlow at module level: import it only inside commands that train.
Layer names are explicit and stable (``dense_in``, ``dropout``,
``dense_hidden``, ``dense_out``) so weights always reload by name.
"""

from __future__ import annotations

import numpy as np

from dropout_lab.core.chunks import in_chunks
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.tfenv import import_tf
from dropout_lab.toy.common import (
    HIDDEN_UNITS,
    INPUTS,
    TARGETS,
    ProgressFn,
    divergence,
    running_moments,
)

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)


def build_net(dropout_layer) -> keras.Model:
    """Input(2) -> Dense(100) -> dropout_layer -> Dense(100) -> Dense(1), all linear."""
    inputs = keras.Input(shape=(2,), name="x")
    hidden = keras.layers.Dense(HIDDEN_UNITS, name="dense_in")(inputs)  # (batch, 100)
    dropped = dropout_layer(hidden)
    if tuple(dropped.shape) != tuple(hidden.shape):
        raise ExperimentError(f"The dropout layer {type(dropout_layer).__name__} returns shape "
                              f"{tuple(dropped.shape)} for its input of shape "
                              f"{tuple(hidden.shape)}; a dropout layer keeps the shape.")
    hidden2 = keras.layers.Dense(HIDDEN_UNITS, name="dense_hidden")(dropped)
    outputs = keras.layers.Dense(1, name="dense_out")(hidden2)  # (batch, 1)
    return keras.Model(inputs, outputs, name="toy")


def make_train_loop(model: keras.Model, learning_rate: float):
    """A compiled loop running ``n`` full-batch SGD steps on S000's data.

    Returns:
        ``loop(n) -> losses`` where ``losses`` is a float32 tensor of shape
        ``(n,)`` holding each step's MSE before its update. Dropout is active
        (``training=True``) in every step, exactly as ``fit`` would do.
    """
    inputs, targets = tf.constant(INPUTS), tf.constant(TARGETS)
    step_size = tf.constant(learning_rate, tf.float32)

    def step(i, losses):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(inputs, training=True) - targets))
        grads = tape.gradient(loss, model.trainable_variables)
        # Plain SGD, w <- w - g * lr: the update keras.optimizers.SGD (no momentum)
        # makes, bit for bit, without its bookkeeping ops (~20 % of this loop).
        for variable, grad in zip(model.trainable_variables, grads, strict=True):
            variable.assign_sub(grad * step_size)
        return i + 1, losses.write(i, loss)

    # autograph=False: the loop is written as tf.while_loop already, which saves
    # the ~0.15 s autograph would spend transpiling it (this command's budget is
    # a fraction of a second above the TF import).
    @tf.function(autograph=False)
    def loop(n):
        _, losses = tf.while_loop(lambda i, _: i < n, step,
                                  (tf.constant(0), tf.TensorArray(tf.float32, size=n)))
        return losses.stack()

    return loop


def train(model: keras.Model, epochs: int, learning_rate: float,
          progress: ProgressFn | None = None) -> np.ndarray:
    """Train ``model`` for ``epochs`` full-batch steps; return the loss curve.

    The steps run in one traced ``tf.function``, called in chunks of about a
    quarter of a second (``core.chunks``): Ctrl-C is honoured between them and
    ``progress(done, total)`` reported.
    """
    loop = make_train_loop(model, learning_rate)
    losses = np.empty(epochs, np.float32)

    def run(done: int, size: int) -> None:
        losses[done:done + size] = loop(tf.constant(size)).numpy()

    in_chunks(epochs, run, progress)
    return losses


def require_finite_training(losses: np.ndarray, model: keras.Model, learning_rate: float) -> None:
    """ExperimentError when the loss or a weight became NaN or infinite: training diverged."""
    message = divergence(losses, all(np.isfinite(w.numpy()).all() for w in model.weights),
                         learning_rate)
    if message:
        raise ExperimentError(message)


def predict(model: keras.Model, inputs: np.ndarray = INPUTS) -> np.ndarray:
    """Inference-mode output, shape (samples,). Calls the model directly:
    ``model.predict`` prints a progress bar to stdout and is ~10x slower."""
    return model(inputs, training=False).numpy()[:, 0]


def training_mode_sampler(model: keras.Model, inputs: np.ndarray = INPUTS):
    """``sample(n) -> (n, samples)`` float64 array of independent training-mode passes.

    One traced loop, reused by every call; each pass is one call of the model,
    so a layer that shares its mask across the batch still gives independent
    samples.
    """
    inputs_t = tf.constant(inputs)

    def one_pass(i, outs):
        return i + 1, outs.write(i, model(inputs_t, training=True)[:, 0])

    @tf.function(autograph=False)
    def loop(count):
        _, outs = tf.while_loop(lambda i, _: i < count, one_pass,
                                (tf.constant(0), tf.TensorArray(tf.float32, size=count)))
        return outs.stack()  # (count, samples)

    return lambda n: loop(tf.constant(n)).numpy().astype(np.float64)


def training_mode_moments(model: keras.Model, n: int, inputs: np.ndarray = INPUTS,
                          progress: ProgressFn | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation of ``n`` training-mode passes, each (samples,).

    The passes (``training_mode_sampler``) are combined as they come, in
    chunks (``common.running_moments``): memory does not grow with ``n``.
    """
    return running_moments(training_mode_sampler(model, inputs), n, len(inputs), progress)


def vanilla_expectation(model: keras.Model, keep_prob: float,
                        inputs: np.ndarray = INPUTS) -> np.ndarray:
    """g(X): the net with its dropout layer replaced by ``x * keep_prob``, shape (samples,).

    What a vanilla (scale-at-test) dropout would output at test time.
    """
    hidden = model.get_layer("dense_in")(inputs)  # (samples, 100)
    scaled = hidden * np.float32(keep_prob)
    out = model.get_layer("dense_out")(model.get_layer("dense_hidden")(scaled))
    return out.numpy()[:, 0]
