"""`roundup-qa train-reader`: fine-tune the span reader on the MRC data, on CPU.

The embeddings and the lower layers stay frozen (run without gradients); the upper layers
and the span head train in bf16 autocast with fp32 weights. Fixed seed, a progress bar, a
checkpoint every few minutes (`--resume` continues from it exactly: the batch order is a
function of the seed), and an estimate of the run's length before it starts.
"""

from __future__ import annotations

import json
import logging
import math
import random
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .mrc import TRAIN_FILES, load_mrc, split
from .negatives import without_answer_sentence  # noqa: F401  (re-exported)
from .windows import PAD, ReaderTokenizer, WindowSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    mrc_dir: str = "../shared/mrc"
    files: tuple[str, ...] = TRAIN_FILES
    out: str = "reader-run"  # checkpoints, log, final delta
    epochs: float = 2.0
    batch_size: int = 16
    lr: float = 5e-5
    warmup: float = 0.06  # share of steps with a linear warm-up
    weight_decay: float = 0.01
    train_layers: int = 8  # the top 8 of 12 train; 4 layers + embeddings stay frozen
    seed: int = 13
    negatives: float = 0.35  # no-answer windows per answerable one
    codeswitch: float = 0.3  # share of questions with English content words
    # share of questions put into English word order first (codeswitch.EnglishOrder); the
    # codeswitch share applies to the rest
    english: float = 0.0
    # share of questions that also get a no-answer window of their own paragraph with the
    # sentence holding the answer deleted: the topic, the names and the question's words are
    # all still there, only the fact asked for is not (SQuAD 2.0's hardest kind of negative)
    deleted: float = 0.0
    # share of questions that also get a BM25 neighbour paragraph lacking their answer
    neighbour: float = 0.0
    # share of questions that also get their year/number/ordinal/name changed, against the
    # window that held the answer (negatives.Alterer)
    altered: float = 0.0
    checkpoint_minutes: float = 5.0
    limit: int | None = None  # first N training questions only (smoke runs, learning curves)
    # N MRC training questions drawn at random (by the seed): a short run on a sample
    mrc_questions: int | None = None
    max_steps: int | None = None
    bf16: bool = True
    threads: int = 0  # 0: torch's default (every core)
    init: str | None = None  # a delta to continue from (a second run), else the packaged model
    spec: WindowSpec = field(default_factory=WindowSpec)


@dataclass
class Sample:
    ids: np.ndarray
    valid: np.ndarray  # positions a span may start/end at: passage tokens and 0 (no answer)
    start: int
    end: int


def _sample(window, start: int, end: int) -> Sample:
    valid = np.array([i == 0 or (s >= 0 and e > s) for i, (s, e) in enumerate(window.offsets)], dtype=bool)
    return Sample(np.asarray(window.ids, dtype=np.int64), valid, start, end)


def build_samples(examples, tok: ReaderTokenizer, cfg: TrainConfig, progress: bool = True) -> list[Sample]:
    """One answer-bearing window per question, plus no-answer windows SQuAD 2.0 style: another
    window of the same paragraph or another paragraph (`negatives`), a BM25 neighbour of the
    question (`neighbour`), the paragraph less the answer's sentence (`deleted`), the question
    with a year, number, ordinal or name changed against its own window (`altered`)."""
    from tqdm import tqdm

    from ..retrieval.tokenizer import Tokenizer
    from .codeswitch import CodeSwitcher, EnglishOrder
    from .negatives import Alterer, Neighbours

    rng = random.Random(cfg.seed)
    switch = CodeSwitcher(cfg.seed) if cfg.codeswitch > 0 or cfg.english > 0 else None
    english = EnglishOrder(switch, cfg.seed) if cfg.english > 0 else None
    by_article: dict[str, list[str]] = {}
    for e in examples:
        paras = by_article.setdefault(e.article, [])
        if e.context not in paras:
            paras.append(e.context)
    contexts = [c for paras in by_article.values() for c in paras]
    words = Tokenizer()
    near = Neighbours(contexts, words, progress) if cfg.neighbour > 0 else None
    alter = None
    if cfg.altered > 0:
        alter = Alterer(words, cfg.seed)
        alter.learn([e.question for e in examples])

    def asked(question: str) -> str:
        """The question in the form this sample trains: English word order, code-switched or as is."""
        if english and rng.random() < cfg.english:
            return english(question)
        if cfg.codeswitch > 0 and rng.random() < cfg.codeswitch:
            return switch(question)
        return question

    out: list[Sample] = []
    for ex in tqdm(examples, desc="windows", unit="q", disable=not progress):
        q = asked(ex.question)
        s, e = ex.starts[0], ex.starts[0] + len(ex.answers[0])
        labeled = [(w, w.label(s, e)) for w in tok.windows(q, ex.context, cfg.spec)]
        pos = [(w, lab) for w, lab in labeled if lab != (0, 0)]
        if not pos:
            continue
        w, (a, b) = rng.choice(pos)
        out.append(_sample(w, a, b))
        if rng.random() < cfg.negatives:
            inside = [w for w, lab in labeled if lab == (0, 0) and not _holds(w, ex, s, e)]
            others = [c for c in by_article[ex.article] if c != ex.context]
            other = rng.choice(others) if others and rng.random() < 0.7 else rng.choice(contexts)
            if inside and rng.random() < 0.3:
                out.append(_sample(rng.choice(inside), 0, 0))
            elif other != ex.context and not any(a in other for a in ex.answers):
                out.append(_sample(rng.choice(tok.windows(q, other, cfg.spec)), 0, 0))
        if near is not None and rng.random() < cfg.neighbour:
            similar = near.of(ex.question, ex.answers, ex.context, k=3)
            if similar:
                out.append(_sample(rng.choice(tok.windows(q, rng.choice(similar), cfg.spec)), 0, 0))
        if cfg.deleted > 0 and rng.random() < cfg.deleted:
            rest = without_answer_sentence(ex.context, s, e)
            if rest and not any(a in rest for a in ex.answers):
                out.append(_sample(rng.choice(tok.windows(q, rest, cfg.spec)), 0, 0))
        if alter is not None and rng.random() < cfg.altered:
            changed = alter(ex.question, ex.context)
            if changed:
                # the window that held the answer: every word matches but the one changed
                held = [
                    w for w in tok.windows(asked(changed), ex.context, cfg.spec) if w.label(s, e) != (0, 0)
                ]
                if held:
                    out.append(_sample(held[0], 0, 0))
    return out


def _holds(window, ex, s: int, e: int) -> bool:
    """Whether the window shows part of the answer (then it is not a clean negative)."""
    return any(os < e and oe > s for os, oe in window.offsets if os >= 0)


def _batches(n: int, size: int, seed: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed * 1000 + epoch).permutation(n)
    return [order[i : i + size] for i in range(0, n, size)]


def _collate(samples: list[Sample]):
    import torch

    width = max(len(s.ids) for s in samples)
    ids = np.full((len(samples), width), PAD, dtype=np.int64)
    valid = np.zeros((len(samples), width), dtype=bool)
    for i, s in enumerate(samples):
        ids[i, : len(s.ids)] = s.ids
        valid[i, : len(s.ids)] = s.valid
    ids_t = torch.from_numpy(ids)
    return (
        ids_t,
        (ids_t != PAD).long(),
        torch.from_numpy(valid),
        torch.tensor([s.start for s in samples]),
        torch.tensor([s.end for s in samples]),
    )


def _loss(model, batch, bf16: bool):
    import torch
    from torch.nn import functional as F

    ids, mask, valid, start, end = batch
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        s_logits, e_logits = model(ids, mask)
    s_logits = s_logits.float().masked_fill(~valid, -1e4)
    e_logits = e_logits.float().masked_fill(~valid, -1e4)
    return (F.cross_entropy(s_logits, start) + F.cross_entropy(e_logits, end)) / 2


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True) -> Path:
    """Train; returns the path of the written delta (`<out>/reader-delta.safetensors`)."""
    import torch
    from tqdm import tqdm

    from ..retrieval.packaged import ensure_packaged_model
    from .delta import base_weights
    from .net import SpanReader

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)

    folder = ensure_packaged_model()
    tok = ReaderTokenizer(folder / "tokenizer.json")
    train_ex, held_ex = split(load_mrc(cfg.mrc_dir, cfg.files))
    if cfg.limit:
        train_ex = train_ex[: cfg.limit]
    if cfg.mrc_questions and cfg.mrc_questions < len(train_ex):
        train_ex = random.Random(cfg.seed).sample(train_ex, cfg.mrc_questions)
    log.info("MRC: %d training questions, %d held out (never trained on)", len(train_ex), len(held_ex))
    samples = build_samples(train_ex, tok, cfg, progress)
    n_neg = sum(s.start == 0 for s in samples)
    per_epoch = math.ceil(len(samples) / cfg.batch_size)
    total = math.ceil(per_epoch * cfg.epochs)
    if cfg.max_steps:
        total = min(total, cfg.max_steps)

    config = json.loads((folder / "config.json").read_text())
    model = SpanReader(config)
    base = base_weights(folder)
    model.load_weights(base)
    torch.nn.init.normal_(model.head.weight, std=0.02)
    torch.nn.init.zeros_(model.head.bias)
    frozen = config["num_hidden_layers"] - cfg.train_layers
    if cfg.init:
        model.load_weights(_continued(Path(cfg.init), base, frozen))
    model.freeze_below(frozen)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
    )
    ckpt, step, history = out / "checkpoint.pt", 0, []
    if resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, history = state["step"], state["history"]
        log.info("resumed at step %d of %d", step, total)

    # estimate before starting: two batches forward and backward, weights untouched
    model.train()
    probe = _batches(len(samples), cfg.batch_size, cfg.seed, 99)[:2]
    t0 = time.perf_counter()
    for b in probe:
        _loss(model, _collate([samples[i] for i in b]), cfg.bf16).backward()
    opt.zero_grad(set_to_none=True)
    per_step = (time.perf_counter() - t0) / len(probe)
    print(
        f"train-reader: {len(samples)} windows ({n_neg} without an answer), {cfg.epochs:g} epochs, "
        f"{total} steps of {cfg.batch_size}; about {per_step:.2f} s a step: "
        f"{(total - step) * per_step / 60:.0f} minutes to go",
        flush=True,
    )

    started, last_ckpt, running = time.time(), time.time(), []
    bar = tqdm(total=total, initial=step, desc="train-reader", unit="step", disable=not progress)
    while step < total:
        epoch, index = divmod(step, per_epoch)
        batch_ids = _batches(len(samples), cfg.batch_size, cfg.seed, epoch)[index]
        loss = _loss(model, _collate([samples[i] for i in batch_ids]), cfg.bf16)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        running.append(float(loss.detach()))
        bar.update(1)
        if step % 50 == 0 or step == total:
            history.append(
                {"step": step, "loss": round(float(np.mean(running)), 4), "lr": sched.get_last_lr()[0]}
            )
            running = []
            bar.set_postfix(loss=history[-1]["loss"])
            print(json.dumps(history[-1]), flush=True)
        if time.time() - last_ckpt > cfg.checkpoint_minutes * 60 or step == total:
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step, "history": history, "config": asdict(cfg)}, tmp)  # fmt: skip
            tmp.replace(ckpt)
            last_ckpt = time.time()
    bar.close()

    meta = {
        "frozen_layers": frozen,
        "window": asdict(cfg.spec),
        "train": {k: v for k, v in asdict(cfg).items() if k != "spec"},
        "steps": total,
        "windows": len(samples),
        "no_answer_windows": n_neg,
        "train_questions": len(train_ex),
        "heldout_questions": len(held_ex),
        "seconds": round(time.time() - started),
        "commit": git_commit(),
        "final_loss": history[-1]["loss"] if history else None,
    }
    path = out / "reader-delta.safetensors"
    write_delta(model.state_dict(), base, frozen, meta, path)
    (out / "history.json").write_text(json.dumps({"meta": meta, "history": history}, indent=1))
    log.info("wrote %s", path)
    return path


def _continued(path: Path, base: dict, frozen: int) -> dict:
    """Base weights with an earlier run's delta applied: a second run continues from the first."""
    from .delta import apply_delta, load_delta

    delta, meta = load_delta(path)
    if meta.get("frozen_layers") != frozen:
        raise ValueError(
            f"{path} trained the layers from {meta.get('frozen_layers')} up; this run trains from {frozen} up"
        )
    log.info("continuing from %s (%s steps)", path, meta.get("steps"))
    return apply_delta(base, delta)


def write_delta(state: dict, base: dict, frozen: int, meta: dict, path: Path) -> None:
    from .delta import make_delta, save_delta

    trained = {k: v.detach().float().numpy() for k, v in state.items()}
    save_delta(path, make_delta(trained, base, frozen), meta)
