"""The web chat: its API through gradio_client, its headers, and the page in headless Chromium
(Debian's chromium, driven by Playwright): answers, citations, evidence, the embed page,
script injection and network privacy.

Set ROUNDUP_QA_SCREENSHOTS=docs to refresh the screenshots shown in the README.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from roundup_qa.screenshots import CHROMIUM_ARGS
from roundup_qa.web import frame_policy, reply_markdown, start, text

from .conftest import ROOT

pytestmark = pytest.mark.slow

INJECTION = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">**bold** [link](javascript:alert(1))'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _StaticSite:
    """A host page on its own origin (another port), like a news site embedding the chat."""

    def __init__(self, directory: Path, port: int) -> None:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *a, **k: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def host_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def chat(real_qa, host_port, tmp_path_factory):
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.sqlite"
    server = start(real_qa, frame_ancestors=[f"http://127.0.0.1:{host_port}"], feedback=feedback)
    server.feedback = feedback
    yield server
    server.stop()


@pytest.fixture(scope="module")
def open_chat(real_qa):
    """A chat started as the README starts it: no origin named, the widget frameable by any page."""
    server = start(real_qa)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail("Debian's chromium is needed for the browser tests: apt-get install -y chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("ROUNDUP_QA_SCREENSHOTS") or tmp_path)


def _ask(scope, question: str) -> None:
    box = scope.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def _themed_page(browser, chat, scheme: str):
    """A browser context in `scheme` ("light" or "dark") with the chat open in that theme."""
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(chat.url + f"/?__theme={scheme}")
    return context, page


def test_api_endpoint_returns_the_answer_record(chat):
    from gradio_client import Client

    client = Client(chat.url + "/", verbose=False)
    zh = client.predict(
        question="利津县老旧小区改造项目获批中央预算内投资多少?", top_k=3, district="", api_name="/ask"
    )
    en = client.predict(
        question="What is the brand value of Huasheng Rubber?", top_k=5, district="", api_name="/ask"
    )
    assert zh["answer"] == "2135万元" and zh["citation"]["item"] == 36 and len(zh["passages"]) == 3
    assert en["answer"] == "10.08亿元" and en["answer_en"] == "CNY 1.008 billion"
    assert en["citation"]["district"] == "广饶县"


def test_headers_limit_framing_and_cross_origin_calls(chat, open_chat, host_port):
    allowed = f"http://127.0.0.1:{host_port}"
    with urllib.request.urlopen(chat.url + "/widget/") as r:  # --frame-ancestors restricts the widget
        assert r.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {allowed}"
    with urllib.request.urlopen(open_chat.url + "/widget/") as r:  # by default any page may frame it
        assert r.headers["Content-Security-Policy"] == "frame-ancestors *"
    for server in (chat, open_chat):  # the chat page itself: its own origin only
        with urllib.request.urlopen(server.url + "/") as r:
            assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    req = urllib.request.Request(chat.url + "/config", headers={"Origin": "http://evil.example"})
    with urllib.request.urlopen(req) as r:
        assert r.headers.get("Access-Control-Allow-Origin") in (None, "")
    req = urllib.request.Request(chat.url + "/config", headers={"Origin": allowed})
    with urllib.request.urlopen(req) as r:
        assert r.headers.get("Access-Control-Allow-Origin") == allowed


def test_api_docs_page_renders_offline(chat, browser):
    """/api/docs is Swagger UI served from the package: it renders every endpoint with no
    network beyond the server."""
    page = browser.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(chat.url) else None)
    page.goto(chat.url + "/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = [e.inner_text() for e in page.query_selector_all(".opblock-summary-path")]
    assert paths == ["/api/ask", "/api/items", "/api/items/{number}", "/api/health"]
    assert outside == []
    page.close()


def test_frame_policy_rejects_non_origins():
    assert frame_policy([]) == "frame-ancestors 'self'"
    with pytest.raises(ValueError):
        frame_policy(["*; script-src *"])


def test_reply_text_is_inert_markdown():
    assert text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert text("**x** [a](b)") == r"\*\*x\*\* \[a\]\(b\)"


def test_chat_in_both_languages_with_citation_and_evidence(chat, browser, shots):
    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(chat.url + "/")
    _ask(page, "利津县老旧小区改造项目获批中央预算内投资多少?")
    chat_box = page.locator("#chat")
    chat_box.get_by_text("#36 · 利津县 · ", exact=False).wait_for(timeout=30000)
    assert chat_box.locator("strong", has_text="2135万元").count() >= 1
    page.get_by_text("Evidence · 证据", exact=True).click()
    mark = page.locator("#evidence mark").first
    mark.wait_for(timeout=10000)
    assert mark.inner_text() == "2135万元"
    assert "bm25 1" in page.locator("#evidence").inner_text()
    page.screenshot(path=str(shots / "chat-zh.png"), full_page=True)

    _ask(page, "What is the brand value of Huasheng Rubber?")
    chat_box.get_by_text("Guangrao County", exact=False).wait_for(timeout=30000)
    assert "CNY 1.008 billion" in chat_box.inner_text()
    page.screenshot(path=str(shots / "chat-en.png"), full_page=True)
    outside = [u for u in requests if not u.startswith((chat.url, "data:", "blob:"))]
    assert outside == [], "the page fetched from outside the app"
    page.close()


def test_not_in_the_roundup_reply_lists_closest_items(chat, browser):
    page = browser.new_page()
    page.goto(chat.url + "/")
    _ask(page, "Which Japanese university signed the hairy crab agreement with Kenli?")
    page.locator("#chat").get_by_text("The roundup does not say.", exact=False).wait_for(timeout=30000)
    assert "Closest items:" in page.locator("#chat").inner_text()
    page.close()


def test_blank_question_adds_no_bubble_and_nonsense_is_refused(chat, browser):
    page = browser.new_page()
    page.goto(chat.url + "/")
    _ask(page, "   ")
    page.wait_for_timeout(3000)  # the blank submit has come back (it changes nothing)
    _ask(page, "asdkjh qwpoeiru zxmcnv")
    chat_box = page.locator("#chat")
    chat_box.get_by_text("The roundup does not say.", exact=False).wait_for(timeout=30000)
    users = [b.inner_text().strip() for b in chat_box.locator('[data-testid="user"]').all()]
    bots = [b.inner_text().strip() for b in chat_box.locator('[data-testid="bot"]').all()]
    assert users == ["asdkjh qwpoeiru zxmcnv"]  # no bubble, empty or not, for the blank question
    replies = [b for b in bots if not b.startswith("Evidence · 证据")]  # each answer's folded evidence aside
    assert len(replies) == 1 and replies[0].startswith("The roundup does not say.")
    page.close()


def test_injected_markup_is_shown_as_text_and_never_runs(chat, browser):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(chat.url + "/")
    _ask(page, INJECTION)
    page.locator("#chat").get_by_text("<script>window.__pwned=1</script>", exact=False).wait_for(
        timeout=30000
    )
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.locator("#chat a[href^='javascript']").count() == 0
    assert dialogs == []
    page.close()


def test_embed_example_works_from_another_origin(chat, browser, host_port, tmp_path, shots):
    html = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:7860/widget/" in html
    (tmp_path / "embed.html").write_text(html.replace("http://127.0.0.1:7860", chat.url), encoding="utf-8")
    site = _StaticSite(tmp_path, host_port)
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(site.url + "/embed.html")
        frame = page.frame_locator("#roundup-qa")
        frame.locator("#question textarea").wait_for(timeout=30000)
        _ask(frame, "What is the brand value of Yellow River Estuary hairy crabs?")
        frame.locator("#chat").get_by_text("CNY 2.612 billion", exact=False).wait_for(timeout=30000)
        assert "#18" in frame.locator("#chat").inner_text()
        page.screenshot(path=str(shots / "embed.png"))
        page.close()
    finally:
        site.close()


def test_embed_from_an_origin_not_allowed_is_refused(chat, browser, tmp_path):
    html = (
        (ROOT / "examples" / "embed.html")
        .read_text(encoding="utf-8")
        .replace("http://127.0.0.1:7860", chat.url)
    )
    (tmp_path / "embed.html").write_text(html, encoding="utf-8")
    site = _StaticSite(tmp_path, _free_port())
    try:
        page = browser.new_page()
        page.goto(site.url + "/embed.html")
        page.wait_for_timeout(3000)
        frame = page.frame_locator("#roundup-qa")
        assert frame.locator("#question textarea").count() == 0
        page.close()
    finally:
        site.close()


def test_reply_markdown_follows_the_question_language(real_qa):
    en = reply_markdown(real_qa.ask("What is the brand value of Huasheng Rubber?")).replace("\\", "")
    zh = reply_markdown(real_qa.ask("华盛橡胶的品牌价值是多少?")).replace("\\", "")
    assert "Guangrao County" in en and "CNY 1.008 billion" in en
    assert "广饶县" in zh and "CNY" not in zh


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/static/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/widget/gradio_api/file=/etc/passwd",
        "/gradio_api/file=" + str(ROOT / "pyproject.toml"),
    ],
)
def test_no_file_outside_the_app_is_served(chat, path):
    req = urllib.request.Request(chat.url + path)
    try:
        with urllib.request.urlopen(req) as r:
            body = r.read()
    except urllib.error.HTTPError as err:
        assert err.code in (400, 403, 404, 405)
        return
    assert b"root:" not in body and b"[project]" not in body


def test_concurrent_clients_get_the_sequential_answers(chat):
    """A small run of eval/load_test.py (the full one: 50 clients, 1,000 questions)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_test", ROOT / "eval" / "load_test.py")
    load_test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load_test)
    questions = load_test.questions_from([str(ROOT / "eval" / "questions.jsonl")], 60)
    report = load_test.run(chat.url + "/", clients=8, questions=questions)
    assert report["answered"] == 60
    assert (report["errors"], report["mismatches"]) == (0, 0)


def test_a_question_over_the_limit_gets_a_clear_reply_and_stays_in_the_box(chat, browser):
    page = browser.new_page()
    page.goto(chat.url + "/")
    chat_box = page.locator("#chat")
    # in the asker's language: a Chinese question is told in Chinese, an English one in English
    for question, said, limit in (
        ("河口区" * 300, "无法提问", "问题有900个字,上限是500个字"),  # 900 characters; the limit is 500
        ("Hekou" * 120, "Not asked", "600 characters; the limit is 500"),
    ):
        _ask(page, question)
        chat_box.get_by_text(said, exact=False).wait_for(timeout=30000)
        assert limit in chat_box.inner_text()
        assert page.locator("#question textarea").input_value() == question  # nothing lost
        page.locator("#question textarea").fill("")
    page.close()


def test_api_endpoint_names_the_limit(chat):
    from gradio_client import Client

    client = Client(chat.url + "/", verbose=False)
    with pytest.raises(Exception, match="the limit is 500"):
        client.predict(question="河口区" * 300, top_k=5, district="", api_name="/ask")


_CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const s = getComputedStyle(el);
  const a = lum(rgb(s.color)), b = lum(rgb(s.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_answer_highlight_is_readable_in_both_themes(chat, browser, scheme):
    """WCAG contrast of the highlighted span's text on its background, from the rendered styles."""
    context, page = _themed_page(browser, chat, scheme)
    _ask(page, "利津县老旧小区改造项目获批中央预算内投资多少?")
    page.locator("#chat").get_by_text("#36 · 利津县 · ", exact=False).wait_for(timeout=30000)
    page.get_by_text("Evidence · 证据", exact=True).click()
    mark = page.locator("#evidence mark").first
    mark.wait_for(timeout=10000)
    assert page.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")
    ratio = mark.evaluate(_CONTRAST)
    assert ratio >= 4.5, f"{scheme}: contrast {ratio:.2f}:1"
    context.close()


def test_each_answer_keeps_its_own_evidence(chat, browser):
    """Scrolling back to an earlier answer shows that answer's evidence, folded under it,
    with its own span marked, not the last question's."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(chat.url + "/")
    chat_box = page.locator("#chat")
    _ask(page, "利津县老旧小区改造项目获批中央预算内投资多少?")
    chat_box.get_by_text("#36 · 利津县 · ", exact=False).wait_for(timeout=30000)
    _ask(page, "What is the brand value of Huasheng Rubber?")
    chat_box.get_by_text("Guangrao County", exact=False).wait_for(timeout=30000)
    folds = chat_box.get_by_text("Evidence · 证据 · #", exact=False)
    assert [f.inner_text().strip() for f in folds.all()] == ["Evidence · 证据 · #36", "Evidence · 证据 · #31"]
    for fold in folds.all():
        fold.click()
    chat_box.locator("mark").nth(1).wait_for(timeout=10000)
    assert [m.inner_text() for m in chat_box.locator("mark").all()] == ["2135万元", "10.08亿元"]
    page.close()


def test_refusal_reply_says_why_and_what_lies_outside_the_filter(real_qa):
    from roundup_qa.web import reply_markdown

    reply = reply_markdown(
        real_qa.ask("What is the brand value of Huasheng Rubber?", district="Hekou District")
    )
    shown = reply.replace(chr(92), "")  # without the Markdown escapes, as the reader sees the text
    assert shown.startswith("The roundup does not say. (the best item covers too little of the question")
    assert (
        "only 河口区 (Hekou District) was searched; outside it, item #31 in 广饶县 (Guangrao County)" in shown
    )


def test_clicking_an_example_asks_it(chat, browser, real_qa):
    page = browser.new_page()
    page.goto(chat.url + "/")
    example = real_qa.index.manifest.chat.examples[0]
    page.get_by_text(example, exact=True).first.click()
    chat_box = page.locator("#chat")
    chat_box.locator('[data-testid="bot"]').first.wait_for(timeout=30000)
    users = [b.inner_text().strip() for b in chat_box.locator('[data-testid="user"]').all()]
    assert users == [example]
    assert chat_box.locator('[data-testid="bot"]').first.inner_text().strip() != ""
    page.close()


def test_pasted_embed_snippet_works_from_any_origin_and_api_calls_stay_refused(open_chat, browser, tmp_path):
    """The README's snippet on a page of another origin, the chat started without naming it:
    the framed widget answers; a script of that page calling the API is refused by CORS."""
    html = (ROOT / "examples" / "embed.html").read_text(encoding="utf-8")
    (tmp_path / "embed.html").write_text(
        html.replace("http://127.0.0.1:7860", open_chat.url), encoding="utf-8"
    )
    site = _StaticSite(tmp_path, _free_port())
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(site.url + "/embed.html")
        frame = page.frame_locator("#roundup-qa")
        _ask(frame, "What is the brand value of Yellow River Estuary hairy crabs?")
        frame.locator("#chat .chip").first.wait_for(timeout=30000)
        assert "CNY 2.612 billion" in frame.locator("#chat").inner_text()
        outcome = page.evaluate(
            """async (url) => {
                try {
                    const r = await fetch(url + "/api/ask", {method: "POST",
                        headers: {"Content-Type": "application/json"}, body: JSON.stringify({question: "x"})});
                    return "read " + r.status;
                } catch (e) { return "refused"; }
            }""",
            open_chat.url,
        )
        assert outcome == "refused"
        page.close()
    finally:
        site.close()


def test_every_answer_ends_with_its_chip_in_the_askers_language(chat, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(chat.url + "/")
    chat_box = page.locator("#chat")
    _ask(page, "利津县老旧小区改造项目获批中央预算内投资多少?")
    chat_box.locator(".chip").first.wait_for(timeout=30000)
    _ask(page, "Which companies signed the offshore wind power base project in Hekou?")
    chat_box.locator(".chip").nth(1).wait_for(timeout=30000)
    _ask(page, "Which Japanese university signed the hairy crab agreement with Kenli?")
    chat_box.get_by_text("The roundup does not say.", exact=False).wait_for(timeout=30000)
    chips = [c.inner_text() for c in chat_box.locator(".chip").all()]
    assert chips[0].startswith("#36 · 利津县 · 2021年老旧小区改造项目")  # Chinese asker: Chinese
    assert (
        chips[1].startswith("#10 · Hekou District · ") and "gloss: " in chips[1]
    )  # English: English district
    assert len(chips) >= 3 and all(
        " · " in c and "gloss: " in c for c in chips[2:]
    )  # the refusal's closest items
    replies = chat_box.inner_text()
    assert "中车永济电机有限公司 (gloss: Xinjiang Goldwind" in replies
    page.close()


def test_page_explains_itself_lists_the_items_and_starts_over(chat, browser, real_qa):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(chat.url + "/")
    welcome = page.locator("#welcome")
    welcome.get_by_text("Guangrao County", exact=False).first.wait_for(timeout=30000)
    assert "52 news items" in welcome.inner_text() and "does not say" not in welcome.inner_text()
    page.get_by_text("Items · 条目 (52)", exact=False).click()
    items = page.locator("#items details")
    items.first.wait_for(timeout=10000)
    assert items.count() == 52
    assert page.locator("#items h4").first.inner_text().startswith("东营区 · Dongying District")
    item = page.locator("#item-31")
    assert "gloss: Huasheng Rubber" in item.inner_text()
    item.locator("summary").click()
    assert "10.08亿元" in item.inner_text()  # the item opens to its text
    _ask(page, "   ")  # a blank question: a hint, no bubble
    page.get_by_text("Type a question first", exact=False).first.wait_for(timeout=10000)
    assert page.locator('#chat [data-testid="user"]').count() == 0
    _ask(page, "华盛橡胶的品牌价值是多少?")
    page.locator("#chat .chip").first.wait_for(timeout=30000)
    page.locator("#new-chat").click()
    page.wait_for_function("document.querySelectorAll('#chat .chip').length === 0", timeout=10000)
    assert page.locator('#chat [data-testid="user"]').count() == 0
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_citation_chip_is_readable_in_both_themes(chat, browser, scheme):
    context, page = _themed_page(browser, chat, scheme)
    _ask(page, "华盛橡胶的品牌价值是多少?")
    chip = page.locator("#chat .chip").first
    chip.wait_for(timeout=30000)
    ratio = chip.evaluate(_CONTRAST)
    assert ratio >= 4.5, f"{scheme}: chip contrast {ratio:.2f}:1"
    context.close()


def test_thumbs_on_an_answer_are_stored_with_its_record(chat, browser):
    from roundup_qa.feedback import FeedbackStore

    before = len(FeedbackStore(chat.feedback).rows())
    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    page.goto(chat.url + "/")
    _ask(page, "华盛橡胶的品牌价值是多少?")
    chat_box = page.locator("#chat")
    chat_box.locator(".chip").first.wait_for(timeout=30000)
    chat_box.get_by_label("Dislike").first.click()
    deadline = 50
    while len(FeedbackStore(chat.feedback).rows()) == before and deadline:
        page.wait_for_timeout(200)
        deadline -= 1
    rows = FeedbackStore(chat.feedback).rows()[before:]
    assert [(r["verdict"], r["question"], r["answer"]) for r in rows] == [
        ("down", "华盛橡胶的品牌价值是多少?", "10.08亿元")
    ]
    assert '"citation": {"source"' in rows[0]["record"] and "@" in rows[0]["index_version"]
    page.close()


def test_screenshots_command_takes_the_four_readme_shots(open_chat, tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "roundup_qa.cli", "screenshots", "--url", open_chat.url, "--out",
               str(tmp_path), "--embed-page", str(ROOT / "examples" / "embed.html")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("chat-zh.png", "chat-dark.png", "chat-en.png", "embed.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, name


CONVERSATION = [
    ("华盛橡胶的品牌价值是多少?", None),
    ("它的产品销售到多少个国家和地区?", "华盛橡胶的产品销售到多少个国家和地区?"),
]


def test_every_door_gives_the_same_records_for_one_conversation(chat, real_qa):
    """Python, the JSON API and the Gradio endpoint (`/converse`: `/ask` keeps its three inputs),
    the same conversation: the same records."""
    import httpx
    from gradio_client import Client

    client = Client(chat.url + "/", verbose=False)
    history: list[dict] = []
    for question, read_as in CONVERSATION:
        direct = real_qa.ask(question, history=history).to_dict()
        api = httpx.post(
            chat.url + "/api/ask", json={"question": question, "history": history}, timeout=60
        ).json()
        gradio = client.predict(
            question=question, top_k=5, district="", history=history, api_name="/converse"
        )
        assert api == direct and gradio == direct
        assert direct["read_as"] == read_as
        history.append({"question": question, "item": direct["citation"]["item"]})
    bad = httpx.post(
        chat.url + "/api/ask", json={"question": "它呢?", "history": [{"question": 1}]}, timeout=60
    )
    assert bad.status_code == 422 and bad.json()["field"].startswith("history")


def test_chat_shows_a_list_an_overview_and_a_follow_up_read_as(chat, browser, shots):
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(chat.url + "/")
    chat_box = page.locator("#chat")
    bots = chat_box.locator('[data-testid="bot"]')

    _ask(page, "哪些县区开展了党史学习教育?")  # a list: one line per answering item, each with its chip
    chat_box.get_by_text("3个条目给出了答案", exact=False).wait_for(timeout=30000)
    reply = bots.first.inner_text()
    for item, district in ((24, "广饶县"), (1, "东营区"), (17, "垦利区")):
        assert f"#{item} · {district}" in reply
    assert bots.first.locator("li").count() == 3
    page.screenshot(path=str(shots / "chat-list.png"), full_page=True)

    _ask(page, "What happened in Kenli District in May?")  # an overview: titles with chips
    chat_box.get_by_text("8 items:", exact=False).wait_for(timeout=30000)
    overview = bots.last.inner_text()
    assert "#16 · Kenli District" in overview and "#23 · Kenli District" in overview and "gloss:" in overview

    _ask(page, "华盛橡胶的品牌价值是多少?")
    chat_box.get_by_text("#31 · 广饶县", exact=False).wait_for(timeout=30000)
    _ask(page, "它的产品销售到多少个国家和地区?")  # a follow-up, read against the last turn
    chat_box.locator(".read-as").first.wait_for(timeout=30000)
    assert "理解为: 华盛橡胶的产品销售到多少个国家和地区?" in chat_box.locator(".read-as").first.inner_text()
    chat_box.locator("strong", has_text="160多个").first.wait_for(timeout=30000)
    page.screenshot(path=str(shots / "chat-follow-up.png"), full_page=True)
    page.close()


def test_each_example_chip_gives_its_checked_answer(chat, browser, real_qa):
    for example in real_qa.index.manifest.chat.examples:
        page = browser.new_page()
        page.goto(chat.url + "/")
        page.get_by_text(example, exact=True).first.click()
        bot = page.locator("#chat").locator('[data-testid="bot"]').first
        bot.wait_for(timeout=30000)
        expected = real_qa.ask(example)
        shown = bot.inner_text()
        if expected.kind == "span":
            assert expected.answer in shown and f"#{expected.citation.item} · " in shown, example
        else:
            assert all(f"#{p.citation.item} · " in shown for p in expected.parts), example
        page.close()
