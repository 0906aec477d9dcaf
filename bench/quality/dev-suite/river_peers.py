#!/usr/bin/env python3
"""The development suite's River peers, prequential on every stream of the suite (issue #17 item 1).

Protocol: bench/quality/peers.py's (`run_one`, `RiverLearner`, reused): stream order, one pass, micro-batches of
--batch-size records (default 256, the service's `batch.size`): each batch is predicted whole by the model as it
was before the batch, then learned record by record (`learn_one`); a model with no prediction yet predicts
class 0. Accuracy = correct / records since the start.

Learners, River defaults unless said:
  * river-linear: preprocessing.StandardScaler() | linear_model.LogisticRegression() on binary streams,
    | linear_model.SoftmaxRegression() on multi-class ones (SGD, learning rate 0.01).
  * river-hat: tree.HoeffdingAdaptiveTreeClassifier(seed=42).
  * river-arf: forest.ARFClassifier(seed=42, n_models=--arf-models), 5 by default instead of River's 10, to bound
    the run time (about 1 to 3 ms a record with 5 models on this suite's streams).

Streams: the CSV files and manifest.json written by generate.py (run first by the suite's run.ts).
Writes --out (default bench/results/tmp/dev-suite-peers.json), rewritten after every learner so that an
interrupted run keeps what it finished.

Usage: python3 bench/quality/dev-suite/river_peers.py [--streams a,b] [--families river-linear,...] [--batch-size 256]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from venv_bootstrap import ensure_venv  # noqa: E402

if __name__ == "__main__":
    ensure_venv(__file__)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from peers import RiverLearner, machine_info, run_one  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent.parent
FAMILIES = ["river-linear", "river-hat", "river-arf"]


def log(msg: str) -> None:
    print(f"[dev-suite peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load(data_dir: Path, entry: dict) -> dict:
    path = data_dir / entry["file"]
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    X, y = np.ascontiguousarray(raw[:, :-1]), raw[:, -1].astype(np.int64)
    if len(y) != entry["size"] or X.shape[1] != entry["width"]:
        raise SystemExit(f"{path}: expected {entry['size']} x {entry['width']}, got {X.shape}")
    dicts = [dict(enumerate(map(float, row))) for row in X]  # River input, built once, not timed
    return {"name": entry["name"], "X": X, "y": y, "dicts": dicts}


def make(family: str, classes: int, arf_models: int):
    from river import forest, linear_model, preprocessing, tree

    if family == "river-linear":
        if classes == 2:
            return (lambda: RiverLearner(preprocessing.StandardScaler() | linear_model.LogisticRegression(), bool),
                    "river.preprocessing.StandardScaler | river.linear_model.LogisticRegression", {})
        return (lambda: RiverLearner(preprocessing.StandardScaler() | linear_model.SoftmaxRegression()),
                "river.preprocessing.StandardScaler | river.linear_model.SoftmaxRegression", {})
    if family == "river-hat":
        return (lambda: RiverLearner(tree.HoeffdingAdaptiveTreeClassifier(seed=42)),
                "river.tree.HoeffdingAdaptiveTreeClassifier", {"seed": 42})
    if family == "river-arf":
        return (lambda: RiverLearner(forest.ARFClassifier(seed=42, n_models=arf_models)),
                "river.forest.ARFClassifier", {"seed": 42, "n_models": arf_models})
    raise SystemExit(f"unknown family {family!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO / ".cache" / "dev-suite")
    ap.add_argument("--streams", default="")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--arf-models", type=int, default=5)
    ap.add_argument("--curve-window", type=int, default=0, help="default: the batch size (first point = first batch)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "tmp" / "dev-suite-peers.json")
    args = ap.parse_args()
    args.curve_window = args.curve_window or args.batch_size
    import river

    manifest = json.loads((args.data_dir / "manifest.json").read_text())
    only = [s for s in args.streams.split(",") if s]
    entries = [e for e in manifest["streams"] if not only or e["name"] in only]
    families = [f for f in args.families.split(",") if f]
    results = []
    out = {
        "protocol": {"batchSize": args.batch_size, "order": "stream order, one pass",
                     "scoring": "each batch predicted whole, then learned record by record",
                     "noPredictionYet": "class 0", "arfModels": args.arf_models, "curveWindow": args.curve_window},
        "machine": machine_info(),
        "versions": {"river": river.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "manifestRiver": manifest.get("river"),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for entry in entries:
        ds = load(args.data_dir, entry)
        for family in families:
            factory, learner, params = make(family, entry["classes"], args.arf_models)
            r = run_one(ds, factory, args.batch_size, args.curve_window, f"{entry['name']}/{family}")
            log(f"{entry['name']}/{family}: acc {r['accuracy']:.4f}, cpu {r['cpuSeconds']:.1f} s")
            results.append({"dataset": entry["name"], "learner": learner, "family": family, "params": params,
                            "batchSize": args.batch_size, **r})
            out["date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            out["totalWallSeconds"] = round(time.perf_counter() - t0, 1)
            tmp = args.out.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(out, indent=1) + "\n")
            tmp.replace(args.out)
    log(f"wrote {args.out} ({len(results)} results) in {out.get('totalWallSeconds', 0)} s")


if __name__ == "__main__":
    main()
