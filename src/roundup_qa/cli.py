"""`roundup-qa`: build the index, ask questions, run an eval set, serve the chat."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .config import Config
from .corpus.parse import CorpusError
from .evaluation.evaluate import EvalSetError
from .records import Answer
from .store import IndexNotReady

log = logging.getLogger("roundup_qa")


def main(argv: list[str] | None = None) -> int:
    code = _main(argv)
    if argv is None and "milvus_lite" in sys.modules:
        # the command ran as a program with an embedded milvus-lite: its in-process server's
        # threads abort the interpreter's teardown ("terminate called without an active
        # exception", exit 134) in about 1 run of 3, after the work is done and the client
        # closed, so the process leaves without that teardown, with the command's exit code
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # the libraries' own chatter is not the user's business
    for noisy in ("sentence_transformers", "transformers", "httpx", "jieba", "faiss", "milvus_lite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        config = _config(args) if hasattr(args, "option") else Config()
        return args.run(args, config)
    except (CorpusError, IndexNotReady, EvalSetError, ValueError, RuntimeError) as err:
        if getattr(args, "verbose", False):  # -v: the whole story, for a bug report
            traceback.print_exc()
        print(f"roundup-qa: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        _close_opened()


_OPENED: list = []  # every RoundupQA a command made, closed before the process exits


def _opened(qa):
    _OPENED.append(qa)
    return qa


def _close_opened() -> None:
    while _OPENED:
        _OPENED.pop().close()


def _parser() -> argparse.ArgumentParser:
    from .retrieval.packaged import cache_dir

    feedback_db = cache_dir() / "feedback.sqlite"
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus", default="corpus", help="directory of roundup .txt files (default: corpus/)"
    )
    common.add_argument("--index", default="index", help="index directory (default: index/)")
    common.add_argument(
        "--model", help="sentence-transformers model name or folder (default: the packaged e5-small)"
    )
    common.add_argument(
        "--backend", choices=("files", "milvus"),
        help="where the index lives: files (default, --index) or milvus (--milvus-uri)",
    )  # fmt: skip
    common.add_argument(
        "--milvus-uri", metavar="URI",
        help="a Milvus server (http://host:19530) or a milvus-lite file (a path ending in .db); "
        "implies --backend milvus",
    )  # fmt: skip
    common.add_argument(
        "--milvus-collection", metavar="NAME", help="the Milvus index's name (default roundup)"
    )
    common.add_argument(
        "-o", "--option", action="append", default=[], metavar="KEY=VALUE",
        help="override a config value, e.g. -o fusion=weighted -o rrf_k=30",
    )  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true")

    p = argparse.ArgumentParser(prog="roundup-qa", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", parents=[common], help="parse the corpus and write the index")
    b.set_defaults(run=_cmd_build)

    a = sub.add_parser("ask", parents=[common], help="answer a question (or a file of questions)")
    a.add_argument("question", nargs="?", help="the question (Chinese or English)")
    a.add_argument("--file", help="one question per line; - reads standard input")
    a.add_argument("--json", action="store_true", help="print the answer record as one JSON line")
    a.add_argument("--top-k", type=int, default=5, help="passages to return (default 5)")
    a.add_argument(
        "--district", help="only search items of this district, Chinese or English name from districts.json"
    )
    a.add_argument("--no-rebuild", action="store_true", help="fail instead of rebuilding a stale index")
    a.add_argument(
        "--history", metavar="FILE",
        help="the conversation so far: a JSON list of earlier turns, oldest first, each "
        '{"question": ..., "item": n or null}; with --file, each answer also joins it for the next line',
    )  # fmt: skip
    a.set_defaults(run=_cmd_ask)

    e = sub.add_parser("eval", parents=[common], help="run an eval set and print its figures")
    e.add_argument("--set", dest="eval_set", default="eval/questions.jsonl", help="eval set (JSON lines)")
    e.add_argument(
        "--mrc", metavar="DIR",
        help="instead of --set: the MRC held-out slice of DIR (e.g. ../shared/mrc), its paragraphs "
        "indexed as a corpus in the cache; figures by question word under by_type",
    )  # fmt: skip
    e.add_argument(
        "--kinds", metavar="FILE",
        help="also: lists, browsing and follow-ups of FILE (e.g. eval/kinds.jsonl), with --set's questions "
        "checked to stay single answers and unchanged after an unrelated turn",
    )  # fmt: skip
    e.add_argument("--json", action="store_true", help="print the full report as JSON")
    e.add_argument("--out", help="also write the full report (JSON) to this file")
    e.add_argument("--report", metavar="DIR", help="write report.json, summary.md and PNG plots into DIR")
    e.add_argument(
        "--ablations", action="store_true", help="also run BM25 only, dense only, fusion and bridge variants"
    )
    e.set_defaults(run=_cmd_eval)

    bn = sub.add_parser("bench", parents=[common], help="time cold start, build and each stage of ask()")
    bn.add_argument("--repeats", type=int, default=3, help="passes over the eval questions (default 3)")
    bn.add_argument("--build", action="store_true", help="also time an index build")
    bn.add_argument(
        "--out", help="where bench.json and bench.md go (default: the cache, outside git; "
        "`--out eval/results/bench` refreshes the committed figures)",
    )  # fmt: skip
    bn.set_defaults(run=_cmd_bench)

    t = sub.add_parser(
        "train-reader", help="fine-tune the span reader on the MRC data (CPU; says how long first)"
    )
    t.add_argument("--mrc", default="../shared/mrc", help="folder of CMRC 2018 / DRCD JSON files")
    t.add_argument("--out", default="reader-run", help="checkpoints, log and the delta (default reader-run/)")
    t.add_argument("--epochs", type=float, default=1.5)
    t.add_argument("--train-layers", type=int, default=8, help="top layers to train (of 12)")
    t.add_argument("--lr", type=float, default=6e-5)
    t.add_argument("--batch-size", type=int, default=16)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--negatives", type=float, default=0.35, help="no-answer windows per answerable one")
    t.add_argument("--codeswitch", type=float, default=0.3, help="share of code-switched questions")
    t.add_argument(
        "--english", type=float, default=0.0,
        help="share of questions put into English word order (before --codeswitch applies to the rest)",
    )  # fmt: skip
    t.add_argument(
        "--deleted", type=float, default=0.0,
        help="share of questions that also get their paragraph, less the answer's sentence, as a no-answer window",
    )  # fmt: skip
    t.add_argument(
        "--neighbour", type=float, default=0.0,
        help="share of questions that also get a BM25-similar paragraph lacking their answer, as a no-answer window",
    )  # fmt: skip
    t.add_argument(
        "--altered", type=float, default=0.0,
        help="share of questions that also get their year, number, ordinal or name changed, against "
        "the window that held the answer, as a no-answer window",
    )  # fmt: skip
    t.add_argument("--warmup", type=float, default=0.06, help="share of steps warming up")
    t.add_argument("--init", help="a reader delta to continue from (default: the packaged model)")
    t.add_argument("--limit", type=int, help="first N training questions only (smoke runs)")
    t.add_argument("--max-steps", type=int, help="stop after N steps (smoke runs)")
    t.add_argument("--mrc-questions", type=int, help="N MRC training questions drawn at random (by the seed)")
    t.add_argument("--threads", type=int, default=0, help="torch threads (default: every core)")
    t.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    t.add_argument("-v", "--verbose", action="store_true")
    t.set_defaults(run=_cmd_train_reader)

    s = sub.add_parser("serve", parents=[common], help="start the web chat")
    s.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    s.add_argument("--port", type=int, default=7860)
    s.add_argument(
        "--frame-ancestors", "--allow-frame", dest="allow_frame", nargs="+", action="extend", default=[],
        metavar="ORIGIN",
        help="restrict the embeddable widget (/widget/) to these origins, which may also call the "
        "API from a browser, e.g. https://news.example.org (default: any page may frame the widget; "
        "the chat page itself is never framed by another origin)",
    )  # fmt: skip
    s.add_argument(
        "--feedback", default=str(feedback_db), metavar="PATH",
        help=f"SQLite file for readers' thumbs up/down (default {feedback_db}; 'none': no feedback buttons)",
    )  # fmt: skip
    s.add_argument("--threads", type=int, help="answering threads (default: one per core)")
    s.add_argument(
        "--queue-limit", type=int, default=64,
        help="questions (API and chat together) answering or waiting at once; past it, 503 with "
        "Retry-After, or a busy reply in the chat (default 64)",
    )  # fmt: skip
    s.add_argument(
        "--deadline", type=float, default=10.0,
        help="seconds a question may wait to start; it is refused when they pass (default 10)",
    )  # fmt: skip
    s.add_argument(
        "--header-timeout", type=float, default=10.0,
        help="seconds a connection has to send its request head before it is closed (default 10)",
    )  # fmt: skip
    s.add_argument(
        "--body-timeout", type=float, default=10.0,
        help="seconds a request has to send its body before 408 (default 10)",
    )  # fmt: skip
    s.add_argument("--log-questions", action="store_true", help="put question texts in the access log")
    s.add_argument(
        "--workers", type=int, default=1,
        help="processes serving the same port, each with its own models (default 1)",
    )  # fmt: skip
    s.set_defaults(run=_cmd_serve)

    sh = sub.add_parser(
        "screenshots", parents=[common], help="take the README's screenshots from the running app"
    )
    sh.add_argument("--out", default="docs", help="folder for the PNG files (default docs/)")
    sh.add_argument("--url", help="a running chat (default: start one here on a free port)")
    sh.add_argument("--embed-page", default="examples/embed.html", help="the host page framing the widget")
    sh.set_defaults(run=_cmd_screenshots)

    f = sub.add_parser("feedback", help="readers' thumbs up/down from the chat: counts, or export for review")
    f.add_argument("--db", default=str(feedback_db), help=f"the feedback database (default {feedback_db})")
    f.add_argument("--export", metavar="FILE", help="write the rows as an eval set (JSON lines) to FILE")
    f.add_argument("--stats", action="store_true", help="print counts (the default without --export)")
    f.add_argument("-v", "--verbose", action="store_true")
    f.set_defaults(run=_cmd_feedback)
    return p


def _config(args: argparse.Namespace) -> Config:
    overrides: dict[str, object] = {}
    if args.model:
        overrides["model"] = args.model
    if args.milvus_uri:
        overrides |= {"backend": args.backend or "milvus", "milvus_uri": args.milvus_uri}
    elif args.backend:
        overrides["backend"] = args.backend
    if args.milvus_collection:
        overrides["milvus_collection"] = args.milvus_collection
    return config_from(args.option, **overrides)


def config_from(options: list[str], **overrides: object) -> Config:
    """The config of `-o KEY=VALUE` options (values parsed by the field's type), over `overrides`."""
    defaults = Config().to_dict()
    for opt in options:
        key, sep, value = opt.partition("=")
        if not sep or key not in defaults:
            raise ValueError(f"bad option {opt!r}: use KEY=VALUE with KEY one of {sorted(defaults)}")
        overrides[key] = _parse(value, type(defaults[key]), key)
    return Config().with_overrides(**overrides)


def _parse(value: str, kind: type, key: str) -> object:
    if kind is bool:
        if value.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ValueError(f"{key} takes true or false, not {value!r}")
        return value.lower() in ("true", "1", "yes", "on")
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{key} takes a {kind.__name__}, not {value!r}") from None


def _load(args: argparse.Namespace, config: Config, rebuild: bool = True):
    from .pipeline import RoundupQA

    return _opened(RoundupQA.load(args.index, corpus=args.corpus, config=config, rebuild=rebuild))


def _cmd_build(args: argparse.Namespace, config: Config) -> int:
    from .pipeline import RoundupQA

    t0 = time.perf_counter()
    qa = _opened(RoundupQA.build(args.corpus, args.index, config))
    n = len(qa.index.items)
    where = args.index if config.backend == "files" else f"{config.milvus_uri} ({qa.backend.version})"
    print(f"built {where}: {n} items from {args.corpus} in {time.perf_counter() - t0:.1f} s")
    return 0


def _cmd_ask(args: argparse.Namespace, config: Config) -> int:
    if (args.question is None) == (args.file is None):
        raise ValueError("give a question, or --file FILE (- for standard input), not both")
    if args.file:
        stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")
        with stream:
            questions = [line.rstrip("\r\n") for line in stream]
    else:
        questions = [args.question]
    from .pipeline import InputError

    history = _history(args.history)
    qa = _load(args, config, rebuild=not args.no_rebuild)
    if len(questions) == 1:  # one question: bad input stops with the message (exit 2)
        _print_answer(
            qa.ask(questions[0], top_k=args.top_k, district=args.district, history=history), args.json
        )
        return 0
    failed = 0
    for q in questions:  # a batch: a bad line is reported in its place, the others answered
        try:
            answer = qa.ask(q, top_k=args.top_k, district=args.district, history=history)
            if history is not None:  # a conversation: this turn is the next line's history
                turn = {
                    "question": answer.read_as or q,
                    "item": answer.citation.item if answer.citation else None,
                }
                history = history + [turn]
        except InputError as err:
            failed += 1
            shown = q[: qa.config.max_question_chars]
            if args.json:
                print(
                    json.dumps(
                        {"question": shown, "error": str(err), "field": err.field}, ensure_ascii=False
                    ),
                    flush=True,
                )
            else:
                print(f"Q: {shown}\nerror ({err.field}): {err}", flush=True)
            continue
        _print_answer(answer, args.json)
    if failed:
        log.error("%d of %d lines were not asked (see their error lines)", failed, len(questions))
    return 1 if failed else 0


def _history(path: str | None) -> list | None:
    """The --history file's turns (checked by RoundupQA.check_history when asked)."""
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8") if path != "-" else sys.stdin.read())
    except (OSError, ValueError) as err:
        raise ValueError(f"--history {path}: not a readable JSON list of turns ({err})") from None


def _print_answer(answer: Answer, as_json: bool) -> None:
    print(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else format_answer(answer), flush=True)


def format_answer(answer: Answer) -> str:
    """A readable answer for the terminal."""
    lines = [f"Q: {answer.question}"]
    if answer.read_as:
        lines.append(f"   read as: {answer.read_as}")
    if answer.kind in ("list", "items"):
        lines.append(
            f"A: {len(answer.parts)} items" + (":" if answer.kind == "items" else ", each answering:")
        )
        for p in answer.parts:
            c = p.citation
            shown = f"{p.answer}  " if p.answer is not None else ""
            lines.append(f"   - {shown}[#{c.item} · {c.district or '-'}] {c.title}")
    elif answer.answer is None:
        lines.append(f"A: (the roundup does not say: {answer.reason})")
    else:
        c = answer.citation
        lines.append(f"A: {answer.answer}" + (f"  ({answer.answer_en})" if answer.answer_en else ""))
        if answer.answer_gloss:
            lines.append(f"   gloss: {answer.answer_gloss}")
        lines.append(f"   [#{c.item} · {c.district or '-'}] {c.title}  ({c.source}, chars {c.start}-{c.end})")
    if answer.answer is not None or answer.kind == "items":
        lines.append(f"   why: {answer.explanation}")
    if answer.searched_for:
        lines.append("   searched for: " + " ".join(answer.searched_for))
    if answer.notes:
        lines.append("   note: " + "; ".join(answer.notes))
    if answer.passages:
        lines.append("   passages:")
        for k, p in enumerate(answer.passages, 1):
            ranks = ", ".join(f"{name} {r if r is not None else '-'}" for name, r in p.ranks.items())
            lines.append(f"   {k}. #{p.item} [{p.district or '-'}] {p.title}  score {p.score:.4f} ({ranks})")
    return "\n".join(lines)


def _cmd_eval(args: argparse.Namespace, config: Config) -> int:
    from .evaluation import evaluate, report
    from .pipeline import RoundupQA

    if args.mrc:
        from .reader.mrc import write_heldout_corpus
        from .retrieval.packaged import cache_dir

        folder = cache_dir() / "mrc-heldout"
        corpus_dir, args.eval_set = write_heldout_corpus(args.mrc, folder)
        qa = RoundupQA.load(folder / "index", corpus=corpus_dir, config=config)
    else:
        qa = _load(args, config)
    questions = evaluate.load_eval_set(args.eval_set, qa.index.items)
    if args.kinds:
        return _eval_kinds(args, qa, questions)
    result = report.run_report(
        lambda c: RoundupQA(qa.index, c, qa.embedder), config, questions, args.ablations
    )
    result["eval_set"] = str(args.eval_set)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.report:
        command = (
            "roundup-qa " + " ".join(sys.argv[1:])
            if sys.argv[0].endswith("roundup-qa")
            else "roundup-qa eval"
        )
        for path in report.write_report(result, Path(args.report), command):
            log.info("wrote %s", path)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(evaluate.format_table(result))
    return 0


def _eval_kinds(args: argparse.Namespace, qa, questions) -> int:
    from .evaluation import kinds

    rows = kinds.load_kinds_set(args.kinds, qa.index.items)
    result = kinds.run_kinds(qa, rows, questions)
    result["kinds_set"], result["eval_set"] = str(args.kinds), str(args.eval_set)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False) if args.json else kinds.format_kinds(result))
    return 0


def _cmd_bench(args: argparse.Namespace, config: Config) -> int:
    from .evaluation import bench

    qa = _load(args, config)
    sets = [Path("eval/questions.jsonl"), Path("eval/questions-heldout-en.jsonl")]
    questions = bench.questions_from([p for p in sets if p.exists()], qa.index.items)
    report = bench.run_bench(qa, Path(args.index), Path(args.corpus), questions, args.repeats, args.build)
    command = (
        "roundup-qa " + " ".join(sys.argv[1:]) if sys.argv[0].endswith("roundup-qa") else "roundup-qa bench"
    )
    from .retrieval.packaged import cache_dir

    out = Path(args.out) if args.out else cache_dir() / "bench"
    bench.write(report, out, command)
    print(bench.markdown(report, command))
    log.info("wrote %s", out)
    return 0


def _cmd_train_reader(args: argparse.Namespace, config: Config) -> int:
    from .reader.train import TrainConfig, train

    cfg = TrainConfig(
        mrc_dir=args.mrc, out=args.out, epochs=args.epochs, train_layers=args.train_layers, lr=args.lr,
        batch_size=args.batch_size, seed=args.seed, limit=args.limit, max_steps=args.max_steps,
        negatives=args.negatives, codeswitch=args.codeswitch, english=args.english, deleted=args.deleted,
        neighbour=args.neighbour, altered=args.altered, mrc_questions=args.mrc_questions,
        threads=args.threads,
        warmup=args.warmup, init=args.init,
    )  # fmt: skip
    path = train(cfg, resume=args.resume)
    print(f"wrote {path}: copy it to src/roundup_qa/reader/weights/ to ship it (see the model card)")
    return 0


def _prepare_index(args: argparse.Namespace, config: Config) -> None:
    _load(args, dataclasses.replace(config, reader="rules"))  # the index only: no reader loaded


def _cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from .api import ServingLimits
    from .web import serve

    if config.engine_threads == 0:  # questions answered side by side: one engine thread each
        config = config.with_overrides(engine_threads=1)
    feedback = None if args.feedback.lower() == "none" else args.feedback
    limits = ServingLimits(
        queue=args.queue_limit, deadline_s=args.deadline, log_questions=args.log_questions,
        header_timeout_s=args.header_timeout, body_timeout_s=args.body_timeout,
    )  # fmt: skip
    if args.threads:
        limits = dataclasses.replace(limits, threads=args.threads)
    if args.workers > 1:
        import multiprocessing

        from .web import serve_workers

        # a missing or stale index is built before any worker starts, in a process of its own:
        # this one only supervises the workers and holds no model
        prepare = multiprocessing.get_context("spawn").Process(target=_prepare_index, args=(args, config))
        prepare.start()
        prepare.join()
        if prepare.exitcode != 0:
            raise RuntimeError(f"the index at {args.index} could not be loaded or built (see above)")
        if not args.threads:  # the cores shared among the workers
            limits = dataclasses.replace(limits, threads=max(1, (os.cpu_count() or 1) // args.workers))
        serve_workers(
            args.workers, args.index, args.corpus, config, args.host, args.port, args.allow_frame, limits,
            feedback,
        )  # fmt: skip
        return 0
    qa = _load(args, config)
    serve(
        qa, host=args.host, port=args.port, frame_ancestors=args.allow_frame, limits=limits, feedback=feedback
    )
    return 0


def _cmd_screenshots(args: argparse.Namespace, config: Config) -> int:
    from .screenshots import take
    from .web import start

    running = None
    if args.url:
        url = args.url
    else:
        # with feedback buttons, as served; the clicks of a screenshot run are not kept
        running = start(_load(args, config), feedback=Path(tempfile.mkdtemp()) / "feedback.sqlite")
        url = running.url
    try:
        for path in take(Path(args.out), url, Path(args.embed_page)):
            print(path)
    finally:
        if running is not None:
            running.stop()
    return 0


def _cmd_feedback(args: argparse.Namespace, config: Config) -> int:
    from .feedback import FeedbackStore

    if not Path(args.db).exists():
        raise RuntimeError(f"no feedback database at {args.db} (the chat creates it when it starts)")
    store = FeedbackStore(args.db)
    if args.export:
        n = store.export(args.export)
        print(
            f"wrote {n} feedback rows to {args.export} (eval-set format; 'disputed' rows need a gold answer)"
        )
    if args.stats or not args.export:
        print(json.dumps(store.stats(), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
