from roundup_qa.retrieval.tokenizer import Tokenizer


def test_domain_words_fix_known_missegmentation():
    plain = Tokenizer(domain_words=[]).tokenize("2021年老旧小区改造项目")
    fixed = Tokenizer(domain_words=["老旧小区"]).tokenize("2021年老旧小区改造项目")
    assert "老旧小区" not in plain
    assert "老旧小区" in fixed


def test_question_words_and_stopwords_are_dropped():
    t = Tokenizer()
    assert t.tokenize("渤中海上风电产业基地项目和谁签约?") == [
        "渤中",
        "海上",
        "风电",
        "产业基地",
        "项目",
        "签约",
    ]
    assert t.tokenize("Which companies signed the deal?") == ["companies", "signed", "deal"]


def test_full_width_and_case_are_normalised():
    t = Tokenizer()
    assert t.tokenize("１．２ＧＷ光伏") == t.tokenize("1.2gw光伏")


def test_a_month_in_chinese_numerals_is_the_month_the_news_writes_in_digits():
    tok = Tokenizer()
    assert tok.tokenize("五月有哪些研究院成立?") == tok.tokenize("5月有哪些研究院成立?")
    assert "五月" not in tok.tokenize("东营各县区五月份有哪些亮点")
    assert tok.tokenize("十二月") == tok.tokenize("12月")
    assert "二十五" in "".join(tok.tokenize("二十五月亮"))  # not a month: 二十五 stays


def test_settings_round_trip_gives_the_same_tokens():
    t = Tokenizer(domain_words=["孤岛镇", "半晌讲台"])
    clone = Tokenizer(**t.settings())
    text = "辛店街道百姓宣讲品牌“半晌讲台”在孤岛镇"
    assert clone.tokenize(text) == t.tokenize(text)
    assert "半晌讲台" in clone.tokenize(text)


def test_tokenizing_in_worker_processes_gives_the_same_terms_and_names(monkeypatch):
    """Large corpora are tokenised on every core; the result must not depend on it."""
    from roundup_qa import load_corpus
    from roundup_qa.retrieval.tokenizer import tokenize_many

    from .conftest import CORPUS

    items = load_corpus(CORPUS).items
    tok = Tokenizer.for_items(items, extra=["东营港经济开发区"])
    texts = [it.text for it in items] * 3
    serial = tokenize_many(tok, texts, workers=1)
    names = tokenize_many(tok, texts, ("ns", "nt"), workers=1)
    monkeypatch.setattr("roundup_qa.retrieval.tokenizer.PARALLEL_FROM", 10)
    monkeypatch.setattr("roundup_qa.retrieval.tokenizer._CHUNK", 40)
    assert tokenize_many(tok, texts, workers=2) == serial == [tok.tokenize(t) for t in texts]
    assert tokenize_many(tok, texts, ("ns", "nt"), workers=2) == names
    assert any("东营港经济开发区" in doc for doc in serial)  # the domain word reached the workers
