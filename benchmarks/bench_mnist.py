"""dropout-lab's compiled MNIST arm vs S003's eager loop and vs idiomatic Keras ``fit``.

Each side runs in its own fresh Python process, one after the other (never
at the same time: they would share the cores), and the table shows them side
by side with the ratio of each baseline's time to dropout-lab's:

- ``eager``: S003's loop on Keras 3 -- a Sequential MLP called eagerly in
  a ``tf.GradientTape`` per batch, the L2 term built by a Python loop over the
  trainable variables, ``optimizer.apply_gradients``, and every
  ``--eval-every`` steps an eager pass over the test set in batches of 128.
  Batches come from in-memory shuffled indices instead of S003's
  ``tf.data ... .shuffle(60000)`` (which refills its buffer every pass and can
  stall for tens of seconds, see KERAS3-FACTS): that only makes the baseline
  faster, so the ratio is conservative.
- ``keras fit``: what a user would write today: the same MLP and arm as a
  ``keras.Sequential``, ``model.compile(Adam(0.01), sparse categorical
  cross-entropy from logits)`` (a compiled ``tf.function`` train step) and
  ``model.fit(batch_size=128, epochs=E, validation_data=test set)``, i.e. S003's
  10 passes of 469 steps evaluated once a pass; the L2 arms use
  ``kernel_regularizer``/``bias_regularizer`` L2(0.5e-4), the same penalty as
  S003's 1e-4 * sum(tf.nn.l2_loss) over all variables. With ``--steps`` below
  a pass, one epoch over the first ``steps * 128`` images.
- ``dropout-lab``: ``dropout-lab mnist --arms ARM --seeds 1 --steps N``.

Usage::

    python benchmarks/bench_mnist.py                # S003's 4690 steps (~5 min)
    python benchmarks/bench_mnist.py --steps 300    # a short check
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PASS_STEPS = 469  # batches of 128 in one pass over the 60000 training images


def eager_worker(steps: int, eval_every: int, arm: str) -> dict:
    """S003's loop, eager; returns timings and the final test accuracy."""
    started = time.perf_counter()
    from dropout_lab.core.data.mnist import load_mnist
    from dropout_lab.core.tfenv import import_tf

    tf = import_tf()
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    data = load_mnist()
    x_train, y_train = data.x_train.reshape(-1, 784), data.y_train.astype(np.int32)
    x_test, y_test = data.x_test.reshape(-1, 784), data.y_test.astype(np.int32)
    layers = [keras.layers.Dense(256, activation="relu")]
    layers += [keras.layers.Dropout(0.5)] if arm.startswith("dropout") else []
    layers += [keras.layers.Dense(128, activation="relu")]
    layers += [keras.layers.Dropout(0.5)] if arm.startswith("dropout") else []
    layers += [keras.layers.Dense(64, activation="relu"), keras.layers.Dense(32, activation="relu"),
               keras.layers.Dense(10)]
    network = keras.Sequential(layers)
    network.build(input_shape=(None, 784))
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    rng = np.random.default_rng(0)
    order = np.concatenate([rng.permutation(60000) for _ in range(-(-steps * 128 // 60000))])
    loop_started = time.perf_counter()
    accuracy, eval_seconds = float("nan"), 0.0
    for step in range(steps):
        indices = order[step * 128:(step + 1) * 128]
        x = tf.cast(x_train[indices], tf.float32) / 255.0
        y = tf.constant(y_train[indices])
        with tf.GradientTape() as tape:
            out = network(x, training=True)
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(
                tf.one_hot(y, depth=10), out, from_logits=True))
            if arm.endswith("l2"):
                penalty = [tf.nn.l2_loss(p) for p in network.trainable_variables]
                loss = loss + 0.0001 * tf.reduce_sum(tf.stack(penalty))
        grads = tape.gradient(loss, network.trainable_variables)
        optimizer.apply_gradients(zip(grads, network.trainable_variables, strict=True))
        if step % eval_every == 0 or step == steps - 1:
            tick = time.perf_counter()
            accuracy = _eager_accuracy(tf, network, x_test, y_test)
            eval_seconds += time.perf_counter() - tick
    return {"loop_seconds": time.perf_counter() - loop_started - eval_seconds,
            "in_process_seconds": time.perf_counter() - started,
            "final_test_accuracy": accuracy}


def fit_worker(steps: int, arm: str) -> dict:
    """The same arm as idiomatic Keras: compile + fit; returns timings and test accuracy."""
    started = time.perf_counter()
    from dropout_lab.core.data.mnist import load_mnist
    from dropout_lab.core.tfenv import import_tf

    import_tf()
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    data = load_mnist()
    per_epoch = min(PASS_STEPS, steps)
    epochs = max(1, round(steps / per_epoch))
    images = min(60000, per_epoch * 128)
    x_train = data.x_train[:images].reshape(-1, 784).astype(np.float32) / 255.0
    x_test = data.x_test.reshape(-1, 784).astype(np.float32) / 255.0
    regular = ({"kernel_regularizer": keras.regularizers.L2(0.5e-4),
                "bias_regularizer": keras.regularizers.L2(0.5e-4)} if arm.endswith("l2") else {})
    layers = [keras.Input((784,))]
    for units, rate in ((256, 0.5), (128, 0.5), (64, 0.0), (32, 0.0)):
        layers.append(keras.layers.Dense(units, activation="relu", **regular))
        if rate and arm.startswith("dropout"):
            layers.append(keras.layers.Dropout(rate))
    layers.append(keras.layers.Dense(10, **regular))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    fit_started = time.perf_counter()
    history = model.fit(x_train, data.y_train[:images].astype(np.int32), batch_size=128,
                        epochs=epochs, validation_data=(x_test, data.y_test.astype(np.int32)),
                        verbose=0)
    return {"loop_seconds": time.perf_counter() - fit_started,
            "in_process_seconds": time.perf_counter() - started,
            "steps_run": epochs * -(-images // 128),
            "final_test_accuracy": float(history.history["val_accuracy"][-1])}


def _eager_accuracy(tf, network, x_test, y_test) -> float:
    correct = 0
    for begin in range(0, len(x_test), 128):  # S003's ds_val.batch(128)
        out = network(tf.cast(x_test[begin:begin + 128], tf.float32) / 255.0)
        correct += int(tf.reduce_sum(tf.cast(tf.argmax(out, axis=1, output_type=tf.int32)
                                             == y_test[begin:begin + 128], tf.int32)))
    return correct / len(x_test)


def _timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - started, done.stdout


def run_worker(args, kind: str) -> dict:
    wall, stdout = _timed([sys.executable, __file__, "--worker", kind, "--steps",
                           str(args.steps), "--eval-every", str(args.eval_every), "--arm",
                           args.arm])
    return {"process_seconds": wall, **json.loads(stdout)}


def run_lab(args) -> dict:
    with tempfile.TemporaryDirectory() as out:
        wall, stdout = _timed([sys.executable, "-m", "dropout_lab", "mnist", "--arms", args.arm,
                               "--seeds", "1", "--steps", str(args.steps), "--eval-every",
                               str(args.eval_every), "--out", out, "--json", "--quiet"])
    (unit,) = json.loads(stdout)["arms"]
    return {"process_seconds": wall, "loop_seconds": unit["train_seconds"],
            "unit_seconds": unit["wall_seconds"],
            "final_test_accuracy": unit["final_test_accuracy"]}


def report(args, sides: dict[str, dict], loads: list[float]) -> None:
    lab = sides["dropout-lab"]
    rows = [("process wall time, s", "process_seconds", ".1f"),
            ("training steps only, s", "loop_seconds", ".1f"),
            ("final test accuracy", "final_test_accuracy", ".4f")]
    print(f"MNIST arm {args.arm!r}, {args.steps} steps, evaluation every {args.eval_every} steps "
          f"(keras fit: once a pass); each side in its own process, one after the other")
    names = ["eager (S003)", "keras fit", "dropout-lab"]
    print(f"{'':26}" + "".join(f"{n:>15}" for n in names) + f"{'eager/lab':>11}{'fit/lab':>9}")
    for label, key, spec in rows:
        values = [sides[n][key] for n in names]
        ratios = ["", ""] if "accuracy" in key else [
            f"{values[0] / lab[key]:.1f}x", f"{values[1] / lab[key]:.1f}x"]
        print(f"{label:26}" + "".join(f"{v:>15{spec}}" for v in values)
              + f"{ratios[0]:>11}{ratios[1]:>9}")
    per_step = {n: 1000 * sides[n]["loop_seconds"] / sides[n].get("steps_run", args.steps)
                for n in names}
    print("ms per training step: " + ", ".join(f"{n} {v:.2f}" for n, v in per_step.items())
          + f" (keras fit ran {sides['keras fit']['steps_run']} steps)")
    print(f"dropout-lab unit (train + evaluations, no import): {lab['unit_seconds']:.1f} s")
    print("1-minute load average before/between/after: " + ", ".join(f"{v:.2f}" for v in loads))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4690, help="updates per side [4690]")
    parser.add_argument("--eval-every", type=int, default=500, help="steps between evaluations")
    parser.add_argument("--arm", default="dropout+l2", choices=["none", "dropout", "l2",
                                                                "dropout+l2"])
    parser.add_argument("--worker", choices=["eager", "fit"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps < 1 or args.eval_every < 1:
        parser.error("--steps and --eval-every must be >= 1")
    if args.worker == "eager":
        print(json.dumps(eager_worker(args.steps, args.eval_every, args.arm)))
        return
    if args.worker == "fit":
        print(json.dumps(fit_worker(args.steps, args.arm)))
        return
    loads = [os.getloadavg()[0]]
    sides = {"dropout-lab": run_lab(args)}
    loads.append(os.getloadavg()[0])
    sides["eager (S003)"] = run_worker(args, "eager")
    loads.append(os.getloadavg()[0])
    sides["keras fit"] = run_worker(args, "fit")
    loads.append(os.getloadavg()[0])
    report(args, sides, loads)


if __name__ == "__main__":
    main()
