"""Headless Chromium driven over the DevTools protocol, with the standard library only.

What the TensorBoard test (and scripts/tensorboard_screenshots.py) need of a
browser: open a page, wait until its text — shadow roots included, where
TensorBoard's Polymer dashboards put their tables — holds some words, and
take a screenshot. Chromium is started with a new empty profile and no
network besides the page asked for; it is stopped on exit.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")

#: The page's visible text with every shadow root's, in document order (no style or script).
DEEP_TEXT = """(() => { const parts = [], skip = ["STYLE", "SCRIPT", "NOSCRIPT", "TEMPLATE"];
  const walk = node => { if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) parts.push(child.textContent);
      else if (!skip.includes(child.nodeName)) walk(child); } };
  walk(document.body); return parts.join(" ").replace(/\\s+/g, " "); })()"""


def chromium() -> str | None:
    """The Chromium executable, if installed (Debian's ``chromium``)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium and one page of it; use as a context manager."""

    def __init__(self, width: int = 1400, height: int = 900):
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.next_id = 0

    def __enter__(self) -> Browser:
        executable = chromium()
        if executable is None:
            raise RuntimeError("chromium is not installed")
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={self.width},{self.height}", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        port = self._devtools_port(deadline=time.monotonic() + 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self._connect(page["webSocketDebuggerUrl"])
        self.call("Page.enable")
        return self

    def __exit__(self, *exc) -> None:
        if self.sock is not None:
            self.sock.close()
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _devtools_port(self, deadline: float) -> int:
        """Read Chromium's 'DevTools listening on ws://127.0.0.1:PORT/...' line."""
        assert self.process is not None and self.process.stderr is not None
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline().decode(errors="replace")
            if not line and self.process.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found[1])
        raise RuntimeError("chromium did not start: " + "".join(seen[-10:]))

    # --- a minimal WebSocket client (RFC 6455): masked text frames out, frames in ----------

    def _connect(self, url: str) -> None:
        found = re.fullmatch(r"ws://([^:/]+):(\d+)(/.*)", url)
        assert found, url
        host, port, path = found[1], int(found[2]), found[3]
        self.sock = socket.create_connection((host, port), timeout=60)
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _send(self, text: str) -> None:
        payload, mask = text.encode(), secrets.token_bytes(4)
        size = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | size]) if size < 126 else
                                bytes([0x80 | 126]) + struct.pack(">H", size) if size < 65536
                                else bytes([0x80 | 127]) + struct.pack(">Q", size))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            data += chunk
        return data

    def _receive(self) -> str:
        message = b""
        while True:
            first, second = self._exactly(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._exactly(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._exactly(8))[0]
            message += self._exactly(size)
            if first & 0x80:  # FIN: the last fragment
                return message.decode()

    def call(self, method: str, **params) -> dict:
        """One DevTools command; its result (events on the way are skipped)."""
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self._receive())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    # --- what the tests use ------------------------------------------------------------------

    def open(self, url: str) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return found.get("result", {}).get("value")

    def text(self) -> str:
        """The page's text now, shadow roots included."""
        return str(self.evaluate(DEEP_TEXT) or "")

    def wait_for(self, words: list[str], seconds: float = 120) -> str:
        """The page's text once it holds every one of ``words``.

        Raises:
            TimeoutError: not within ``seconds`` (the message ends with the text seen).
        """
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(word in text for word in words):
                return text
            time.sleep(0.5)
        raise TimeoutError(f"page never showed {words}; it showed: {text[-1500:]}")

    def screenshot(self, path: Path) -> Path:
        """A PNG of the page as it is now."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
