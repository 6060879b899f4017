"""What the chat shows, as Markdown made from answer records: replies with their citation
chips, the evidence folded under each answer, the welcome text and the items list.

Everything shown from the user or the corpus goes through `text()`: HTML escaped and
Markdown marks escaped, so a question or a corpus line cannot inject markup or script.
An English asker reads district names in English everywhere, and titles and answers with
an English rendering or a gloss labelled "gloss:" (reader/gloss.py), never passed off as a
translation.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .dialogue.kind import TALK, THANKS
from .records import Answer, Passage

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")
LABELS = {
    "zh": {"none": "综述中没有找到答案。", "closest": "最接近的条目:", "searched": "检索词", "why": "依据",
           "read_as": "理解为", "list": "{n}个条目给出了答案:", "items": "{n}个条目:",
           "talk": "我回答关于这份综述的问题:答案原文摘自新闻,并注明出自哪一条。可以问一件事,问哪些条目说到某事,"
                   "也可以输入一个县区或话题来浏览相关条目。输入框下方有示例。",
           "thanks": "不客气。还可以继续问综述里的内容。"},
    "en": {"none": "The roundup does not say.", "closest": "Closest items:", "searched": "searched for", "why": "why",
           "read_as": "read as", "list": "{n} items answer:", "items": "{n} items:",
           "talk": "I answer questions about this roundup, quoting the news word for word and citing the item "
                   "it comes from. Ask about one fact, ask which items say something, or name a district or a "
                   "topic to browse its items. The examples below the box show how.",
           "thanks": "You're welcome: ask anything else about the roundup."},
}  # fmt: skip

# the refusal reasons and notes of the pipeline (English in the record), for a Chinese reader
_REASONS_ZH = [
    (r"the question is one character: too short to read", "问题只有一个字,无法理解"),
    (r"the question leans on an earlier turn \((.+): of what\?\), and none says: ask it whole",
     r"问题承接上一轮对话(\1),但没有上一轮可承接:请把问题问完整"),
    (r"not a question about the roundup: a greeting", "不是关于综述的问题:问候"),
    (r"not a question about the roundup: thanks or goodbye", "不是关于综述的问题:致谢或告别"),
    (r"not a question about the roundup: a question about this assistant", "不是关于综述的问题:问的是本助手"),
    (r"no word of the question occurs in the roundup", "问题中的词在综述里都没有出现"),
    (r"no item of the roundup shares a word with the question", "综述中没有条目与问题有共同的词"),
    (r"the question names a month the roundup does not cover", "问题提到的月份不在综述范围内"),
    (r"the question names (.+), which the best item does not mention", r"最相关的条目没有提到\1"),
    (r"the question asks about (?:a quarter|half a year) \((\S+)\); the best item speaks of none",
     r"问题问的是\1,最相关的条目没有提到\1"),
    (r"the question asks about (.+); the best item speaks of (.+)", r"问题问的是\1,最相关的条目说的是\2"),
    (r"the best item holds no answer of the kind the question asks for", "最相关的条目中没有所问类型的答案"),
    (r"the question counts (.+), which the best item does not mention", r"最相关的条目没有提到问题所数的\1"),
    (r"the question asks for an amount of (.+), which the best item does not mention", r"最相关的条目没有提到问题所问的\1"),
    (r"the reader's span only repeats the question", "阅读模型找到的只是问题本身的词"),
    (r"the question asks for a number; the reader's span holds none and it prefers no answer",
     "问题问的是数字,阅读模型找到的片段中没有数字,且它倾向于没有答案"),
    (r"the question asks who; the reader's span names no one and it prefers no answer",
     "问题问的是谁(哪个单位),阅读模型找到的片段不是名称,且它倾向于没有答案"),
    (r"the best item covers too little of the question \(missing: (.*)\)", r"最相关的条目与问题重合太少(缺少:\1)"),
    (r"the reader finds no answer in the best item.*", "阅读模型在最相关的条目中找不到答案"),
    (r"the question is (\d+) characters; the limit is (\d+)", r"问题有\1个字,上限是\2个字"),
    (r"busy: .*", "服务繁忙,请稍后再试"),
    (r"unknown district (.+); known: (.*)", r"没有这个县区:\1;可选:\2"),
    (r"only (.+) was searched; the rest of the roundup does not say either", r"只检索了\1;综述的其他部分也没有答案"),
    (r"only (.+) was searched; outside it, item #(\d+) in (.+) answers: (.*)", r"只检索了\1;在此之外,第\2条(\3)给出答案:\4"),
]  # fmt: skip


def text(s: str) -> str:
    """User or corpus text made inert: HTML escaped, then Markdown marks escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


@dataclass(frozen=True)
class Display:
    """What the chat shows beyond a record: the districts' English names, and glosses of titles."""

    districts_en: Mapping[str, str] = field(default_factory=dict)
    gloss: Callable[[str], str | None] = lambda _: None

    @classmethod
    def of(cls, qa) -> Display:
        return cls(qa.index.manifest.places.districts_en, qa.gloss)

    def district(self, name: str, lang: str) -> str:
        return (self.districts_en.get(name) if lang == "en" else None) or name or "–"


def in_language(sentence: str, lang: str) -> str:
    """A refusal reason or note of the pipeline in the asker's language."""
    if lang == "zh":
        for pattern, chinese in _REASONS_ZH:
            if re.fullmatch(pattern, sentence):
                return re.sub(pattern, chinese, sentence)
    return sentence


def not_asked_markdown(message: str, lang: str) -> str:
    """The reply to a question that was not asked (over a limit, or the server busy), in the asker's language."""
    if lang == "zh":
        return f"**无法提问:** {text(in_language(message, 'zh'))}"
    return f"**Not asked:** {text(message)}"


_SCORE = re.compile(r"(scoring) ([+-]\d+(?:\.\d+)?) over no answer \(p=[0-9.]+\)")


def plain_explanation(explanation: str, lang: str) -> str:
    """How the answer was chosen, with the reader's score in words (the number stays in the JSON)."""
    if lang == "zh":
        found = _SCORE.search(explanation)
        sure = "" if not found else f"(把握{_sureness(float(found.group(2)), 'zh')})"
        return f"阅读模型从最相关的条目中原文摘取了这段答案{sure}"
    return _SCORE.sub(lambda m: f"(the reader is {_sureness(float(m.group(2)), 'en')})", explanation)


def _sureness(margin: float, lang: str) -> str:
    """The reader's margin over "no answer" in words: +8 and up it overrules the rules, below 0 it prefers no answer."""
    words = {"en": ("sure", "fairly sure", "unsure"), "zh": ("较大", "一般", "较小")}[lang]
    return words[0] if margin >= 8 else words[1] if margin >= 0 else words[2]


def chip(item: int, district: str, title: str, title_gloss: str | None = None) -> str:
    """A citation chip: `#31 · Guangrao County · 标题`, with the title's gloss for English askers."""
    shown = f"#{item} · {text(district)} · {text(title)}"
    if title_gloss:
        shown += f" · <em>gloss: {text(title_gloss)}</em>"
    return f'<span class="chip">{shown}</span>'


def passage_chip(p: Passage, lang: str, display: Display) -> str:
    return chip(
        p.item, display.district(p.district, lang), p.title, display.gloss(p.title) if lang == "en" else None
    )


def reply_markdown(answer: Answer, display: Display | None = None) -> str:
    """The chat reply: the answer in bold (with its English rendering or gloss for English
    questions), ending with its citation chip; a refusal says why and lists the closest items."""
    display = display or Display()
    lang = "en" if answer.lang == "en" else "zh"
    labels = LABELS[lang]
    read_as = (
        f'<small class="read-as">{labels["read_as"]}: {text(answer.read_as)}</small>\n\n'
        if answer.read_as
        else ""
    )
    if answer.kind in ("list", "items"):
        return read_as + _parts_markdown(answer, display, lang)
    return read_as + _one_markdown(answer, display, lang)


def _parts_markdown(answer: Answer, display: Display, lang: str) -> str:
    """A list (one line per part: its span, then its chip) or items to browse (a chip per
    item, grouped under its district when the roundup is browsed whole)."""
    labels = LABELS[lang]
    lines = [labels[answer.kind].format(n=len(answer.parts))]
    district = None
    for p in answer.parts:
        c = p.citation
        name = (p.district_en if lang == "en" else None) or display.district(c.district, lang)
        if answer.kind == "items" and len(answer.parts) > 12 and c.district != district:
            district = c.district
            lines.append(f"\n**{text(name)}**\n")
        shown = ""
        if p.answer is not None:
            shown = f"**{text(p.answer)}**"
            if lang == "en" and p.answer_en:
                shown += f" ({text(p.answer_en)})"
            elif lang == "en" and p.answer_gloss:
                shown += f" (*gloss: {text(p.answer_gloss)}*)"
            shown += " "
        lines.append(f"- {shown}{chip(c.item, name, c.title, p.title_gloss)}")
    return "\n".join(lines)


def _one_markdown(answer: Answer, display: Display, lang: str) -> str:
    labels = LABELS[lang]
    if answer.answer is None and (answer.reason or "").startswith(TALK):
        return labels["thanks" if answer.reason.endswith(THANKS) else "talk"]
    if answer.answer is None:
        msg = labels["none"]
        if answer.reason and answer.reason != "empty question":
            msg += f" ({text(in_language(answer.reason, lang))})"
        closest = [passage_chip(p, lang, display) for p in answer.passages[:3]]
        if closest:
            msg += f"\n\n{labels['closest']} " + " ".join(closest)
        for note in answer.notes:  # e.g. only one district was searched, and what the rest says
            msg += f"\n\n*{text(in_language(note, lang))}*"
        return msg
    c = answer.citation
    shown = f"**{text(answer.answer)}**"
    if lang == "en" and answer.answer_en:
        shown += f" ({text(answer.answer_en)})"
    elif lang == "en" and answer.answer_gloss:
        shown += f" (*gloss: {text(answer.answer_gloss)}*)"
    district = (answer.district_en if lang == "en" else None) or display.district(c.district, lang)
    return f"{shown}\n\n{chip(c.item, district, c.title, answer.title_gloss)}"


def evidence_title(answer: Answer) -> dict:
    """The folded evidence block under an answer (a Gradio chat message's metadata)."""
    c = answer.citation
    cited = f" · #{c.item}" if c is not None and answer.answer is not None else ""
    return {"title": f"Evidence · 证据{cited}", "status": "done"}


def evidence_markdown(answer: Answer, display: Display | None = None) -> str:
    """The passages, whole, with the answer span marked in the cited one, and each
    passage's BM25 rank, dense rank and fused score. Items to browse have none: the reply
    lists them, and nothing was ranked."""
    if not answer.passages or answer.kind == "items":
        return ""
    display = display or Display()
    lang = "en" if answer.lang == "en" else "zh"
    labels = LABELS[lang]
    out = []
    if answer.answer is not None:
        out.append(f"*{labels['why']}: {text(plain_explanation(answer.explanation, lang))}*")
    if answer.searched_for:
        out.append(f"*{labels['searched']}: {text(' '.join(answer.searched_for))}*")
    c = answer.citation
    for p in answer.passages:
        body = p.text
        if c is not None and answer.answer is not None and c.item == p.item and c.source == p.source:
            shown = f"{text(body[: c.start])}<mark>{text(body[c.start : c.end])}</mark>{text(body[c.end :])}"
        else:
            shown = text(body)
        ranks = ", ".join(f"{k} {v if v is not None else '–'}" for k, v in p.ranks.items())
        head = f"**#{p.item} · {text(display.district(p.district, lang))}** · fused {p.score:.4f} ({ranks})"
        title_gloss = display.gloss(p.title) if lang == "en" else None
        if title_gloss:
            head += f"\n\n*gloss of the title: {text(title_gloss)}*"
        out.append(f"{head}\n\n{shown}")
    return "\n\n---\n\n".join(out)


def welcome_markdown(title: str, intro: str, districts: list[str], display: Display, items: int) -> str:
    """The welcome panel: what the roundup is, its districts, how answers are found."""
    named = " · ".join(f"{text(d)} ({text(display.districts_en[d])})" if d in display.districts_en else text(d)
                       for d in districts)  # fmt: skip
    parts = [f"**{text(title)}**: {items} news items" + (f", from {named}." if named else ".")]
    if intro:
        parts.append(f"*{text(intro)}*")
    parts.append(
        "Ask in Chinese or English. Each question is matched against the items by their words (BM25) "
        "and their meaning (a multilingual embedding model); a trained reader then copies the answer, "
        "word for word, from the best item, and the reply cites that item. When no item answers, the "
        "reply says so rather than guess.\n\n"
        "用中文或英文提问。系统按词语和语义检索条目,再从最相关的条目中原文摘取答案并注明出处;"
        "没有条目能回答时,会直接说明。"
    )
    return "\n\n".join(parts)


def items_html(items, display: Display) -> str:
    """Every item, by district: its number, Chinese title and English gloss, opening to its text."""
    groups: dict[str, list] = {}
    for it in items:
        groups.setdefault(it.district or "", []).append(it)
    out = []
    for district, members in groups.items():
        english = display.districts_en.get(district)
        name = f"{district} · {english}" if english else (district or "其他 · Other")
        out.append(f"<h4>{html.escape(name)} ({len(members)})</h4>")
        for it in members:
            gloss = display.gloss(it.title)
            summary = f"#{it.number} {html.escape(it.title)}"
            if gloss:
                summary += f' <span class="gloss">gloss: {html.escape(gloss)}</span>'
            body = html.escape(it.body).replace("\n", "<br>")
            out.append(
                f'<details class="item" id="item-{it.number}"><summary>{summary}</summary><p>{body}</p></details>'
            )
    return "\n".join(out)
