#!/usr/bin/env python3
"""River peers of the labels benchmark (issue #18 item 5): the same streams with the same label delays.

Each job file (written by bench/quality/labels.ts) holds one stream (its CSV: header, features, label column `y`
last) and, per setting, every record's label delay in ms (-1: the label never comes) and the join's `maxDelayMs`.
The schedule is River's `stream.simulate_qa` with moment = record index (one record per `periodMs`) and a
per-record delay: each record is a question when its features arrive (`predict_one`: the served prediction, which
is scored, against the true label, for every record) and an answer when its label is learned (`learn_one`). The
join's rules decide what is learned and when, as LabelJoin does with the same delays:
  * a label with delay <= maxDelayMs: learned at its arrival;
  * a missing label, or one later than maxDelayMs (late for the join): with `default`, the default label (0) is
    learned at the record's time + maxDelayMs; with `drop`, nothing is learned.
`exact` timing learns each answer at its own time (River's usual per-record protocol); `batch-end` delays every
answer to the end of the micro-batch of `batchSize` records in which it arrives, as the streamtrain replay learns
(the label of record i arriving at time t is learned before the first record at or after floor(t / B + 1) * B).
`immediate`: no delay, nothing missing (a question, then its answer at once; with `batch-end`: the dev suite's
batch scoring).

Learners: river-linear (preprocessing.StandardScaler | linear_model.LogisticRegression, SoftmaxRegression on
multi-class streams), river-hat (tree.HoeffdingAdaptiveTreeClassifier(seed=42)), River defaults otherwise.

Usage: python3 bench/quality/labels/river_delayed.py --out OUT.json JOB.json [JOB.json ...]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from venv_bootstrap import ensure_venv  # noqa: E402

if __name__ == "__main__":
    ensure_venv(__file__)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

# (family, timing, on_missing): which runs each setting gets; `immediate` runs once per (family, timing).
RUNS = [
    ("river-linear", "exact", "default"),
    ("river-linear", "exact", "drop"),
    ("river-linear", "batch-end", "default"),
    ("river-hat", "exact", "default"),
]


def log(msg: str) -> None:
    print(f"[labels peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def make(family: str, classes: int):
    from river import linear_model, preprocessing, tree

    if family == "river-linear":
        head = linear_model.LogisticRegression() if classes == 2 else linear_model.SoftmaxRegression()
        return preprocessing.StandardScaler() | head
    if family == "river-hat":
        return tree.HoeffdingAdaptiveTreeClassifier(seed=42)
    raise SystemExit(f"unknown family {family!r}")


def plan(n: int, y: np.ndarray, setting: dict | None, on_missing: str, timing: str, batch: int, period_ms: float,
         default_label: int):
    """Per record: (label to learn or None, delay in records) under the join's rules and the timing."""
    out = []
    for i in range(n):
        if setting is None:
            label, arrival = int(y[i]), float(i)
        else:
            d = setting["delayMs"][i]
            if 0 <= d <= setting["maxDelayMs"]:
                label, arrival = int(y[i]), i + d / period_ms
            else:
                label = default_label if on_missing == "default" else None
                arrival = i + setting["maxDelayMs"] / period_ms
        if timing == "batch-end":
            arrival = (math.floor(arrival / batch) + 1) * batch
        out.append((label, arrival - i))
    return out


def run(dicts, y, classes, family, schedule, immediate):
    from river import stream

    model = make(family, classes)
    cast = bool if classes == 2 else int
    served = np.zeros(len(y), dtype=np.int64)
    learned = 0
    dataset = zip(dicts, schedule)
    qa = stream.simulate_qa(dataset, moment=None, delay=None if immediate else (lambda _x, a: a[1]), copy=False)
    c0, w0 = time.process_time(), time.perf_counter()
    for i, x, answer in qa:
        if answer is None:
            p = model.predict_one(x)
            served[i] = 0 if p is None else int(p)
        elif answer[0] is not None:
            model.learn_one(x, cast(answer[0]))
            learned += 1
    correct = served == y
    return {"accuracy": round(float(correct.mean()), 6), "learned": learned,
            "cpuSeconds": round(time.process_time() - c0, 3), "wallSeconds": round(time.perf_counter() - w0, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("jobs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import river

    results = []
    out = {"versions": {"river": river.__version__, "numpy": np.__version__, "python": platform.python_version()},
           "runs": [list(r) for r in RUNS], "results": results}
    t0 = time.perf_counter()
    for job_file in args.jobs:
        job = json.loads(job_file.read_text())
        raw = np.loadtxt(job["csv"], delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
        X, y = raw[:, :-1], raw[:, -1].astype(np.int64)
        if len(y) != job["size"]:
            raise SystemExit(f"{job['csv']}: expected {job['size']} records, got {len(y)}")
        dicts = [dict(enumerate(map(float, row))) for row in X]
        n, classes = len(y), job["classes"]
        args_plan = (job["batchSize"], job["periodMs"], job["defaultLabel"])
        for family, timing in sorted({(f, t) for f, t, _ in RUNS}):
            r = run(dicts, y, classes, family, plan(n, y, None, "default", timing, *args_plan), timing == "exact")
            results.append({"dataset": job["name"], "family": family, "timing": timing, "setting": "immediate",
                            "onMissing": None, **r})
            log(f"{job['name']}/{family}/{timing}/immediate: acc {r['accuracy']:.4f}, cpu {r['cpuSeconds']} s")
        for setting in job["settings"]:
            for family, timing, on_missing in RUNS:
                schedule = plan(n, y, setting, on_missing, timing, *args_plan)
                r = run(dicts, y, classes, family, schedule, False)
                results.append({"dataset": job["name"], "family": family, "timing": timing, "setting": setting["id"],
                                "onMissing": on_missing, **r})
                log(f"{job['name']}/{family}/{timing}/{setting['id']}/{on_missing}: acc {r['accuracy']:.4f}, "
                    f"cpu {r['cpuSeconds']} s")
        out["totalWallSeconds"] = round(time.perf_counter() - t0, 1)
        tmp = args.out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(out, indent=1) + "\n")
        tmp.replace(args.out)
    log(f"wrote {args.out} ({len(results)} results) in {out['totalWallSeconds']} s")


if __name__ == "__main__":
    main()
