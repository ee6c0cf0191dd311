"""The MNIST MLPs of S003 and S001 and their compiled training loop.

Imports TensorFlow at module level: import it only inside commands that train.

Layers are named ``dense_1`` ... ``dense_K`` (hidden, ReLU), ``dropout_i``
(right after ``dense_i``, only where that layer's drop rate is > 0) and
``logits`` (10 units, linear), so weights reload by name into a net built
with other drop rates. Every random draw of a unit is seeded from the unit's
own seed (initialisers, dropout masks), so a unit's numbers do not depend on
which units ran before it in the process (``--resume`` gives the same curves).

Speed: all steps between two evaluations run in one ``tf.function`` call
(a graph ``while`` loop over steps, batches gathered from the in-memory
training set by a permutation passed in), and the optimiser is TF's fused
kernel (``ResourceApplyAdam`` / ``ResourceApplyGradientDescent``, the kernels
tf.keras 2 used when S003 was written; same update rule as Keras 3's Adam).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dropout_lab.core.batches import derived_seed  # also mm.derived_seed, as before
from dropout_lab.core.chunks import in_chunks
from dropout_lab.core.tfenv import import_tf

tf = import_tf()
import keras  # noqa: E402  (after the quiet TF import)

PIXELS = 28 * 28  # inputs per image, flattened
CLASSES = 10
ADAM_BETAS = (0.9, 0.999)  # Keras / TF defaults, as in S003's Adam(0.01)
ADAM_EPSILON = 1e-7  # Keras's default epsilon




def build_mlp(hidden_units: tuple[int, ...], drop_rates: tuple[float, ...], kernel_init: str,
              seed: int, input_drop_rate: float = 0.0) -> keras.Model:
    """784 [-> Dropout(r0)] -> Dense(u, relu) [-> Dropout(r)] ... -> Dense(10) logits.

    Args:
        hidden_units: width of each hidden layer.
        drop_rates: drop probability after each hidden layer (0: no dropout layer).
        kernel_init: a Keras initializer name (``glorot_uniform``, ``he_normal``).
        seed: the unit's seed; layer i's initialiser and mask seeds derive from it,
            so two arms with the same seed start from identical weights.
        input_drop_rate: drop probability of the input pixels (0: no ``dropout_0`` layer,
            the net of S003 and S001 exactly).
    """
    inputs = keras.Input(shape=(PIXELS,), name="pixels")  # (batch, 784)
    hidden = inputs
    if input_drop_rate > 0:  # the 2014 paper's input dropout (keep 0.8 in Figure 10)
        hidden = keras.layers.Dropout(input_drop_rate, seed=derived_seed(seed, 2, 0),
                                      name="dropout_0")(hidden)
    for index, (units, rate) in enumerate(zip(hidden_units, drop_rates, strict=True), start=1):
        init = keras.initializers.get({"class_name": kernel_init,
                                       "config": {"seed": derived_seed(seed, 1, index)}})
        hidden = keras.layers.Dense(units, activation="relu", kernel_initializer=init,
                                    name=f"dense_{index}")(hidden)  # (batch, units)
        if rate > 0:
            hidden = keras.layers.Dropout(rate, seed=derived_seed(seed, 2, index),
                                          name=f"dropout_{index}")(hidden)
    init = keras.initializers.get({"class_name": kernel_init,
                                   "config": {"seed": derived_seed(seed, 1, 0)}})
    logits = keras.layers.Dense(CLASSES, kernel_initializer=init, name="logits")(hidden)
    return keras.Model(inputs, logits, name="mlp")  # (batch, 10)


@dataclass(frozen=True)
class Tensors:
    """The data of a unit, on the TF side; images stay uint8 (/255 per batch).

    Attributes:
        x_train: (N, 784) uint8, the training images used.
        y_train: (N,) int32.
        x_train_eval, y_train_eval: the training images on which train accuracy is measured.
        x_test, y_test: the test set, (10000, 784) uint8 and (10000,) int32.
    """

    # tf.Tensor each: ``tf`` comes from import_tf(), so mypy cannot name its types
    x_train: Any
    y_train: Any
    x_train_eval: Any
    y_train_eval: Any
    x_test: Any
    y_test: Any

    @classmethod
    def from_arrays(cls, x_train, y_train, x_test, y_test, train_eval_size: int) -> Tensors:
        """Flatten images to (n, 784) and move everything to tensors."""
        def flat(x):  # (n, 28, 28) uint8 -> (n, 784)
            return tf.constant(np.ascontiguousarray(x).reshape(len(x), PIXELS))

        def label(y):
            return tf.constant(np.asarray(y, dtype=np.int32))

        return cls(flat(x_train), label(y_train), flat(x_train[:train_eval_size]),
                   label(y_train[:train_eval_size]), flat(x_test), label(y_test))


def to_inputs(pixels):
    """uint8 (batch, 784) -> float32 in [0, 1], exactly S003's ``cast / 255``."""
    return tf.cast(pixels, tf.float32) / 255.0


class FusedOptimizer:
    """Adam, plain SGD or SGD with momentum, applied with TF's fused kernels, one call per variable.

    ``momentum`` (SGD only) is classical momentum, TF's ``ResourceApplyMomentum``:
    ``accum = momentum * accum + grad; var -= learning_rate * accum``.
    """

    def __init__(self, name: str, learning_rate: float, variables: list, momentum: float = 0.0):
        self.name, self.variables = name, variables
        self.learning_rate = tf.constant(learning_rate, tf.float32)
        self.momentum = momentum
        if name == "sgd" and momentum > 0:
            self.accumulators = [tf.Variable(tf.zeros_like(v)) for v in variables]
        if name == "adam":
            self.slots = [(tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v)))
                          for v in variables]
            self.beta_powers = (tf.Variable(1.0), tf.Variable(1.0))  # beta1^t, beta2^t

    def apply(self, grads: list) -> None:
        """One update of every variable from its gradient."""
        if self.name == "sgd" and self.momentum > 0:
            for variable, accum, grad in zip(self.variables, self.accumulators, grads,
                                             strict=True):
                tf.raw_ops.ResourceApplyMomentum(var=variable.handle, accum=accum.handle,
                                                 lr=self.learning_rate, grad=grad,
                                                 momentum=tf.constant(self.momentum, tf.float32))
            return
        if self.name == "sgd":
            for variable, grad in zip(self.variables, grads, strict=True):
                tf.raw_ops.ResourceApplyGradientDescent(var=variable.handle,
                                                        alpha=self.learning_rate, delta=grad)
            return
        beta1_power = self.beta_powers[0].assign(self.beta_powers[0] * ADAM_BETAS[0])
        beta2_power = self.beta_powers[1].assign(self.beta_powers[1] * ADAM_BETAS[1])
        for variable, (m, v), grad in zip(self.variables, self.slots, grads, strict=True):
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle, m=m.handle, v=v.handle, beta1_power=beta1_power,
                beta2_power=beta2_power, lr=self.learning_rate, beta1=ADAM_BETAS[0],
                beta2=ADAM_BETAS[1], epsilon=ADAM_EPSILON, grad=grad)


class Trainer:
    """Compiled training and evaluation of one model on one unit's data.

    Batches: pass p is a permutation of the N training images; step k of the
    run uses batch j = k mod S of pass p = k div S, S = ceil(N / batch_size),
    i.e. images ``perm_p[j*B : min((j+1)*B, N)]`` (the last batch of a pass
    is smaller when B does not divide N, as with S003's ``.batch(128)``).
    """

    def __init__(self, model, data: Tensors, batch_size: int, optimizer: str,
                 learning_rate: float, l2_weight: float, momentum: float = 0.0,
                 max_norm: float | None = None):
        self.model, self.data = model, data
        # max-norm (the 2014 paper): each hidden unit's incoming weight vector, a column of
        # its (in, out) kernel, is scaled back onto the ball of radius max_norm after a step
        self.max_norm = max_norm
        self.constrained = [layer.kernel for layer in model.layers
                            if layer.name.startswith("dense_")] if max_norm else []
        self.train_size = int(data.x_train.shape[0])
        self.batch_size = min(batch_size, self.train_size)
        self.steps_per_pass = -(-self.train_size // self.batch_size)
        self.l2_weight = l2_weight
        self.optimizer = FusedOptimizer(optimizer, learning_rate, model.trainable_variables,
                                        momentum)
        spec = tf.TensorSpec([], tf.int32)
        self._steps = tf.function(self._train_steps, input_signature=[
            tf.TensorSpec([None], tf.int32), spec, spec, spec, tf.TensorSpec([], tf.float32)])
        self._evaluate = tf.function(self._evaluate_graph)

    def objective(self, pixels, labels):
        """Mean softmax cross-entropy of a training-mode batch, + l2_weight * sum l2_loss(all)."""
        logits = self.model(to_inputs(pixels), training=True)  # (batch, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        if self.l2_weight > 0:
            # S003: 1e-4 * sum of tf.nn.l2_loss (= sum(w^2) / 2) over ALL trainable variables
            penalty = tf.add_n([tf.nn.l2_loss(v) for v in self.model.trainable_variables])
            loss += self.l2_weight * penalty
        return loss

    def _train_steps(self, order, first_pass, first_step, count, total):
        size, batch, per_pass = self.train_size, self.batch_size, self.steps_per_pass
        for step in tf.range(first_step, first_step + count):
            offset = (step // per_pass - first_pass) * size  # start of this pass in `order`
            begin = (step % per_pass) * batch
            indices = order[offset + begin:offset + tf.minimum(begin + batch, size)]  # (b,)
            pixels = tf.gather(self.data.x_train, indices)  # (b, 784) uint8
            labels = tf.gather(self.data.y_train, indices)  # (b,)
            with tf.GradientTape() as tape:
                loss = self.objective(pixels, labels)
            grads = tape.gradient(loss, self.model.trainable_variables)
            self.optimizer.apply(grads)
            for kernel in self.constrained:  # (in, out): norms over axis 0, one per unit
                kernel.assign(tf.clip_by_norm(kernel, self.max_norm, axes=[0]))
            total += loss
        return total  # the running sum of the objective, carried from call to call

    def train_steps(self, orders, first_step: int, count: int) -> float:
        """Run ``count`` updates from step ``first_step``; return their mean objective.

        The updates run in chunks of about a quarter of a second
        (``core.chunks``), so Ctrl-C is honoured; the running sum of the
        objective is carried through the chunks in float32, exactly as one
        long call would add it.

        Args:
            orders: ``PassOrders``: ``covering(start, end, steps_per_pass)`` gives the first
                pass and the permutations covering steps [start, end).
        """
        total = tf.constant(0.0)

        def run(done: int, size: int) -> None:
            nonlocal total
            step = first_step + done
            first_pass, order = orders.covering(step, step + size, self.steps_per_pass)
            total = self._steps(tf.constant(order, tf.int32), tf.constant(first_pass),
                                tf.constant(step), tf.constant(size), total)

        in_chunks(count, run)
        return float(total / tf.cast(max(count, 1), tf.float32))

    def _evaluate_graph(self, pixels, labels):
        logits = self.model(to_inputs(pixels), training=False)  # (n, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        predicted = tf.argmax(logits, axis=1, output_type=tf.int32)
        return tf.reduce_sum(tf.cast(predicted == labels, tf.int32)), loss

    def evaluate(self, split: str) -> tuple[float, float]:
        """Inference-mode (accuracy, mean cross-entropy) on ``"train"`` or ``"test"``."""
        pixels, labels = ((self.data.x_train_eval, self.data.y_train_eval) if split == "train"
                          else (self.data.x_test, self.data.y_test))
        correct, loss = self._evaluate(pixels, labels)
        return int(correct) / int(labels.shape[0]), float(loss)


class McSampler:
    """Test error of the deterministic net and of averages of k training-mode passes.

    The layers before the first Dropout layer draw no randomness, so their
    output is computed once; each Monte-Carlo pass runs only the rest, in
    training mode (fresh masks per pass), and adds its softmax to a running sum.
    """

    def __init__(self, model, images: np.ndarray, labels: np.ndarray):
        layers = model.layers[1:]  # without the InputLayer
        first = next(i for i, layer in enumerate(layers)
                     if isinstance(layer, keras.layers.Dropout))
        self.model, self.stochastic = model, layers[first:]
        self.inputs = to_inputs(tf.constant(images.reshape(len(images), PIXELS)))  # (n, 784)
        self.labels = tf.constant(np.asarray(labels, dtype=np.int32))  # (n,)
        hidden = self.inputs
        for layer in layers[:first]:
            hidden = layer(hidden, training=False)
        self.hidden = hidden  # (n, units before the first dropout)
        self._errors = tf.function(self._errors_graph)

    def deterministic_error(self) -> float:
        """Error rate of the inference-mode (weight-scaled) net."""
        logits = self.model(self.inputs, training=False)  # (n, 10)
        wrong = tf.reduce_sum(tf.cast(tf.argmax(logits, 1, output_type=tf.int32)
                                      != self.labels, tf.int32))
        return int(wrong) / int(self.labels.shape[0])

    def _errors_graph(self, passes, total):
        wrong = tf.TensorArray(tf.int32, size=passes)
        for i in tf.range(passes):
            out = self.hidden
            for layer in self.stochastic:
                out = layer(out, training=True)
            total += tf.nn.softmax(out)  # (n, 10) running sum of softmaxes
            predicted = tf.argmax(total, axis=1, output_type=tf.int32)
            wrong = wrong.write(i, tf.reduce_sum(tf.cast(predicted != self.labels, tf.int32)))
        return wrong.stack(), total

    def errors(self, ks: list[int]) -> np.ndarray:
        """Error rate of the average of the first k passes, for each k of ``ks`` (ascending).

        The passes run in chunks (``core.chunks``; Ctrl-C is honoured between
        them); only the errors at the ks asked for are kept.
        """
        total = tf.zeros([int(self.hidden.shape[0]), CLASSES])  # (n, 10) sum of softmaxes
        wanted, found = np.asarray(ks), np.zeros(len(ks))

        def run(done: int, size: int) -> None:
            nonlocal total
            wrong, total = self._errors(tf.constant(size), total)
            inside = (wanted > done) & (wanted <= done + size)
            found[inside] = wrong.numpy()[wanted[inside] - done - 1]

        in_chunks(int(wanted.max()), run, first=4)
        return found / int(self.labels.shape[0])
