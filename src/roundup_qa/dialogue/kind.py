"""What kind of answer a question asks for: one span (the default), a list across items, or
items to browse.

- `items`: browsing, not a question about a fact: the roundup's headline question ("东营各县区
  五月有哪些亮点?"), a district or topic with "news / highlights / what happened / tell me
  about", or a bare name ("垦利区", "万达集团", "Kenli District"). Read from the words alone.
- `list`: "哪些 …" / "which companies …": a question that may be answered by several items.
  Whether it is is decided by reading (pipeline: the best item answered as a single answer,
  the further ones of the first `Config.list_depth` taken by a fitted score, lists.py); one
  answering item keeps the single answer. A
  topic offering alternatives (文化节或艺术节) is read once with each as well (`alternatives`).
  A list asking for companies or universities keeps, of a span naming partners of several
  kinds, the names of the kind asked for (`heads`, `headed_run`).
- `span`: everything else, answered as before.

The rules are measured by `roundup-qa eval --kinds eval/kinds.jsonl` (kind accuracy), and
on every single-answer set, where no question may change kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from ..chinese import ASKS_EN as _ASKS_EN
from ..chinese import ASKS_ZH as _ASKS_ZH
from ..chinese import CJK

# browsing words: what a reader of a roundup asks for when not after one fact
_BROWSE_ZH = re.compile(
    r"(有(哪些|什么|啥)|都有(哪些|什么))(亮点|新闻|动态|消息|报道|要闻|大事|事情?|新鲜事|看点|活动|动静)"
    r"|(的)?(亮点|新闻|动态|要闻|消息|报道|大事记?)(有哪些|是什么|都有什么|有吗|吗)?"
    r"|发生了(什么|哪些)(事情?)?|(干|做)了(些)?(什么|哪些|啥)(事情?|工作)?|有什么(新闻|事情?|动态)"
    r"|(简单)?介绍(一下|下)?|(想|要)?了解(一下)?|讲讲|说说|看看|(讲|说|聊|谈)一(讲|说|聊|谈)|聊聊|谈谈|概况|概览"
    r"|(都)?在忙(些)?(什么|啥)|列出|列举|(有)?哪些(关于|有关)"
    r"|(最近|近来|近期)?(怎么样|咋样)(了)?[?？]?$"
)
_BROWSE_EN_LEADS = (  # each at the start of the question, after "can you" or "please"
    r"what(\s+(happened|was\s+new|is\s+new|is\s+happening|is\s+going\s+on|news)"
    r"|\s*['’]s\s+(new|happening|going\s+on|the\s+(latest|news))|(\s*['’]s|\s+has)\s+been\s+(happening|going\s+on))",
    r"what\s+do\s+you\s+(have|know)\s+(on|about)",
    r"tell\s+me\s+(more\s+)?about",
    r"((is|are)\s+there\s+)?(any\s+)?(news|stories|items|articles|reports|anything|headlines|updates?)(\s+new)?"
    r"\s+(from|about|of|in|on|at|for|mentioning|regarding|concerning)",
    r"(which|what)\s+(items?|stories|articles|reports|news)\s+(mentions?|are\s+about|talks?\s+about|covers?|about|on)",
    r"(show|summari[sz]e|brief|update)(\s+me)?(\s+(on|about|with))?",
    r"(fill|catch)\s+me\s+(in|up)(\s+(on|about|with))?",
    r"i(['’]d|\s+would)\s+like\s+to\s+(read|know|hear|learn|see)(\s+more)?\s+about",
    r"i\s+want\s+to\s+(read|know|hear|learn|see)(\s+more)?\s+about",
    r"(the\s+)?latest(\s+news)?\s+(from|about|on|in)",
    r"(give\s+me\s+)?(an?\s+)?overview\s+of",
    r"(what\s+(were|are)\s+)?(the\s+)?highlights",
    r"browse",
    r"list(\s+all)?",
)
_BROWSE_EN = re.compile(
    r"^\s*((can|could|would)\s+you\s+(please\s+)?|please\s+)?(" + "|".join(_BROWSE_EN_LEADS) + r")\b"
    r"|\bbeen\s+(up\s+to|doing)\b",  # what has Hekou been up to?
    re.I,
)
# the roundup itself: "东营各县区", "全市", "the districts and counties", "Dongying"
_WHOLE_ZH = re.compile(r"东营(市)?|各县区|各区县|各县市区|全市|各地|县区|区县")
_WHOLE_EN = re.compile(
    r"\b(dongying|districts?\s+and\s+counties|all\s+districts|the\s+districts|the\s+roundup)\b", re.I
)
# time and filler words a browsing question may carry
_FILLER_ZH = re.compile(
    r"(2021年)?(五月份?|5月份?|本月|这个月|今年|近期|最近)|请问|一下|给我|跟我|帮我|(我)?(想|要)看|我想|我要|有没有"
    r"|关于|有关|相关|提到|涉及|那边|这边|那里|方面|(的)?(情况|近况)|所有|全部|我|的|了|在|和|与|跟|同|都|有|啊|呢|吧|请"
)
_FILLER_EN = re.compile(
    r"\b(in|of|from|about|for|at|the|a|an|and|may|2021|this|month|last|recent(ly)?|me|please|happened|were|was|"
    r"are|is|what|news|highlights?|tell|overview|give|show|browse|new|'s|any|anything|there|on|items?|stories|"
    r"articles|reports|mentions?|happening|going|more|regarding|concerning|headlines|updates?|do|you|have|know|"
    r"latest|has|everything|all|list|events|held|took|place)\b",
    re.I,
)
_PUNCT = re.compile(r"[\s?？。!！,，.、:：;；\"'“”‘’()（）]+")
# a list across items: 哪些 / 哪几 (not "有哪些亮点": browsing), "which companies …"
_LIST_ZH = re.compile(
    r"(哪些|哪几(个|家|项|所|位)?)(县区|区县|县|区|企业或单位|企业|公司|单位|项目|机构|高校|大学|学校|地方|镇街|镇|街道|部门|人)?"
)
_LIST_EN = re.compile(
    r"^\s*(which|what)\s+(\w+\s+)?(districts|counties|companies|enterprises|firms|projects|units|organi[sz]ations|"
    r"institutions|institutes|universities|colleges|schools|towns|places|events|festivals|groups)\b",
    re.I,
)

_LEAD_EN = re.compile(r"((on|in)\s+[^,?]{2,30},\s*)?", re.I)  # a time or place said first

_OR = frozenset({"或", "或者", "或是"})
_MORE = re.compile(r"\s*(和|及|或|、|and\b|or\b)", re.I)  # not 与: 哪些企业与高校共建 asks for companies
# what the names of the things a list asks for end in: a company's 公司 or 集团, a university's
# 大学 or 学院 (a span naming partners of several kinds keeps those asked for)
_HEADS = (
    (re.compile(r"(企业|公司)$|\b(companies|enterprises|firms)\b", re.I), ("公司", "集团", "企业")),
    (re.compile(r"(高校|大学)$|\b(universities|colleges)\b", re.I), ("大学", "学院")),
)
_DISTRICTS = re.compile(r"(县区|区县|县|区)$|\b(districts|counties)\b", re.I)


@dataclass(frozen=True)
class Kind:
    """How a question is read: `kind` ("span", "list", "items"), `why` in words; for items,
    the district browsed (its Chinese name), the topic left once the browsing words are
    taken out, and `everything` for the roundup's headline question."""

    kind: str
    why: str = ""
    district: str | None = None
    topic: str = ""
    everything: bool = False
    asked: str = ""  # list: the words asking which ones ("哪些县区", "Which companies")
    heads: tuple[str, ...] = ()  # list: how the names asked for end (公司, 集团 for 哪些企业)
    # list: the day it names, as the roundup writes it (5月13日哪些县区签订了协议?): only an item
    # giving that date answers; `whole_day` when the day is its whole topic ("which districts
    # had news / events on a day": 5月20日哪些县区有活动?), answered by every item of that day
    day: str = ""
    whole_day: bool = False

    @property
    def date(self) -> str:
        """The day that is the list's whole topic, or ""."""
        return self.day if self.whole_day else ""

    @property
    def asks_district(self) -> bool:
        """A list asking which districts or counties: each item answers with its district."""
        return bool(_DISTRICTS.search(self.asked))

    def alternatives(self, words: list[str]) -> list[str]:
        """A list question whose topic offers two alternatives ("举办了文化节或艺术节"), once with
        each ("…举办了文化节", "…举办了艺术节"): an item answering either answers the list, and
        the reader, asked both at once, finds neither (龙文化旅游节: −2.0 for the pair, +0.6 for
        文化节). `words`: the question cut into words; none when it offers no alternative, or
        only in the words asking which ones (哪些企业或单位)."""
        for i in range(1, len(words) - 1):
            before, after = words[i - 1], words[i + 1]
            if words[i] not in _OR or len(before) < 2 or len(after) < 2:
                continue
            if not (CJK.search(before) and CJK.search(after)) or f"{before}{words[i]}{after}" in self.asked:
                continue
            return ["".join(words[:i] + words[i + 2 :]), "".join(words[: i - 1] + words[i + 1 :])]
        return []

    def topic_of(self, text: str) -> str:
        """A list question without the words asking which ones: what an item must be about
        (the refusal rules read it, so 县区 or "companies", which no item says, count for nothing)."""
        return text.replace(self.asked, " ", 1).strip() if self.asked else text


SPAN = Kind("span")

TALK = "not a question about the roundup"  # how the refusal of small talk begins
THANKS = "thanks or goodbye"  # the small talk that needs no word on what to ask
# what is said to the chat, not asked of the roundup: the whole message, punctuation aside
_SMALL_TALK = (
    ("a greeting", re.compile(
        r"(hi|hello|hey|hiya|greetings|good\s+(morning|afternoon|evening))(\s+there)?"
        r"|(你好|您好|嗨|哈喽|早上好|下午好|晚上好|在吗|在不在)(啊|呀)?", re.I)),
    (THANKS, re.compile(
        r"(thanks|thank\s+you|thx|cheers|ok|okay|got\s+it|great|cool|nice|bye|goodbye|see\s+you)"
        r"(\s+(very|so)\s+much|\s+a\s+lot)?"
        r"|(谢谢|多谢|感谢|好的|好|嗯|知道了|明白了|再见|拜拜)(你|您|啦|了)?", re.I)),
    ("a question about this assistant", re.compile(
        r"(help|what\s+can\s+you\s+do|what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you"
        r"|are\s+you\s+an?\s+(bot|robot|human|person|ai)|how\s+do(es)?\s+(i\s+use\s+)?(this|it|you)\s+work"
        r"|how\s+do\s+i\s+use\s+(this|it|you)|what\s+(can|should)\s+i\s+ask(\s+you)?|what\s+do\s+you\s+know)"
        r"|(帮助|你是谁|你是什么|你(能|会|可以)(做|干)?(些)?什么|怎么用|如何使用|(我)?(能|可以)问(些)?什么)(呢|啊|呀)?",
        re.I)),
)  # fmt: skip
_TALK_PUNCT = re.compile(r"[\s?？。!！,，.~～]+")


def small_talk(text: str) -> str | None:
    """The refusal reason of a message that says something to the chat instead of asking the
    roundup (a greeting, thanks, a question about the assistant itself), or None: "What can
    you do?" once got a span."""
    said = _TALK_PUNCT.sub(" ", text).strip()
    return next((f"{TALK}: {what}" for what, said_so in _SMALL_TALK if said_so.fullmatch(said)), None)


def read_kind(text: str, lang: str, district_names: dict[str, str], is_name) -> Kind:
    """The kind of `text`. `district_names` maps every name a district goes by (Chinese, and
    English in lower case) to its Chinese name; `is_name(words, cued)` says whether `words` name
    something the roundup mentions (a bare name is browsed, other bare words are a question)."""
    browse = _browse(text, lang, district_names, is_name)
    if browse is not None:
        return browse
    lead = _LEAD_EN.match(text).end() if lang == "en" else 0  # "On May 15, which districts …"
    m = (_LIST_EN if lang == "en" else _LIST_ZH).search(text[lead:])
    if m:
        # 哪些高校和研究机构: the names of more than one kind are asked for
        more = _MORE.match(text, lead + m.end())
        heads = () if more else next((ends for asks, ends in _HEADS if asks.search(m.group(0))), ())
        day, alone = _day(text.replace(m.group(0), " ", 1), en=lang == "en")
        if alone and _DISTRICTS.search(m.group(0)):
            return Kind("list", f"asks {m.group(0).strip()} on {day}: every item of that day",
                        asked=m.group(0), day=day, whole_day=True)  # fmt: skip
        return Kind(
            "list",
            f"asks {m.group(0).strip()}: every item that answers",
            asked=m.group(0),
            heads=heads,
            day=day,
        )
    return SPAN


# an English date, browsed as the roundup writes it: "May 20" -> 5月20日
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december")  # fmt: skip
_DATE_EN = re.compile(r"\b(" + "|".join(_MONTHS_EN) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_DATE_ZH = re.compile(r"(?:2021年)?(\d{1,2})月(\d{1,2})日")
# what is left of a list question asking about a day and nothing more: there was news
_ANYTHING_ZH = re.compile(
    r"有|举办了?|举行了?|开展了?|发生了?|进行了?|发布了?|活动|新闻|消息|动态|大事|事情?|什么|哪些|的|了|在|都|当天|那天|这天"
)
_ANYTHING_EN = re.compile(
    r"\b(had|have|has|held|hold|hosted|host|saw|see|were|was|there|any|events?|news|activities|activity"
    r"|happenings?|things?|something|anything|happened|happen|going|on|in|at|the|a|of|did|do|what)\b",
    re.I,
)


def _day(rest: str, en: bool) -> tuple[str, bool]:
    """The day (5月20日) a list question names ("" for none), and whether the rest of its words
    ask for no more than that something happened ("… had events on May 20?", 5月20日…有活动?)."""
    m = (_DATE_EN if en else _DATE_ZH).search(rest)
    if not m:
        return "", False
    left = (_ANYTHING_EN if en else _ANYTHING_ZH).sub(" ", rest[: m.start()] + " " + rest[m.end() :])
    return _as_written(m, en), not _PUNCT.sub("", left)


def _as_written(m: re.Match, en: bool) -> str:
    """A matched date as the roundup writes it: "May 20" (`_DATE_EN`) or 5月20日 -> 5月20日."""
    month = _MONTHS_EN.index(m.group(1).lower()) + 1 if en else int(m.group(1))
    return f"{month}月{int(m.group(2))}日"


def _browse(text: str, lang: str, district_names: dict[str, str], is_name) -> Kind | None:
    en = lang == "en"
    cue = (_BROWSE_EN if en else _BROWSE_ZH).search(text)
    rest = re.sub(r"'s\b", "", (_BROWSE_EN if en else _BROWSE_ZH).sub(" ", text))
    if en:
        rest = _DATE_EN.sub(lambda m: f" {_as_written(m, en=True)} ", rest)
    if not cue and (_ASKS_EN if en else _ASKS_ZH).search(text):
        return None  # a question about a fact
    if cue and en and _LIST_EN.search(text):
        return None
    district, rest = _district(rest, district_names, en)
    whole = bool((_WHOLE_EN if en else _WHOLE_ZH).search(rest))
    rest = (_WHOLE_EN if en else _WHOLE_ZH).sub(" ", rest)
    if en:  # filler words off its ends only: "Shaanxi University of Science and Technology" stays whole
        words = _PUNCT.sub(" ", rest).split()
        while words and _FILLER_EN.fullmatch(words[0]):
            words.pop(0)
        while words and _FILLER_EN.fullmatch(words[-1]):
            words.pop()
        topic = " ".join(words)
    else:
        topic = _PUNCT.sub("", _FILLER_ZH.sub(" ", rest))
    if cue and (_ASKS_EN if en else _ASKS_ZH).search(topic):
        return None  # a question beside the browsing words: 脱贫攻坚新闻发布会是哪天举行的?
    if cue and not topic and district is None:  # "东营各县区五月有哪些亮点?", "What happened in May?"
        why = "the roundup's" if whole else "all"
        return Kind("items", f"asks for {why} highlights: every item, by district", everything=True)
    if cue and district is not None and not topic:
        return Kind("items", f"asks what happened in {district}: its items", district=district)
    if cue and topic and is_name(topic, cued=True):
        return Kind("items", f"asks about {topic}: the items that mention it", district=district, topic=topic)
    if not cue:
        # a bare name: a district, or a name the roundup mentions, and nothing else
        bare = _PUNCT.sub(" ", text).strip()
        if district is not None and not topic:
            return Kind("items", f"names {district} alone: its items", district=district)
        if bare and len(bare) <= (40 if en else 12) and (en or CJK.search(bare)) and is_name(bare):
            return Kind("items", f"names {bare} alone: the items that mention it", topic=bare)
    return None


def _district(text: str, district_names: dict[str, str], en: bool) -> tuple[str | None, str]:
    """The district a question names (its Chinese name) and the text without it."""
    if en:  # and a district's English name without "District" or "County" that no other name holds
        longer = [n for n in district_names if not CJK.search(n)]
        shorts = {
            short: district_names[n]
            for n in longer
            if (short := re.sub(r"\s+(district|county)$", "", n)) != n
            and not any(re.search(r"\b" + re.escape(short) + r"\b", o) for o in longer if o != n)
        }
        district_names = district_names | shorts
    for name in sorted(district_names, key=len, reverse=True):
        if en:
            m = re.search(r"\b" + re.escape(name) + r"\b", text, re.I)
            if m:
                return district_names[name], text[: m.start()] + " " + text[m.end() :]
        elif CJK.search(name) and name in text:
            return district_names[name], text.replace(name, " ", 1)
    return None, text


_PARTNERS = re.compile(r"[、与及和]")
_CLAUSE = re.compile(r"[,，。;；:：!！?？\n]")
_COUNTED_ALL = re.compile(r"等|[\d两二三四五六七八九十]+[家所个]")


def headed_run(text: str, start: int, end: int, heads: tuple[str, ...]) -> tuple[int, int] | None:
    """The names in text[start:end] ending in one of `heads`, when the span names partners of
    several kinds ("万达集团与天津工业大学、山东工商学院" asked which companies: 万达集团) and
    those asked for stand together; None to keep the span (all or none of its names are)."""
    cuts = [start, *(m.start() for m in _PARTNERS.finditer(text, start, end)), end]
    names = [(a + (a > start), b) for a, b in pairwise(cuts)]
    if _COUNTED_ALL.search(text, names[-1][0], end):  # 恒盛、惠泽2家公司: the count names them all
        return None
    if _CLAUSE.search(text, start, end):  # names, not a clause
        return None
    headed = [i for i, (a, b) in enumerate(names) if text[a:b].endswith(heads)]
    if not headed or len(headed) == len(names) or headed != list(range(headed[0], headed[-1] + 1)):
        return None
    return names[headed[0]][0], names[headed[-1]][1]
