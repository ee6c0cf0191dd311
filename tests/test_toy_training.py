"""The compiled training loop does exactly what Keras's own SGD does, step by step."""

from __future__ import annotations

import numpy as np

from dropout_lab.core.tfenv import import_tf
from dropout_lab.dropouts import appliers
from dropout_lab.toy import net as toy

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)


def _net(seed):
    keras.utils.set_random_seed(seed)
    return toy.build_net(appliers.make_layer("keras", 0.5, seed))


def test_compiled_loop_is_bit_identical_to_eager_keras_sgd():
    compiled = _net(4)
    losses = toy.train(compiled, 120, 0.001)
    eager = _net(4)
    optimizer = keras.optimizers.SGD(learning_rate=0.001)
    inputs, targets = tf.constant(toy.INPUTS), tf.constant(toy.TARGETS)
    eager_losses = []
    for _ in range(120):
        with tf.GradientTape() as tape:
            loss = keras.losses.MeanSquaredError()(targets, eager(inputs, training=True))
        grads = tape.gradient(loss, eager.trainable_variables)
        optimizer.apply(grads, eager.trainable_variables)
        eager_losses.append(float(loss))
    np.testing.assert_array_equal(losses, np.float32(eager_losses))
    for a, b in zip(compiled.weights, eager.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout_is_active_in_every_step_and_masks_differ():
    losses = toy.train(_net(0), 200, 0.0)  # lr 0: weights fixed, only the masks change the loss
    assert len(set(losses.tolist())) > 190
    assert np.all(losses > 0)


def test_progress_is_reported_in_chunks_up_to_the_total():
    seen = []
    losses = toy.train(_net(1), 3000, 0.001, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3000, 3000) and len(seen) >= 2 and len(losses) == 3000
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_training_in_chunks_is_bit_identical_to_one_call():
    chunked = toy.train(_net(5), 500, 0.001)
    one_call = toy.make_train_loop(_net(5), 0.001)(tf.constant(500)).numpy()
    np.testing.assert_array_equal(chunked, one_call)
