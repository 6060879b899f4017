"""Average two readers' trained weights (a "model soup"): the delta of each, dequantised,
mixed as (1 - w) x A + w x B, written as a delta of the same format.

    python eval/soup_reader.py A.safetensors B.safetensors --weight 0.5 --out SOUP.safetensors

Both must come from the same packaged model and freeze the same layers. The result is judged
like any run (`../shared/blind/score` with the soup in place of the shipped delta,
`python eval/choose_margin.py --delta SOUP`); its metadata names both parents and the weight.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from roundup_qa.reader.delta import load_delta, quantised, save_delta  # noqa: E402


def dequantised(delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each trained matrix's change from the base (fp32), and the whole-valued tensors as they are."""
    out = {}
    for name, value in delta.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".q8"):
            key = name[: -len(".q8")]
            out[key + ".diff"] = value.astype(np.float32) * delta[key + ".scale"][:, None]
        else:
            out[name] = value.astype(np.float32)
    return out


def requantised(mixed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, value in mixed.items():
        if name.endswith(".diff"):
            out.update(quantised(name[: -len(".diff")], value))
        else:
            out[name] = value
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--weight", type=float, default=0.5, help="share of B (default 0.5)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    (da, ma), (db, mb) = load_delta(args.a), load_delta(args.b)
    a, b = dequantised(da), dequantised(db)
    if set(a) != set(b):
        raise SystemExit(f"the deltas hold different tensors: {sorted(set(a) ^ set(b))[:5]}")
    w = args.weight
    mixed = {k: (1 - w) * a[k] + w * b[k] for k in a}
    meta = {k: v for k, v in ma.items() if k != "format"}
    meta["soup"] = {"a": str(args.a.name), "b": str(args.b.name), "weight_b": w,
                    "a_meta": {k: ma.get(k) for k in ("run", "seed", "steps")},
                    "b_meta": {k: mb.get(k) for k in ("run", "seed", "steps")}}  # fmt: skip
    save_delta(args.out, requantised(mixed), meta)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {1 - w:g} x {args.a.name} + {w:g} x {args.b.name}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
