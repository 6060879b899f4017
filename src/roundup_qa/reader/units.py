"""Unit words of counts, quantities and money: the one table that the candidate patterns
(candidates.py), the question patterns (question.py) and the English renderings (render.py)
read. Each unit maps to its English words (None: no rendering; "": the number alone)."""

from __future__ import annotations

import re

COUNT: dict[str, str | None] = {
    "人次": "person-visits", "场次": "sessions", "个": "", "家": "organisations", "项": "items",
    "场": "events", "所": "schools", "条": "items", "名": "people", "人": "people", "支": "teams",
    "次": "times", "批": "batches", "座": None, "户": "households", "件": None, "位": "people",
    "辆": None, "只": "", "届": None, "类": None, "种": None, "期": None, "台": None,
    "套": None, "款": None, "份": None, "篇": None, "点": None, "方": None,
}  # fmt: skip
# after a Chinese numeral (三家, 五项; 大 for 三大 …)
AFTER_CHINESE_NUMERAL = ("个", "家", "项", "名", "条", "所", "大", "篇", "批", "方")
# units a "how many" question names (几家 …)
ASKED_COUNT = ("个", "家", "项", "名", "人", "场", "所", "条", "支", "位", "次", "批")

QUANTITY: dict[str, str | None] = {
    "万吨/年": None, "吨/年": "tonnes a year", "万吨": None, "吨": "tonnes", "万亩": None, "亩": "mu",
    "平方米": "m²", "立方米": None, "公里": "km", "千米": None, "米": "metres", "GW": "GW", "MW": "MW",
    "兆瓦": None, "千瓦": "kW",
}  # fmt: skip
# quantity units a question names (产能/面积 … or 多少亩)
ASKED_QUANTITY = ("吨", "亩", "米", "公里", "GW", "千瓦")
# spans of time (一个月, 两年, 九天): what "how long" asks for (candidates._DURATION)
DURATION: dict[str, str] = {
    "小时": "hours", "天": "days", "周": "weeks", "星期": "weeks", "个月": "months", "年": "years",
}  # fmt: skip
# a unit with 万 built in, read as 10,000 of the plain unit
SCALED: dict[str, tuple[int, str]] = {"万吨/年": (10**4, "吨/年"), "万亩": (10**4, "亩")}

# currency: the English prefix of an amount
MONEY: dict[str, str] = {
    "元": "CNY ", "人民币": "CNY ", "美元": "US$", "欧元": "EUR ", "港元": "HK$", "港币": "HK$", "日元": "JPY ",
    "英镑": "GBP ", "新台币": "NT$",
}  # fmt: skip

ENGLISH: dict[str, str] = {
    u: w for table in (COUNT, QUANTITY, DURATION) for u, w in table.items() if w is not None
}


def alternation(units) -> str:
    """A regex alternation of `units`, longest first, so a unit never loses to its prefix (人次, 人)."""
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


def unit_of(count: str) -> str:
    """The unit a count ends with: 1.7万名 -> 名, 三家 -> 家, 约3.3万人次 -> 人次 ("" for none)."""
    return re.sub(r"^[约近超逾共\d.,，万亿千百十零〇一二三四五六七八九两多余]+", "", count)


def in_units(count: str, units: frozenset[str]) -> bool:
    """Whether a count is in one of `units`, or a unit beginning with one (人次 for 人)."""
    return unit_of(count).startswith(tuple(units))


def same_units(unit: str) -> frozenset[str]:
    """Units that count the same thing, by their English word: 名, 人, 位 all count people."""
    word = COUNT.get(unit)
    return frozenset(u for u, w in COUNT.items() if w == word) if word else frozenset({unit})


# English nouns Chinese counts by 条 or 项 (units.COUNT's "items"): a policy, a measure, a
# service is 一条 or 一项
ITEMS_EN = ("policies", "measures", "services", "tasks", "provisions", "rules", "regulations", "initiatives")

# English nouns for people, which Chinese counts by 名, 人 or 位 (units.COUNT's "people"):
# how many employees -> a count in 人; the item's 3家 or a bare 841 does not say
PEOPLE_EN = (
    "employees", "workers", "staff", "members", "residents", "students", "teachers", "volunteers",
    "visitors", "tourists", "participants", "farmers", "doctors", "officials", "villagers", "talents",
    "people", "persons", "spectators", "attendees", "trainees", "experts", "engineers", "technicians",
    "researchers", "scientists", "journalists", "reporters", "performers", "actors", "artists", "athletes",
    "players", "competitors", "contestants", "shareholders", "investors", "patients", "nurses", "interns",
    "graduates", "guests", "leaders", "cadres", "children", "drivers", "buyers", "customers", "delegates",
)  # fmt: skip
# English nouns for organisations, which Chinese counts by 家: how many companies -> 40家, not 140余人
ORGANISATIONS_EN = (
    "companies", "enterprises", "firms", "institutions", "suppliers", "manufacturers", "businesses",
    "factories", "banks", "cooperatives",
)  # fmt: skip

# what an amount of money is of, where a question names it: the Chinese words that say it
# (any one will do). Only words an item uses for nothing else; 投资, 资金, 支出, 价值 are
# how items say most amounts, so a question naming them is not judged.
AMOUNTS_OF: dict[str, tuple[str, ...]] = {
    "利税": ("利税",), "利润": ("利润", "利税"), "税收": ("税收", "利税"), "营收": ("营收", "收入"),
    "收入": ("收入", "营收"), "销售额": ("销售额", "销售收入"), "交易额": ("交易额", "成交额"),
    "成交额": ("成交额", "交易额"), "产值": ("产值",), "补贴": ("补贴", "补助"), "补助": ("补助", "补贴"),
    "工资": ("工资", "薪酬", "薪资"), "薪酬": ("薪酬", "工资", "薪资"), "奖金": ("奖金",), "租金": ("租金",),
    "票价": ("票价", "门票"), "估值": ("估值",), "市值": ("市值",), "利息": ("利息",),
    "生产总值": ("生产总值", "gdp"), "GDP": ("gdp", "生产总值"),  # values as items read: lower case
    "价格": ("价格", "售价", "单价", "价钱", "票价"), "售价": ("售价", "价格", "单价"), "单价": ("单价", "价格", "售价"),
}  # fmt: skip
# the same asked in English: "How much profit and tax …" -> 利润 or 利税
AMOUNTS_OF_EN: dict[str, tuple[str, ...]] = {
    "profit": AMOUNTS_OF["利润"], "profits": AMOUNTS_OF["利润"], "tax": AMOUNTS_OF["税收"],
    "taxes": AMOUNTS_OF["税收"], "revenue": AMOUNTS_OF["收入"], "revenues": AMOUNTS_OF["收入"],
    "income": AMOUNTS_OF["收入"], "turnover": AMOUNTS_OF["交易额"], "output value": AMOUNTS_OF["产值"],
    "subsidy": AMOUNTS_OF["补贴"], "subsidies": AMOUNTS_OF["补贴"], "allowance": AMOUNTS_OF["补贴"],
    "salary": AMOUNTS_OF["工资"], "salaries": AMOUNTS_OF["工资"], "wage": AMOUNTS_OF["工资"],
    "wages": AMOUNTS_OF["工资"], "paid": AMOUNTS_OF["工资"] + AMOUNTS_OF["补贴"], "bonus": AMOUNTS_OF["奖金"],
    "prize money": AMOUNTS_OF["奖金"], "rent": AMOUNTS_OF["租金"], "ticket price": AMOUNTS_OF["票价"],
    "valuation": AMOUNTS_OF["估值"], "market value": AMOUNTS_OF["市值"], "sales": AMOUNTS_OF["销售额"] + ("收入",),
    "deal value": AMOUNTS_OF["交易额"], "transaction value": AMOUNTS_OF["交易额"],
    "trade volume": AMOUNTS_OF["交易额"], "earnings": AMOUNTS_OF["收入"] + AMOUNTS_OF["利润"],
    "ticket": AMOUNTS_OF["票价"], "tickets": AMOUNTS_OF["票价"], "admission": AMOUNTS_OF["票价"],
    "interest": AMOUNTS_OF["利息"], "gdp": AMOUNTS_OF["GDP"], "tuition": ("学费",), "fee": ("费",), "fees": ("费",),
    "price": AMOUNTS_OF["价格"], "prices": AMOUNTS_OF["价格"],
}  # fmt: skip

# what an English "how many …" counts, as the units that count it: households -> {户}
COUNTED_EN: dict[str, frozenset[str]] = (
    {w: same_units(u) for u, w in COUNT.items() if w}
    | {noun: same_units("项") for noun in ITEMS_EN}
    | {noun: same_units("人") for noun in PEOPLE_EN}
    | {noun: same_units("家") for noun in ORGANISATIONS_EN}
    # projects are counted by 个 or 项 (对接意向项目31个, 52个改革项目)
    | {"projects": frozenset({"个", "项"})}
    # 160场 "one-on-one" sessions: an event and a session (场次) are counted alike
    | {noun: same_units("场") | same_units("场次") for noun in ("sessions", "events")}
)
