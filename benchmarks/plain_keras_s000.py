"""S000's two scripts in plain Keras 3: the baseline of bench_compare.py.

``python plain_keras_s000.py train DIR``: build the net with Dropout(0.5),
``fit`` 1000 epochs (verbose 0), save the weights, predict 10 times.
``python plain_keras_s000.py reload DIR``: build the rate-0 net, load the
weights, predict 10 times. Ported as literally as Keras 3 allows
(``epochs`` for ``nb_epoch``, a ``.weights.h5`` name, explicit layer names
because ``by_name`` loading is gone).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np


def net(rate):
    inputs = keras.Input(shape=(2,))
    x = keras.layers.Dense(100, activation="linear", name="dense_in")(inputs)
    x = keras.layers.Dropout(rate=rate, name="dropout")(x)
    x = keras.layers.Dense(100, activation="linear", name="dense_hidden")(x)
    x = keras.layers.Dense(1, activation="linear", name="dense_out")(x)
    return keras.Model(inputs, x)


def main(mode, folder):
    x = np.array([[3, 2], [2, 4], [1, 6]], dtype=np.float32)
    y = np.array([[8], [8], [8]], dtype=np.float32)
    path = os.path.join(folder, "model.weights.h5")
    if mode == "train":
        model = net(0.5)
        model.compile(optimizer=keras.optimizers.SGD(0.001), loss="mse")
        model.fit(x, y, epochs=1000, verbose=0)
        model.save_weights(path)
    else:
        model = net(0.0)
        model.load_weights(path)
    for _ in range(10):
        predictions = model.predict(x, verbose=0)
    print(mode, predictions.ravel())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
