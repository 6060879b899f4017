"""The HTTP JSON API, called as an integrator would: the real server (uvicorn), plain HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from roundup_qa.api import MAX_BODY_BYTES
from roundup_qa.web import start

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(real_qa):
    server = start(real_qa)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client
    server.stop()


def test_ask_returns_the_record_of_the_cli(api, real_qa):
    for question, top_k in (
        ("利津县老旧小区改造项目获批中央预算内投资多少?", 3),
        ("What is the brand value of Huasheng Rubber?", 5),
    ):
        r = api.post("/api/ask", json={"question": question, "top_k": top_k})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.json() == real_qa.ask(question, top_k=top_k).to_dict()
    r = api.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"})
    assert r.json()["answer"] == "10.08亿元" and len(r.json()["passages"]) == 5  # top_k defaults to 5


def test_district_by_chinese_or_english_name(api):
    q = "What was signed?"
    zh = api.post("/api/ask", json={"question": q, "district": "河口区"}).json()
    en = api.post("/api/ask", json={"question": q, "district": "Hekou District"}).json()
    assert zh == en and {p["district"] for p in zh["passages"]} == {"河口区"}


@pytest.mark.parametrize(
    "body, status, field, words",
    [
        ({"top_k": 3}, 422, "question", "is required"),
        ({"question": 5}, 422, "question", "string"),
        ({"question": "河口区签了什么?", "top_k": 0}, 422, "top_k", "greater than or equal to 1"),
        ({"question": "河口区签了什么?", "top_k": 100000}, 422, "top_k", "less than or equal to 50"),
        ({"question": "河口区签了什么?", "top_k": "5"}, 422, "top_k", "integer"),
        (
            {"question": "河口区签了什么?", "district": "火星区"},
            422,
            "district",
            "unknown district '火星区'; known: 东营区",
        ),
        ({"question": "河口区签了什么?", "x": 1}, 422, "x", "unknown field"),
        ({"question": "啊" * 501}, 413, "question", "501 characters; the limit is 500"),
    ],
)
def test_bad_requests_get_json_naming_the_field(api, body, status, field, words):
    r = api.post("/api/ask", json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and words in r.json()["error"], r.json()
    assert "Traceback" not in r.text


def test_not_json_and_oversized_bodies_are_refused_before_answering(api):
    r = api.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]
    r = api.post(
        "/api/ask", content=json.dumps(["a question?"]), headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "JSON object" in r.json()["error"]
    big = json.dumps({"question": "x" * (MAX_BODY_BYTES + 10)})
    r = api.post("/api/ask", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit is 65536" in r.json()["error"]
    # and the server goes on answering
    assert (
        api.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"}).json()["answer"] == "10.08亿元"
    )


def test_items_and_one_item(api, real_qa):
    items = api.get("/api/items").json()
    assert len(items) == len(real_qa.index.items) == 52
    assert items[9] == {
        "number": 10, "source": "dongying-2021-05-roundup.txt", "title": real_qa.index.items[9].title,
        "district": "河口区", "district_en": "Hekou District",
    }  # fmt: skip
    one = api.get("/api/items/10").json()
    assert one["text"] == real_qa.index.items[9].text and one["district_en"] == "Hekou District"
    missing = api.get("/api/items/99")
    assert missing.status_code == 404 and missing.json()["field"] == "number"
    bad = api.get("/api/items/ten")
    assert bad.status_code == 422 and bad.json()["field"] == "number"


def test_health_and_openapi(api, real_qa):
    h = api.get("/api/health").json()
    assert h["ready"] is True and h["items"] == 52
    assert h["corpus_sha256"] == real_qa.index.manifest.corpus.sha256 and h["model"] == real_qa.config.model
    assert h["backend"] == "files" and h["index_version"].startswith(
        real_qa.index.manifest.corpus.sha256[:12] + "@"
    )
    schema = api.get("/api/openapi.json").json()
    assert {"/api/ask", "/api/items", "/api/items/{number}", "/api/health"} <= set(schema["paths"])
    page = api.get("/api/docs")
    assert page.status_code == 200 and "/api/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()  # served from the package: works offline
    assert api.get("/api/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_metrics_count_questions_refusals_and_errors(api):
    before = api.get("/metrics").text
    api.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"})
    api.post("/api/ask", json={"question": "asdkjh qwpoeiru zxmcnv"})
    api.post("/api/ask", json={"question": "河口区签了什么?", "top_k": 0})
    after = api.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")

    def value(text: str, name: str) -> float:
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))

    for name, more in (
        ('roundup_qa_questions_total{lang="zh",outcome="answered"}', 1),
        ('roundup_qa_questions_total{lang="en",outcome="refused"}', 1),
        ('roundup_qa_api_errors_total{status="422"}', 1),
        ('roundup_qa_ask_seconds_count{stage="total"}', 2),
        ('roundup_qa_ask_seconds_count{stage="span"}', 2),  # each stage of each question
    ):
        assert value(after.text, name) - value(before, name) == more, name
    assert "roundup_qa_queue_depth 0.0" in after.text


def test_overload_gets_503_at_once_and_the_server_recovers(real_qa):
    """200 clients at once against a queue of 8: every one gets 200 or 503 (with Retry-After),
    none times out, and the server answers normally afterwards."""
    import asyncio

    from roundup_qa.api import ServingLimits

    server = start(real_qa, limits=ServingLimits(threads=1, queue=8, deadline_s=30))
    try:

        async def storm() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
                return await asyncio.gather(
                    *(
                        client.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"})
                        for _ in range(200)
                    )
                )

        responses = asyncio.run(storm())
        codes = [r.status_code for r in responses]
        assert set(codes) <= {200, 503} and codes.count(503) > 0 and codes.count(200) >= 8, codes
        busy = next(r for r in responses if r.status_code == 503)
        assert busy.headers["Retry-After"] == "1" and busy.json()["error"].startswith("busy")
        assert all(r.json()["answer"] == "10.08亿元" for r in responses if r.status_code == 200)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert (
                client.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"}).json()["answer"]
                == "10.08亿元"
            )
            assert "roundup_qa_queue_depth 0.0" in client.get("/metrics").text
    finally:
        server.stop()


def test_two_worker_processes_answer_on_one_port(real_qa, tmp_path):
    """`roundup-qa serve --workers 2`: the index is checked once, then two processes answer."""
    import socket
    import subprocess
    import sys
    import time

    from roundup_qa.store import save_index

    from .conftest import CORPUS, ROOT

    index = tmp_path / "index"
    save_index(real_qa.index, index)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "roundup_qa.cli", "serve", "--workers", "2", "--port", str(port),
         "--index", str(index), "--corpus", str(CORPUS)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                assert proc.poll() is None, proc.stderr.read()
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            answers = {
                client.post("/api/ask", json={"question": "华盛橡胶的品牌价值是多少?"}).json()["answer"]
                for _ in range(6)
            }
            assert answers == {"10.08亿元"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
