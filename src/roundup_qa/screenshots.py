"""The README's screenshots, taken from the running app in headless Chromium (Playwright):
`roundup-qa screenshots --out docs`.

    chat-zh.png     a Chinese question, its answer chip and evidence (light theme)
    chat-dark.png   the same page in the dark theme
    chat-en.png     an English question whose answer carries an English gloss
    embed.png       the widget framed by a host page on another origin (examples/embed.html)

Without `url`, the app is started here on a free port. Chromium is Debian's (`apt-get install
chromium`); Chinese needs a CJK font (`apt-get install fonts-noto-cjk`), else the shots show boxes.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import tempfile
import threading
from pathlib import Path

ZH_QUESTION = "利津县老旧小区改造项目获批中央预算内投资多少?"
EN_QUESTION = "Which companies signed the offshore wind power base project in Hekou?"
EMBED_QUESTION = "What is the brand value of Yellow River Estuary hairy crabs?"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip
WAIT_MS = 60_000


def take(out: Path, url: str, embed_page: Path, chromium: str | None = None) -> list[Path]:
    """Take the four screenshots of the app at `url` into `out`; returns their paths."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("screenshots need Playwright: pip install -e '.[test]'") from None
    exe = chromium or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        raise RuntimeError("screenshots need Chromium: apt-get install -y chromium fonts-noto-cjk")
    out.mkdir(parents=True, exist_ok=True)
    url = url.rstrip("/")
    shots = []
    with sync_playwright() as p, _host_page(embed_page, url) as host:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            for scheme, name in (("light", "chat-zh.png"), ("dark", "chat-dark.png")):
                page = browser.new_page(viewport={"width": 1100, "height": 1300}, color_scheme=scheme)
                page.goto(f"{url}/?__theme={scheme}")
                _ask(page, ZH_QUESTION)
                page.locator("#chat .chip").first.wait_for(timeout=WAIT_MS)
                page.locator("#chat").get_by_text("Evidence · 证据", exact=False).first.click()
                page.locator("#chat mark").first.wait_for(timeout=WAIT_MS)
                shots.append(_shot(page, out / name))
                page.close()
            page = browser.new_page(viewport={"width": 1100, "height": 1100})
            page.goto(f"{url}/?__theme=light")
            _ask(page, EN_QUESTION)
            page.locator("#chat").get_by_text("gloss:", exact=False).first.wait_for(timeout=WAIT_MS)
            shots.append(_shot(page, out / "chat-en.png"))
            page.close()
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(f"{host}/embed.html")
            frame = page.frame_locator("#roundup-qa")
            _ask(frame, EMBED_QUESTION)
            frame.locator("#chat .chip").first.wait_for(timeout=WAIT_MS)
            shots.append(_shot(page, out / "embed.png"))
            page.close()
        finally:
            browser.close()
    return shots


def _ask(scope, question: str) -> None:
    box = scope.locator("#question textarea")
    box.wait_for(timeout=WAIT_MS)
    box.fill(question)
    box.press("Enter")


def _shot(page, path: Path) -> Path:
    page.wait_for_timeout(500)  # the last message's fade-in
    page.screenshot(path=str(path), full_page=True)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the host page's requests are not the user's business
        pass


class _host_page:
    """examples/embed.html on its own origin (another port), pointed at the app at `url`."""

    def __init__(self, embed_page: Path, url: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="roundup-qa-host-"))
        html = embed_page.read_text(encoding="utf-8").replace("http://127.0.0.1:7860", url)
        (self.dir / "embed.html").write_text(html, encoding="utf-8")

    def __enter__(self) -> str:
        handler = functools.partial(_QuietHandler, directory=str(self.dir))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)
