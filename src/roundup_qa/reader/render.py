"""English renderings of Chinese answer spans, for display beside (never instead of) them.

5月20日 -> May 20; 2950万美元 -> US$29.5 million; 3.3亿元 -> CNY 330 million;
1.7万名 -> 17,000 people; 西山区 -> Xishan District.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from ..chinese import CJK, parse_number
from .units import DURATION, ENGLISH, MONEY, SCALED, alternation

_MONTHS = "January February March April May June July August September October November December".split()
_PART_OF_DAY = {"上午": "morning", "下午": "afternoon", "晚": "evening", "晚上": "evening"}
_DATE = re.compile(
    r"^(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?(?:至(?P<d2>\d{1,2})日)?"
    r"(?P<pod>上午|下午|晚上?)?(?P<part>初|底|中旬|上旬|下旬|份)?$"
)
_YEAR = re.compile(r"^(?P<y>\d{4})年(?P<part>底|初)?(?:[-—至](?P<y2>\d{4})年)?$")
_AMOUNT = re.compile(
    r"^(?P<approx>约)?(?P<n>\d+(?:\.\d+)?)(?P<more1>余|多)?(?P<mult>万|亿|千|百)?(?P<more2>余|多)?"
    rf"(?P<unit>{alternation(MONEY)}|{alternation(SCALED)}|[^\d]*)$"
)
_RANK = re.compile(r"^第(?P<n>\d+|[一二三四五六七八九十]+)(?:位|名)?$")


def render(span: str, answer_type: str, districts_en: Mapping[str, str] | None = None) -> str | None:
    """An English rendering of `span` (a candidate of type `answer_type`), or None if there is none."""
    districts_en = districts_en or {}
    if answer_type == "date":
        return render_date(span)
    if answer_type in ("money", "count", "quantity", "duration"):
        return render_amount(span)
    if answer_type == "percentage":
        return span if span.endswith("%") else None
    if answer_type == "rank":
        m = _RANK.match(span)
        return ordinal(parse_number(m.group("n"))) if m else None
    if districts_en:
        out = span
        for name in sorted(districts_en, key=len, reverse=True):
            out = out.replace(name, districts_en[name])
        return out if out != span and not CJK.search(out) else None
    return None


def render_date(span: str) -> str | None:
    m = _DATE.match(span)
    if m and not 1 <= int(m["m"]) <= 12:
        return None  # "13月" is no month: better no rendering than a wrong or crashing one
    if m:
        month = _MONTHS[int(m["m"]) - 1]
        part = {"初": "early ", "底": "late ", "上旬": "early ", "中旬": "mid-", "下旬": "late "}.get(
            m["part"] or "", ""
        )
        text = f"{part}{month}"
        if m["d"]:
            text += f" {int(m['d'])}" + (f"-{int(m['d2'])}" if m["d2"] else "")
        if m["y"]:
            text += f", {m['y']}" if m["d"] else f" {m['y']}"
        if m["pod"]:
            text += f" ({_PART_OF_DAY[m['pod']]})"
        return text
    m = _YEAR.match(span)
    if m:
        if m["y2"]:
            return f"{m['y']}-{m['y2']}"
        return {"底": f"end of {m['y']}", "初": f"early {m['y']}"}.get(m["part"] or "", m["y"])
    return None


def render_amount(span: str) -> str | None:
    near = span.startswith("近")  # 近千项: nearly a thousand
    if near:
        span = span[1:]
    hundreds = re.match(r"^([一两二三四五六七八九])?([千百])", span)
    if hundreds:  # 千项 -> 1000项, 三百 -> 300
        span = (
            str(parse_number(hundreds[1] or "一") * {"千": 1000, "百": 100}[hundreds[2]])
            + span[hundreds.end() :]
        )
    lead = re.match(r"^[一二两三四五六七八九十]+", span)
    if lead:  # 九天 -> 9天
        span = str(parse_number(lead.group())) + span[lead.end() :]
    m = _AMOUNT.match(span)
    if not m:
        return None
    value = Decimal(m["n"]) * {"万": 10**4, "亿": 10**8, "千": 10**3, "百": 100, None: 1}[m["mult"]]
    unit = m["unit"]
    if unit in SCALED:
        factor, unit = SCALED[unit]
        value *= factor
    over = (
        "over " if (m["more1"] or m["more2"]) else ("about " if m["approx"] else ("nearly " if near else ""))
    )
    if unit in MONEY:
        return over + MONEY[unit] + _big(value)
    if not unit and m["mult"] in ("万", "亿"):  # 投资6.7亿: an amount whose currency goes unsaid
        return over + _big(value)
    unit = unit.removesuffix("时间")  # 三年时间: three years
    if unit not in ENGLISH:
        return None
    words = ENGLISH[unit]
    if unit in DURATION and value == 1:  # 一个月: one month
        words = words.removesuffix("s")
    return f"{over}{_plain(value)} {words}".strip()


def _big(value: Decimal) -> str:
    """330000000 -> '330 million'; 29500000 -> '29.5 million'; 1008000000 -> '1.008 billion'."""
    for size, word in ((Decimal(10**9), "billion"), (Decimal(10**6), "million")):
        if value >= size:
            return f"{_trim(value / size)} {word}"
    return _plain(value)


def _plain(value: Decimal) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != value.to_integral() else f"{int(value):,}"


def _trim(value: Decimal) -> str:
    return format(value.normalize(), "f")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
