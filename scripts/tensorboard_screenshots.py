"""Make docs/tensorboard-curves.png and docs/tensorboard-hparams.png from real runs.

1. ``dropout-lab mnist --seeds 1 --arms dropout`` (the README's example), then
   ``tensorboard --logdir`` over it: the Time Series tab, filtered to the
   training loss and the accuracies;
2. a small four-arm sweep (two seeds, 1000 steps), then the HParams tab.

Each server runs on a free localhost port and is stopped afterwards; the
pages are drawn by headless Chromium (Debian's ``chromium``), driven with
tests/browser.py. Takes a few minutes (the first run trains S003's MLP for
4690 steps). Usage: ``python scripts/tensorboard_screenshots.py [--docs docs]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser  # noqa: E402  (tests/browser.py)

#: The settings pane TensorBoard opens on wide windows, closed before the picture.
CLOSE_SETTINGS = """(() => { const b = [...document.querySelectorAll("button")].find(
    x => /close settings/i.test(x.getAttribute("aria-label") || ""));
  if (b) b.click(); return !!b; })()"""


def lab(*args: str) -> dict:
    found = subprocess.run([sys.executable, "-m", "dropout_lab", *args, "--json", "--quiet"],
                           check=True, capture_output=True, text=True)
    return json.loads(found.stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Board:
    """``tensorboard --logdir out`` on a free port, until the block ends."""

    def __init__(self, out: Path, runs: int):
        self.out, self.runs, self.port = out, runs, free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Board:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(self.out), "--host",
             "127.0.0.1", "--port", str(self.port)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/data/runs", timeout=5) as answer:
                    if len(json.load(answer)) >= self.runs:
                        return self
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError("tensorboard did not start")

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def curves(work: Path, docs: Path) -> None:
    out = work / "one"
    lab("mnist", "--seeds", "1", "--arms", "dropout", "--out", str(out))
    with Board(out, 1) as board, Browser(1400, 820) as browser:
        tags = urllib.parse.quote("^(train|test)/(loss|accuracy)$", safe="")
        browser.open(f"{board.url}/?darkMode=false&tagFilter={tags}#timeseries")
        # card titles are drawn as "test /accuracy": the group, then the rest of the tag
        browser.wait_for(["Tags matching filter 4 cards", "/accuracy", "/loss"], 180)
        browser.evaluate(CLOSE_SETTINGS)
        time.sleep(5)  # the charts draw after the text is there
        browser.screenshot(docs / "tensorboard-curves.png")


def hparams(work: Path, docs: Path) -> None:
    out = work / "sweep"
    lab("mnist", "--seeds", "2", "--steps", "1000", "--eval-every", "100", "--out", str(out))
    with Board(out, 8) as board, Browser(1400, 620) as browser:
        browser.open(f"{board.url}/?darkMode=false#hparams")
        browser.wait_for(["Number of matching session groups: 8"], 180)
        time.sleep(3)
        browser.screenshot(docs / "tensorboard-hparams.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with tempfile.TemporaryDirectory(prefix="tensorboard-screenshots-") as work:
        curves(Path(work), args.docs)
        hparams(Path(work), args.docs)
    print(f"wrote {args.docs / 'tensorboard-curves.png'} and "
          f"{args.docs / 'tensorboard-hparams.png'}")


if __name__ == "__main__":
    main()
