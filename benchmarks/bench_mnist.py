"""Seed 003's eager GradientTape loop vs dropout-lab's compiled arm, same steps.

Each side runs in its own fresh Python process, one after the other (never
at the same time: they would share the cores), and the table shows them side
by side with the ratio of their whole-process wall times:

- ``eager``: the seed's loop on Keras 3 -- a Sequential MLP called eagerly in
  a ``tf.GradientTape`` per batch, the L2 term built by a Python loop over the
  trainable variables, ``optimizer.apply_gradients``, and every
  ``--eval-every`` steps an eager pass over the test set in batches of 128.
  Batches come from in-memory shuffled indices instead of the seed's
  ``tf.data ... .shuffle(60000)`` (which refills its buffer every pass and can
  stall for tens of seconds, see KERAS3-FACTS): that only makes the baseline
  faster, so the ratio is conservative.
- ``dropout-lab``: ``dropout-lab mnist --arms ARM --seeds 1 --steps N``.

Usage::

    python benchmarks/bench_mnist.py                # the seed's 4690 steps (~5 min)
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


def eager_worker(steps: int, eval_every: int, arm: str) -> dict:
    """The seed's loop, eager; returns timings and the final test accuracy."""
    started = time.perf_counter()
    from dropout_lab.data.mnist import load_mnist
    from dropout_lab.tfenv import import_tf

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
        optimizer.apply_gradients(zip(grads, network.trainable_variables))
        if step % eval_every == 0 or step == steps - 1:
            tick = time.perf_counter()
            accuracy = _eager_accuracy(tf, network, x_test, y_test)
            eval_seconds += time.perf_counter() - tick
    return {"loop_seconds": time.perf_counter() - loop_started - eval_seconds,
            "in_process_seconds": time.perf_counter() - started,
            "final_test_accuracy": accuracy}


def _eager_accuracy(tf, network, x_test, y_test) -> float:
    correct = 0
    for begin in range(0, len(x_test), 128):  # the seed's ds_val.batch(128)
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


def run_eager(args) -> dict:
    wall, stdout = _timed([sys.executable, __file__, "--worker", "--steps", str(args.steps),
                           "--eval-every", str(args.eval_every), "--arm", args.arm])
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


def report(args, eager: dict, lab: dict, loads: list[float]) -> None:
    rows = [("process wall time, s", "process_seconds", ".1f"),
            ("training steps only, s", "loop_seconds", ".1f"),
            ("final test accuracy", "final_test_accuracy", ".4f")]
    print(f"MNIST arm {args.arm!r}, {args.steps} steps, evaluation every {args.eval_every} steps "
          f"(each side in its own process, one after the other)")
    print(f"{'':28}{'eager (seed 003)':>18}{'dropout-lab':>14}{'ratio':>9}")
    for label, key, spec in rows:
        ratio = "" if "accuracy" in key else f"{eager[key] / lab[key]:.1f}x"
        print(f"{label:28}{eager[key]:>18{spec}}{lab[key]:>14{spec}}{ratio:>9}")
    print(f"dropout-lab unit (train + evaluations, no import): {lab['unit_seconds']:.1f} s; "
          f"eager ms/step {1000 * eager['loop_seconds'] / args.steps:.2f}, dropout-lab ms/step "
          f"{1000 * lab['loop_seconds'] / args.steps:.2f}")
    print("1-minute load average before/between/after: " + ", ".join(f"{v:.2f}" for v in loads))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4690, help="updates per side [4690]")
    parser.add_argument("--eval-every", type=int, default=500, help="steps between evaluations")
    parser.add_argument("--arm", default="dropout+l2", choices=["none", "dropout", "l2",
                                                                "dropout+l2"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps < 1 or args.eval_every < 1:
        parser.error("--steps and --eval-every must be >= 1")
    if args.worker:
        print(json.dumps(eager_worker(args.steps, args.eval_every, args.arm)))
        return
    loads = [os.getloadavg()[0]]
    lab = run_lab(args)
    loads.append(os.getloadavg()[0])
    eager = run_eager(args)
    loads.append(os.getloadavg()[0])
    report(args, eager, lab, loads)


if __name__ == "__main__":
    main()
