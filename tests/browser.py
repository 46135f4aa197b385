"""A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`): no
WebSocket, no package beyond the standard library. Enough to open the Snakemake report, switch its
view the way its buttons do, and read what a page and its iframes rendered.

The report is a React app without URL routing: a result opens when its button calls
`app.setView({content, contentPath: results[path].data_uri, resultPath})` (Snakemake's
template/components/result_view_button.js); `show` does exactly that. An HTML result is shown in an
<iframe src="data:text/html;base64,..."> (content.js), which Chromium leaves empty when the data URL
is over 2 MB; `frame_texts` reads every child frame's rendered text.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
    "--window-size=1400,1000",
]


def find_chromium() -> str | None:
    """The Chromium executable on PATH (or $RELU_CHROMIUM), or None."""
    explicit = os.environ.get("RELU_CHROMIUM")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium with one page; `with Browser(exe, profile_dir) as b: b.open(path)`."""

    def __init__(self, executable: str, profile_dir: Path, timeout: float = 60.0):
        self.timeout = timeout
        self.log_path = Path(profile_dir) / "chromium.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - Chromium's stderr, read when it fails
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            preexec_fn=fds,
            pass_fds=(3, 4),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        log.close()
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = None
        page = next(t for t in self._wait_targets() if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True, session=None)[
            "sessionId"
        ]
        self.call("Page.enable")
        self.call("Runtime.enable")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the browser may be gone already
            self.call("Browser.close", session=None)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)

    # ---- the protocol ----------------------------------------------------------------------------
    def _wait_targets(self) -> list[dict]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            targets = self.call("Target.getTargets", session=None)["targetInfos"]
            if any(t["type"] == "page" for t in targets):
                return targets
            time.sleep(0.1)
        raise TimeoutError("Chromium opened no page")

    def call(self, method: str, session: str | None | bool = True, **params) -> dict:
        """Send one command (to the page's session unless `session=None`) and return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session is True:
            session = self.session
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise EOFError(f"Chromium closed the pipe: {self.log_path.read_text(errors='replace')[-2000:]}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    # ---- what the tests use ----------------------------------------------------------------------
    def evaluate(self, expression: str, context: int | None = None):
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.call("Runtime.evaluate", **params)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(
                f"{expression[:80]}: {details.get('exception', {}).get('description') or details.get('text')}"
            )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0, context: int | None = None):
        """Poll `expression` until it is truthy; return its value (or the last falsy one at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression, context)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def open(self, path: Path) -> None:
        """Load a local HTML file and wait until the report's app is up."""
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        ready = (
            "document.readyState === 'complete' && typeof app !== 'undefined' && app !== undefined "
            "&& typeof results !== 'undefined' && document.querySelector('#app').children.length > 0"
        )
        if not self.wait_for(ready, timeout=60):
            raise TimeoutError(f"{path}: the report's app did not start")

    def result_paths(self) -> list[str]:
        return self.evaluate("Object.keys(results)")

    def show(self, result_path: str, content: str) -> None:
        """Open one report item as its button does (content: img, html, pdf)."""
        self.evaluate(
            f"app.setView({{content: {json.dumps(content)}, contentPath: results[{json.dumps(result_path)}]"
            f".data_uri, resultPath: {json.dumps(result_path)}}}); true"
        )

    def child_frames(self) -> list[dict]:
        tree = self.call("Page.getFrameTree")["frameTree"]
        return [child["frame"] for child in tree.get("childFrames", [])]

    def frame_context(self, frame_id: str) -> int:
        """An execution context in a child frame (an isolated world: same DOM, its own globals)."""
        return self.call("Page.createIsolatedWorld", frameId=frame_id, worldName="relu-test")["executionContextId"]

    def frame_texts(self, wait: float = 5.0) -> list[str]:
        """The rendered text (`innerText` of the body) of every child frame, after up to `wait` seconds
        for a frame with text to appear."""
        deadline = time.monotonic() + wait
        while True:
            texts = []
            for frame in self.child_frames():
                texts.append(self._frame_text(frame["id"]))
            if any(texts) or time.monotonic() > deadline:
                return texts
            time.sleep(0.3)

    def _frame_text(self, frame_id: str) -> str:
        """A child frame's rendered text, or '' while it is still navigating: a frame that has just been given
        its document (the report sets an iframe's source on a click) drops the context made in it, which
        Chromium reports as an error; the caller polls again."""
        try:
            context = self.frame_context(frame_id)
            return self.evaluate("document.body ? document.body.innerText : ''", context) or ""
        except RuntimeError as error:
            if "Cannot find context" in str(error) or "No frame for given id" in str(error):
                return ""
            raise

    def screenshot(self, path: Path) -> None:
        """A PNG of the page as rendered (for a person to look at)."""
        import base64

        Path(path).write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
