#!/usr/bin/env python3
"""The development suite's River peers on its regression streams (issue #21 item 2), prequential MAE.

Protocol: as river_peers.py's: stream order, one pass, micro-batches of --batch-size records (default 256, the
service's `batch.size`): each batch is predicted whole by the model as it was before the batch, then learned record
by record (`learn_one`). A model with no prediction yet predicts 0 (River's regression models do). MAE = mean
absolute error over every record since the start.

Learners, River defaults unless said:
  * river-linear: preprocessing.StandardScaler() | linear_model.LinearRegression() (SGD, learning rate 0.01).
  * river-hatr: tree.HoeffdingAdaptiveTreeRegressor(seed=42).
  * river-arf: forest.ARFRegressor(seed=42, n_models=--arf-models), 5 by default instead of River's 10, as the
    classification suite's ARF.

Streams: the regression streams (manifest `task: regression`) of the files generate.py writes. Writes --out
(default bench/results/tmp/dev-suite-regression-peers.json), rewritten after every learner.

Usage: python3 bench/quality/dev-suite/river_peers_regression.py [--streams a,b] [--families ...] [--batch-size 256]
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

from peers import machine_info  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent.parent
FAMILIES = ["river-linear", "river-hatr", "river-arf"]


def log(msg: str) -> None:
    print(f"[dev-suite regression peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def make(family: str, arf_models: int):
    from river import forest, linear_model, preprocessing, tree

    if family == "river-linear":
        return (lambda: preprocessing.StandardScaler() | linear_model.LinearRegression(),
                "river.preprocessing.StandardScaler | river.linear_model.LinearRegression", {})
    if family == "river-hatr":
        return (lambda: tree.HoeffdingAdaptiveTreeRegressor(seed=42), "river.tree.HoeffdingAdaptiveTreeRegressor",
                {"seed": 42})
    if family == "river-arf":
        return (lambda: forest.ARFRegressor(seed=42, n_models=arf_models), "river.forest.ARFRegressor",
                {"seed": 42, "n_models": arf_models})
    raise SystemExit(f"unknown family {family!r}")


def run(model, dicts, y, batch_size, curve_window, label):
    n = len(y)
    err = np.zeros(n)
    cpu = 0.0
    wall0 = time.perf_counter()
    for lo in range(0, n, batch_size):
        hi = min(lo + batch_size, n)
        c0 = time.process_time()
        pred = [model.predict_one(x) for x in dicts[lo:hi]]
        for i in range(lo, hi):
            model.learn_one(dicts[i], float(y[i]))
        cpu += time.process_time() - c0
        for i, p in enumerate(pred, start=lo):
            err[i] = abs((0.0 if p is None else float(p)) - y[i])
    curve = [[min(s + curve_window, n), round(float(err[s:s + curve_window].mean()), 4)] for s in range(0, n, curve_window)]
    log(f"  {label}: MAE {err.mean():.4f}, {time.perf_counter() - wall0:.1f} s")
    return {"samples": n, "mae": round(float(err.mean()), 6), "curve": curve, "trainSamples": n,
            "cpuSeconds": round(cpu, 3), "wallSeconds": round(time.perf_counter() - wall0, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO / ".cache" / "dev-suite")
    ap.add_argument("--streams", default="")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--arf-models", type=int, default=5)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "tmp" / "dev-suite-regression-peers.json")
    args = ap.parse_args()
    import river

    manifest = json.loads((args.data_dir / "manifest.json").read_text())
    only = [s for s in args.streams.split(",") if s]
    entries = [e for e in manifest["streams"] if e.get("task") == "regression" and (not only or e["name"] in only)]
    families = [f for f in args.families.split(",") if f]
    results = []
    out = {
        "protocol": {"batchSize": args.batch_size, "order": "stream order, one pass",
                     "scoring": "each batch predicted whole, then learned record by record",
                     "noPredictionYet": 0, "arfModels": args.arf_models, "curveWindow": args.batch_size},
        "machine": machine_info(),
        "versions": {"river": river.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for entry in entries:
        raw = np.loadtxt(args.data_dir / entry["file"], delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
        X, y = raw[:, :-1], raw[:, -1]
        if len(y) != entry["size"] or X.shape[1] != entry["width"]:
            raise SystemExit(f"{entry['file']}: expected {entry['size']} x {entry['width']}, got {X.shape}")
        dicts = [dict(enumerate(map(float, row))) for row in X]
        for family in families:
            factory, learner, params = make(family, args.arf_models)
            r = run(factory(), dicts, y, args.batch_size, args.batch_size, f"{entry['name']}/{family}")
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
