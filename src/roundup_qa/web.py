"""The web chat: a thin Gradio shell over `RoundupQA.ask`.

Building the UI starts no server and loads no model; `launch()` does both.
"""

from __future__ import annotations

import html
import os
import re

from .pipeline import RoundupQA
from .records import Answer

EXAMPLES = [
    "渤中海上风电产业基地项目和谁签约?",
    "利津县老旧小区改造项目获批中央预算内投资多少?",
    "Which companies signed the offshore wind power base project in Hekou?",
    "What is the brand value of Yellow River Estuary hairy crabs?",
]
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def text(s: str) -> str:
    """User or corpus text made inert for Markdown: HTML escaped, Markdown marks escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


def reply_markdown(answer: Answer) -> str:
    """The chat reply: the answer in bold, then its citation."""
    en = answer.lang == "en"
    if answer.answer is None:
        msg = "The roundup does not say." if en else "综述中没有找到答案。"
        closest = ", ".join(f"#{p.item} {text(p.title)}" for p in answer.passages[:3])
        if closest:
            msg += (" Closest items: " if en else " 最接近的条目:") + closest
        return msg
    c = answer.citation
    district = text((answer.district_en if en else None) or c.district or "–")
    shown = f"**{text(answer.answer)}**"
    if en and answer.answer_en:
        shown += f" ({text(answer.answer_en)})"
    return f"{shown}\n\n\\[#{c.item} · {district}\\] {text(c.title)}"


def evidence_markdown(answer: Answer) -> str:
    """The passages with the answer span marked in the cited one."""
    if not answer.passages:
        return ""
    out = []
    if answer.searched_for:
        label = "searched for" if answer.lang == "en" else "检索词"
        out.append(f"*{label}: {text(' '.join(answer.searched_for))}*")
    for p in answer.passages:
        body = p.text
        c = answer.citation
        if c is not None and answer.answer is not None and c.item == p.item and c.source == p.source:
            shown = f"{text(body[: c.start])}**{text(body[c.start : c.end])}**{text(body[c.end :])}"
        else:
            shown = text(body)
        ranks = ", ".join(f"{k} {v if v is not None else '–'}" for k, v in p.ranks.items())
        out.append(f"**#{p.item} · {text(p.district or '–')}** · score {p.score:.4f} ({ranks})\n\n{shown}")
    return "\n\n---\n\n".join(out)


def build_demo(qa: RoundupQA):
    """The Gradio Blocks app (not launched)."""
    import gradio as gr

    def respond(message: str, history: list):
        answer = qa.ask(message)
        history = list(history or []) + [
            {"role": "user", "content": text(message)},
            {"role": "assistant", "content": reply_markdown(answer)},
        ]
        return history, "", evidence_markdown(answer)

    def ask(question: str, top_k: int = 5, district: str = "") -> dict:
        """Answer a question about the roundup; returns the answer record (RoundupQA.ask().to_dict())."""
        return qa.ask(question, top_k=int(top_k), district=district or None).to_dict()

    with gr.Blocks(title="roundup-qa", analytics_enabled=False) as demo:
        gr.Markdown("## 东营县区五月亮点问答 · Dongying May 2021 roundup Q&A")
        chatbot = gr.Chatbot(label="Chat", height=420)
        box = gr.Textbox(placeholder="用中文或英文提问 · Ask in Chinese or English", show_label=False)
        gr.Examples(EXAMPLES, inputs=box)
        with gr.Accordion("Evidence · 证据", open=False):
            evidence = gr.Markdown()
        box.submit(respond, [box, chatbot], [chatbot, box, evidence], api_visibility="private")
        gr.api(ask, api_name="ask")
    return demo


def launch(qa: RoundupQA, host: str = "127.0.0.1", port: int = 7860, **kwargs):
    """Warm the model up, then serve the chat (blocking unless prevent_thread_lock=True)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    qa.warm_up()
    demo = build_demo(qa)
    demo.launch(server_name=host, server_port=port, **kwargs)
    return demo
