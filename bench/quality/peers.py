#!/usr/bin/env python3
"""Prequential (test-then-train) learning-quality benchmark: the Python peers (River, scikit-learn).

Runs every learner over the shared drift streams (elec2, sea) in stream order, with the protocol the TypeScript
side (streamtrain) uses, and writes bench/results/quality-peers.json.

Protocol (identical for every learner):
  * Features. elec2: every column but `date` (day, period, nswprice, nswdemand, vicprice, vicdemand, transfer),
    as stored (no scaling; note `day` is 1..7, the other six are in [0, 1]). sea: x1, x2, x3 standardized with
    the generator's known range, (x - 5) / (10 / sqrt(12)). Labels 0/1 as stored.
  * Mini-batches of B consecutive samples (--batch-size, default 32; the last batch may be shorter). For each
    batch: predict every sample with the current model (scored), then learn the batch. Every sample is scored
    exactly once, before it is learned; the first batch is predicted by the untrained model and counted.
  * A learner with no prediction yet (scikit-learn before its first partial_fit, River trees before their first
    learn_one, which return None) predicts class 0.
  * accuracy = correct / samples over the whole stream; curve = accuracy within consecutive windows of
    --curve-window samples (default 1000), as [end_index, acc]; the last, shorter window is kept.
  * Compute: trainSamples (samples given to training), CPU seconds (time.process_time, all threads of this
    process) of the predict and learn calls, measured separately and summed in cpuSeconds; wallSeconds of the
    same loop. Loading the files and converting rows to River dicts are not counted.

Learners and grids (lr grid shared with the TypeScript learners):
  * river-logreg: river.linear_model.LogisticRegression(optimizer=optim.SGD(lr)), lr in {0.005, 0.05, 0.5};
    other arguments at River defaults (notably intercept_lr=0.01, l2=0). predict_one for every sample of the
    batch, then learn_one for every sample (one SGD step per sample: B steps per batch).
  * river-logreg-adam (diagnostic, flagged "diagnostic": true; never a headline number): the same
    LogisticRegression with optimizer=optim.Adam(lr), lr in {0.005, 0.05, 0.5} (intercept still River's SGD at
    intercept_lr=0.01). streamtrain's logistic regression uses Adam by default: this row separates the optimizer
    from everything else when the two differ.
  * river-arf: river.forest.ARFClassifier(seed=42), defaults, no grid.
  * river-hat: river.tree.HoeffdingAdaptiveTreeClassifier(seed=42), defaults, no grid.
    The better of river-arf / river-hat on a dataset is flagged riverBest ("river_best").
  * sklearn-sgd: sklearn.linear_model.SGDClassifier(loss='log_loss', learning_rate='constant', eta0=lr,
    random_state=42), lr in {0.005, 0.05, 0.5}, other arguments at defaults (alpha=1e-4 L2, shuffle=True within
    a partial_fit call). predict(X_batch), then partial_fit(X_batch, y_batch, classes=[0, 1]): one epoch over
    the batch, one SGD step per sample.
  * river-logreg-std, sklearn-sgd-std: the standardized-inputs protocol (every linear learner gets an online
    standardization of its features, running mean and standard deviation of every sample seen):
    river.preprocessing.StandardScaler() | the same LogisticRegression (the pipeline's learn_one updates the
    scaler, then the model on the scaled sample; predict_one scales with the current statistics), and
    sklearn.preprocessing.StandardScaler: partial_fit(X_batch) then SGDClassifier.partial_fit on the scaled batch
    (predict scales with the statistics of the batches learned so far).
  bestOfFamily marks the grid point with the highest accuracy per (dataset, family); ties go to the first grid
  point. Note that choosing the best grid point on the evaluation stream itself is optimistic (for both sides).

Usage:
  python3 bench/quality/peers.py [--batch-size 32] [--datasets elec2,sea] [--families river-logreg,...]
The script creates/updates bench/.venv from bench/quality/requirements.txt and re-executes itself inside it.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from venv_bootstrap import ensure_venv  # noqa: E402

if __name__ == "__main__":
    ensure_venv(__file__)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DATA = REPO / ".." / "shared" / "datasets"
DEFAULT_OUT = REPO / "bench" / "results" / "quality-peers.json"

LR_GRID = [0.005, 0.05, 0.5]
ELEC2_COLUMNS = ["date", "day", "period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"]
ELEC2_FEATURES = ELEC2_COLUMNS[1:]
SEA_FEATURES = ["x1", "x2", "x3"]
SEA_CENTER, SEA_SCALE = 5.0, 10.0 / math.sqrt(12.0)
FAMILIES = ["river-logreg", "river-logreg-adam", "river-arf", "river-hat", "sklearn-sgd", "river-logreg-std", "sklearn-sgd-std"]
DIAGNOSTIC = {"river-logreg-adam"}


def log(msg: str) -> None:
    print(f"[peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------- data


def load_dataset(name: str, root: Path) -> dict:
    if name == "elec2":
        data = np.loadtxt(root / "elec2" / "elec2_data.dat", dtype=np.float64)
        labels = np.loadtxt(root / "elec2" / "elec2_label.dat", dtype=np.int64)
        if data.shape[1] != len(ELEC2_COLUMNS):
            raise SystemExit(f"elec2: expected {len(ELEC2_COLUMNS)} columns, got {data.shape[1]}")
        X = data[:, 1:]  # drop `date`
        features, drift, expected = ELEC2_FEATURES, None, 45_312
    elif name == "sea":
        data = np.loadtxt(root / "sea" / "SEA_training_data.csv", delimiter=",", dtype=np.float64)
        labels = np.loadtxt(root / "sea" / "SEA_training_class.csv", dtype=np.int64)
        X = (data - SEA_CENTER) / SEA_SCALE
        features, drift, expected = SEA_FEATURES, [12_500, 25_000, 37_500], 50_000
    else:
        raise SystemExit(f"unknown dataset {name!r}")
    if len(X) != len(labels) or len(X) != expected:
        raise SystemExit(f"{name}: expected {expected} rows and labels, got {len(X)} / {len(labels)}")
    if not set(np.unique(labels)) <= {0, 1}:
        raise SystemExit(f"{name}: labels must be 0/1")
    X = np.ascontiguousarray(X)
    dicts = [dict(zip(features, map(float, row))) for row in X]  # River input, built once, not timed
    return {"name": name, "X": X, "y": labels, "dicts": dicts, "features": features, "driftPoints": drift}


# ----------------------------------------------------------------------------------------------- learners
# Each learner: predict(batch) -> int array; learn(batch). A batch is (lo, hi) over the dataset, resolved into
# numpy rows (sklearn) or River dicts + int labels.


class RiverLearner:
    def __init__(self, model, label_type=int):
        self.model = model
        self.label_type = label_type

    def predict(self, ds, lo, hi):
        out = np.zeros(hi - lo, dtype=np.int64)
        m = self.model
        for i, x in enumerate(ds["dicts"][lo:hi]):
            p = m.predict_one(x)
            out[i] = 0 if p is None else int(p)
        return out

    def learn(self, ds, lo, hi):
        m = self.model
        cast = self.label_type
        ys = ds["y"]
        for i, x in enumerate(ds["dicts"][lo:hi], start=lo):
            m.learn_one(x, cast(ys[i]))


class SklearnSGD:
    def __init__(self, model, scaler=None):
        self.model = model
        self.scaler = scaler
        self.fitted = False

    def features(self, ds, lo, hi):
        X = ds["X"][lo:hi]
        return self.scaler.transform(X) if self.scaler is not None else X

    def predict(self, ds, lo, hi):
        if not self.fitted:
            return np.zeros(hi - lo, dtype=np.int64)  # convention: predict 0 before the first fit
        return self.model.predict(self.features(ds, lo, hi)).astype(np.int64)

    def learn(self, ds, lo, hi):
        if self.scaler is not None:
            self.scaler.partial_fit(ds["X"][lo:hi])
        self.model.partial_fit(self.features(ds, lo, hi), ds["y"][lo:hi], classes=[0, 1])
        self.fitted = True


def grid():
    """(family, learner name, params, factory, updates-per-sample note)."""
    from river import forest, linear_model, optim, preprocessing, tree
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import StandardScaler

    out = []
    for lr in LR_GRID:
        out.append(("river-logreg", "river.linear_model.LogisticRegression", {"lr": lr, "optimizer": "SGD"},
                    lambda lr=lr: RiverLearner(linear_model.LogisticRegression(optimizer=optim.SGD(lr)), bool)))
    for lr in LR_GRID:
        out.append(("river-logreg-adam", "river.linear_model.LogisticRegression", {"lr": lr, "optimizer": "Adam"},
                    lambda lr=lr: RiverLearner(linear_model.LogisticRegression(optimizer=optim.Adam(lr)), bool)))
    for lr in LR_GRID:
        out.append(("river-logreg-std", "river.preprocessing.StandardScaler | river.linear_model.LogisticRegression",
                    {"lr": lr, "optimizer": "SGD", "scaler": "StandardScaler"},
                    lambda lr=lr: RiverLearner(preprocessing.StandardScaler() | linear_model.LogisticRegression(
                        optimizer=optim.SGD(lr)), bool)))
    for lr in LR_GRID:
        out.append(("sklearn-sgd-std", "sklearn StandardScaler + SGDClassifier", {"lr": lr, "loss": "log_loss",
                    "learning_rate": "constant", "random_state": 42, "scaler": "StandardScaler"},
                    lambda lr=lr: SklearnSGD(SGDClassifier(loss="log_loss", learning_rate="constant", eta0=lr,
                                                           random_state=42), StandardScaler())))
    out.append(("river-arf", "river.forest.ARFClassifier", {"seed": 42},
                lambda: RiverLearner(forest.ARFClassifier(seed=42))))
    out.append(("river-hat", "river.tree.HoeffdingAdaptiveTreeClassifier", {"seed": 42},
                lambda: RiverLearner(tree.HoeffdingAdaptiveTreeClassifier(seed=42))))
    for lr in LR_GRID:
        out.append(("sklearn-sgd", "sklearn.linear_model.SGDClassifier", {"lr": lr, "loss": "log_loss",
                    "learning_rate": "constant", "random_state": 42},
                    lambda lr=lr: SklearnSGD(SGDClassifier(loss="log_loss", learning_rate="constant", eta0=lr,
                                                           random_state=42))))
    return out


# ------------------------------------------------------------------------------------------------- runner


def run_one(ds, make, batch_size, curve_window, label):
    learner = make()
    y = ds["y"]
    n = len(y)
    correct = np.zeros(n, dtype=bool)
    cpu_pred = cpu_learn = 0.0
    train_samples = 0
    next_report = max(n // 5, 1)
    wall0 = time.perf_counter()
    for lo in range(0, n, batch_size):
        hi = min(lo + batch_size, n)
        c0 = time.process_time()
        pred = learner.predict(ds, lo, hi)
        c1 = time.process_time()
        learner.learn(ds, lo, hi)
        c2 = time.process_time()
        cpu_pred += c1 - c0
        cpu_learn += c2 - c1
        train_samples += hi - lo
        correct[lo:hi] = pred == y[lo:hi]
        if hi >= next_report and hi < n:
            log(f"  {label}: {hi}/{n} samples, acc so far {correct[:hi].mean():.4f}, "
                f"{time.perf_counter() - wall0:.1f}s")
            next_report += max(n // 5, 1)
    wall = time.perf_counter() - wall0
    curve = []
    for start in range(0, n, curve_window):
        end = min(start + curve_window, n)
        curve.append([end, round(float(correct[start:end].mean()), 4)])
    return {
        "samples": n,
        "correct": int(correct.sum()),
        "accuracy": round(float(correct.mean()), 6),
        "curve": curve,
        "trainSamples": train_samples,
        "cpuSeconds": round(cpu_pred + cpu_learn, 3),
        "cpuPredictSeconds": round(cpu_pred, 3),
        "cpuLearnSeconds": round(cpu_learn, 3),
        "wallSeconds": round(wall, 3),
    }


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "logicalCpus": os.cpu_count(), "memGiB": mem,
            "openblas": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--datasets", default="elec2,sea")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--curve-window", type=int, default=1000)
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("STREAMTRAIN_DATASETS", DEFAULT_DATA)))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    if args.batch_size < 1 or args.curve_window < 1:
        ap.error("--batch-size and --curve-window must be >= 1")
    datasets = [d for d in args.datasets.split(",") if d]
    families = [f for f in args.families.split(",") if f]
    unknown = set(families) - set(FAMILIES)
    if unknown:
        ap.error(f"unknown families {sorted(unknown)}; known: {FAMILIES}")

    import river
    import sklearn

    data_dir = args.data_dir.resolve()
    points = [g for g in grid() if g[0] in families]
    results = []
    t0 = time.perf_counter()
    for name in datasets:
        ds = load_dataset(name, data_dir)
        log(f"{name}: {len(ds['y'])} samples, features {ds['features']}, batch size {args.batch_size}")
        for family, learner, params, make in points:
            label = f"{name}/{family} {params.get('lr', '')}".rstrip()
            r = run_one(ds, make, args.batch_size, args.curve_window, label)
            log(f"{label}: acc {r['accuracy']:.4f}, cpu {r['cpuSeconds']:.1f}s "
                f"(predict {r['cpuPredictSeconds']:.1f}, learn {r['cpuLearnSeconds']:.1f}), wall {r['wallSeconds']:.1f}s")
            results.append({"dataset": name, "learner": learner, "family": family, "params": params,
                            "batchSize": args.batch_size, **r, "bestOfFamily": False,
                            **({"diagnostic": True} if family in DIAGNOSTIC else {})})

    summary: dict = {}
    for name in datasets:
        summary[name] = {}
        for family in families:
            entries = [r for r in results if r["dataset"] == name and r["family"] == family]
            if not entries:
                continue
            best = max(entries, key=lambda r: r["accuracy"])  # first on ties
            best["bestOfFamily"] = True
            summary[name][family] = {"accuracy": best["accuracy"], "params": best["params"],
                                     "cpuSeconds": best["cpuSeconds"], "wallSeconds": best["wallSeconds"]}
        trees = [r for r in results if r["dataset"] == name and r["family"] in ("river-arf", "river-hat")]
        if trees:
            best = max(trees, key=lambda r: r["accuracy"])
            summary[name]["river_best"] = {"family": best["family"], "accuracy": best["accuracy"]}
            for r in trees:
                r["riverBest"] = r is best

    out = {
        "protocol": {
            "kind": "prequential, test-then-train on mini-batches",
            "batchSize": args.batch_size,
            "order": "stream order, one pass",
            "scoring": "each batch: predict every sample with the current model, then learn the batch; every "
                       "sample scored exactly once before it is learned; the first batch is scored by the "
                       "untrained model",
            "noPredictionYet": "predict class 0 (sklearn before the first partial_fit; River trees before "
                               "their first learn_one)",
            "accuracy": "correct / samples over the whole stream",
            "curve": {"window": args.curve_window, "value": "accuracy within each consecutive window",
                      "point": "[end_index, acc]", "lastWindow": "kept even if shorter"},
            "features": {
                "elec2": {"columns": ELEC2_FEATURES, "dropped": ["date"], "scaling": "none (as stored; day is "
                          "1..7, the others in [0, 1])"},
                "sea": {"columns": SEA_FEATURES, "scaling": "(x - 5) / (10 / sqrt(12))"},
            },
            "labels": {"elec2": "1 = price went DOWN vs. last 24 h (MOA {UP, DOWN} class index)",
                       "sea": "1 iff x1 + x2 <= theta (10% label noise)"},
            "driftPoints": {"sea": [12_500, 25_000, 37_500], "elec2": None},
            "grids": {"river-logreg": {"lr": LR_GRID}, "river-logreg-adam": {"lr": LR_GRID, "diagnostic": True},
                      "sklearn-sgd": {"lr": LR_GRID},
                      "river-arf": "defaults, seed=42", "river-hat": "defaults, seed=42"},
            "updates": {"river-logreg": "learn_one per sample: B SGD steps per batch (intercept_lr=0.01 "
                                        "River default)",
                        "river-logreg-adam": "learn_one per sample: B Adam steps per batch on the weights, "
                                             "intercept by SGD at intercept_lr=0.01 (River default)",
                        "sklearn-sgd": "partial_fit per batch = one epoch, B SGD steps per batch (shuffled "
                                       "within the batch, alpha=1e-4 L2)",
                        "river-arf": "learn_one per sample", "river-hat": "learn_one per sample"},
            "bestOfFamily": "highest accuracy per (dataset, family) over the grid, selected on the evaluation "
                            "stream itself",
            "riverBest": "the better of river-arf and river-hat per dataset",
            "compute": "cpuSeconds = time.process_time over the predict and learn calls (split in "
                       "cpuPredictSeconds / cpuLearnSeconds); data loading and dict conversion excluded",
            "dataDir": str(data_dir),
        },
        "machine": machine_info(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"river": river.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "totalWallSeconds": round(time.perf_counter() - t0, 1),
        "summary": summary,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(args.out)
    log(f"wrote {args.out} ({len(results)} results) in {out['totalWallSeconds']}s")


if __name__ == "__main__":
    main()
