"""English glosses for English askers: names whole from the glossary, numbers rendered,
every other word from CC-CEDICT or pinyin, and always labelled a gloss."""

from roundup_qa.chinese import CJK
from roundup_qa.reader.gloss import gloss
from roundup_qa.retrieval.lexicon import Lexicon


def test_names_numbers_and_words_are_glossed(real_qa):
    lexicon = real_qa.index.lexicon
    assert gloss("中车永济电机有限公司", lexicon) == "CRRC Yongji Electric Co., Ltd."  # glossary, whole
    assert gloss("上海海洋大学、山东省淡水渔业研究院", lexicon) == (
        "Shanghai Ocean University, Shandong Freshwater Fisheries Research Institute"
    )  # a list, item by item
    assert gloss("第十届黄河三角洲湿地槐花节", lexicon).startswith("10th edition Yellow River Delta")
    assert gloss("2950万美元", lexicon) == "US$29.5 million"
    assert gloss("签约仪式", lexicon) == "sign a contract ceremony"  # CC-CEDICT, word by word
    assert gloss("Wanda", lexicon) is None  # nothing Chinese: nothing to gloss


def test_every_item_title_gets_an_english_gloss(real_qa):
    for item in real_qa.index.items:
        shown = real_qa.gloss(item.title)
        assert shown and not CJK.search(shown), (item.title, shown)


def test_english_answers_carry_a_rendering_or_a_gloss_chinese_ones_do_not(real_qa):
    en = real_qa.ask("Which companies signed the offshore wind power base project in Hekou?")
    # the list, item by item, without the district the question asks about
    assert en.answer == "新疆金风科技股份有限公司、中车永济电机有限公司"
    assert (
        en.answer_gloss == "Xinjiang Goldwind Science & Technology Co., Ltd., CRRC Yongji Electric Co., Ltd."
    )
    assert en.title_gloss and "Bozhong offshore wind" in en.title_gloss
    dated = real_qa.ask("When did Dongying District hold its press conference on poverty alleviation?")
    assert dated.answer_en == "May 20" and dated.answer_gloss is None  # a rendering needs no gloss
    zh = real_qa.ask("东营区脱贫攻坚新闻发布会是哪天举行的?")
    assert zh.answer_gloss is None and zh.title_gloss is None
    assert {"answer_gloss", "title_gloss"} <= set(en.to_dict())


def test_lexicon_round_trips_and_an_unknown_word_falls_back_to_pinyin():
    lexicon = Lexicon.from_json(Lexicon({"风电": "wind power"}, {"渤中": "Bozhong"}).to_json())
    assert gloss("渤中风电", lexicon) == "Bozhong wind power"
    assert gloss("垦利", lexicon) == "Kenli"
