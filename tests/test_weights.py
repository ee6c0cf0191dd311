"""HDF5 weights: exact round trip; every mismatch named; never executes anything."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from dropout_lab.core import weights
from dropout_lab.core.errors import ExperimentError
from dropout_lab.dropouts import appliers
from dropout_lab.toy import net as toy


def _net(units_seed=0, rate=0.5):
    import keras

    keras.utils.set_random_seed(units_seed)
    return toy.build_net(appliers.make_layer("keras", rate, units_seed))


def test_round_trip_is_exact_and_ignores_rng_state(tmp_path):
    source, target = _net(0), _net(1, rate=0.0)  # rate 0: Keras builds no seed generator
    path = tmp_path / "w.h5"
    weights.save(source, path, {"rate": 0.5, "versions": {"keras": "3"}})
    attrs = weights.load(target, path)
    for a, b in zip(source.weights, target.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert attrs["rate"] == 0.5 and attrs["format"] == weights.FORMAT
    with h5py.File(path) as handle:
        assert sorted(handle) == ["dense_hidden", "dense_in", "dense_out"]
        assert handle["dense_in/kernel"].shape == (2, 100)
        assert handle.attrs["format"] == weights.FORMAT
        assert handle.attrs["format_version"] == weights.FORMAT_VERSION
        assert {name: handle[name].attrs["class_name"] for name in handle} == {
            "dense_hidden": "Dense", "dense_in": "Dense", "dense_out": "Dense"}


def _edit(path, edit):
    with h5py.File(path, "a") as handle:
        edit(handle)


@pytest.mark.parametrize("edit, message", [
    (lambda h: h.__delitem__("dense_out/bias"),
     "the model's `dense_out/bias` is missing from the file"),
    (lambda h: h.create_dataset("extra/kernel", data=np.zeros(2)),
     "the file's `extra/kernel` has no place in the model"),
    (lambda h: (h.__delitem__("dense_hidden/kernel"),
                h.create_dataset("dense_hidden/kernel", data=np.zeros((100, 50)))),
     "`dense_hidden/kernel` has shape (100, 50) in the file but (100, 100) in the model"),
    (lambda h: (h.__delitem__("dense_in/bias"),
                h.create_dataset("dense_in/bias", data=np.array([b"code"] * 100))),
     "dataset `dense_in/bias` holds |S4 data; only numeric arrays are accepted"),
])
def test_mismatches_are_named(tmp_path, edit, message):
    path = tmp_path / "w.h5"
    weights.save(_net(), path, {})
    _edit(path, edit)
    with pytest.raises(ExperimentError) as info:
        weights.load(_net(), path)
    assert message in str(info.value)


def test_not_hdf5_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "w.h5"
    weights.save(_net(), path, {})
    data = path.read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.h5").write_text("not hdf5")
    with h5py.File(tmp_path / "keras.h5", "w") as handle:
        handle.create_dataset("layers/dense/vars/0", data=np.zeros(3))
    for name in ("cut.h5", "text.h5"):
        with pytest.raises(ExperimentError, match="not a readable HDF5 file"):
            weights.load(_net(), tmp_path / name)
    with pytest.raises(ExperimentError, match="is not a dropout-lab weights file"):
        weights.load(_net(), tmp_path / "keras.h5")


def _with_attribute(path, size):
    """A valid weights file whose root carries an extra attribute of ``size`` bytes."""
    saved = path.with_suffix(".saved.h5")
    weights.save(_net(), saved, {})
    # attributes over 64 KiB need HDF5's dense attribute storage: libver "latest", new file
    with h5py.File(saved, "r") as source, h5py.File(path, "w", libver="latest") as handle:
        for name in source:
            source.copy(source[name], handle)
        handle.attrs.update(source.attrs)
        handle.attrs["blob"] = np.zeros(size, np.uint8)


def test_root_attributes_up_to_the_cap_are_read_and_larger_ones_refused(tmp_path):
    cap = weights.MAX_ATTRS_BYTES
    _with_attribute(tmp_path / "at_cap.h5", cap)
    assert weights.load(_net(), tmp_path / "at_cap.h5")["blob"].size == cap
    _with_attribute(tmp_path / "over.h5", cap + 1)
    with pytest.raises(ExperimentError) as info:
        weights.load(_net(), tmp_path / "over.h5")
    assert str(info.value) == (f"{tmp_path / 'over.h5'}: attribute `blob` is larger than "
                               f"{cap} bytes; not a dropout-lab weights file.")


def test_a_mismatch_message_names_three_problems_and_counts_the_rest(tmp_path):
    path = tmp_path / "w.h5"
    expected = {f"layer/v{i}": (2,) for i in range(5)}

    def message(missing: int) -> str:
        path.write_bytes(weights.arrays_to_bytes(
            {f"layer/v{i}": np.zeros(2) for i in range(missing, 5)}, {}))
        with pytest.raises(ExperimentError) as info:
            weights.read_arrays(path, expected)
        return str(info.value)

    named = [f"the model's `layer/v{i}` is missing from the file" for i in range(5)]
    head = f"Weights file {path} does not match the model: "
    assert message(5) == head + "; ".join(named[:3]) + " (and 2 more)."
    assert message(3) == head + "; ".join(named[:3]) + "."
    assert message(1) == head + named[0] + "."


def test_only_layer_slash_variable_keys_are_saved():
    for key in ("a/b/c", "nolayer", "/kernel", "dense/"):
        with pytest.raises(ExperimentError) as info:
            weights.arrays_to_bytes({key: np.zeros(2)}, {})
        assert str(info.value) == (f"Cannot save `{key}` by name: expected "
                                   "`layer_name/variable_name`.")


def test_a_refused_dataset_is_named_with_its_file(tmp_path):
    path = tmp_path / "w.h5"
    weights.save(_net(), path, {})
    _edit(path, lambda h: (h.__delitem__("dense_in/bias"),
                           h.__setitem__("dense_in/bias", h5py.SoftLink("/dense_out/bias"))))
    with pytest.raises(ExperimentError) as info:
        weights.load(_net(), path)
    assert str(info.value) == (f"{path}: `dense_in/bias` is a SoftLink; a weights file holds "
                               "its data itself, never a link.")
