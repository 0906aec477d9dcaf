#!/usr/bin/env python3
"""The development suite's streams (issue #17 item 1): written as CSV files with a manifest, seeded, reproducible.

Every stream comes from River, run in the benchmark virtualenv (bench/.venv, river pinned in
bench/quality/requirements.txt): its synthetic generators (seeded) or the datasets bundled inside the installed
package (files shipped in the wheel; nothing is downloaded). No stream of the collection the shared Elec2 and SEA
files come from (../shared/datasets) is used, nor River's Elec2 or SEA: those are kept for held-out checks.

Output, in --out (default .cache/dev-suite/, gitignored):
  <name>.csv      header `f0,...,f{d-1},y`, one record a line in stream order; features as numbers, y the class
                  index 0..K-1 (the manifest maps indices to River's class values)
                  (regression streams, from regression_streams.py: y the target as a number)
  manifest.json   per stream: name, kind, classes, size, width, drift type and known drift points, source
                  (generator + parameters, or bundled dataset + derivation), feature names, and the file's SHA-256
A stream is (re)written when its file is missing or differs from its hash, when its spec (name, kind, drift,
source, size, limit) changed, or when River's version or this script's FORMAT did; otherwise it is kept. The same
River version and spec give the same bytes (the hash tells).

Drift with several change points: the generators are River's; the switch between concepts (`Switching` below)
is abrupt at record index p (records p on come from the next concept), or gradual with River's ConceptDriftStream
rule: record t comes from past the change point with probability 1 / (1 + exp(-4 (t - p) / w)), one seeded RNG,
p the centre and w the width of the transition. Change points are recorded in the manifest (0-based record
indices). Each concept gets its own generator seed, so concepts do not replay each other's features.

Encoding (the same file for every learner): numbers as River emits them (Agrawal's nominal attributes elevel, car
and zipcode stay integer codes, as River's generator gives them); STAGGER's three nominal attributes one-hot (9
features: as integer codes a linear model could not isolate a middle value); booleans 0/1.

Usage: python3 bench/quality/dev-suite/generate.py [--out DIR] [--only a,b] [--force] [--limit N]
--limit N writes only the first N records of each stream (smoke runs; recorded in the manifest).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from venv_bootstrap import ensure_venv  # noqa: E402

if __name__ == "__main__":
    ensure_venv(__file__)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from regression_streams import materialize_regression, regression_entry, regression_specs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent.parent
DEFAULT_OUT = REPO / ".cache" / "dev-suite"
# Bump when a change to this script changes what it writes for an unchanged spec: every stream is then rewritten.
FORMAT = 1


def log(msg: str) -> None:
    print(f"[dev-suite gen {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Switching:
    """Concepts in sequence: River's ConceptDriftStream transition at each change point (see the header)."""

    def __init__(self, concepts, positions, width, seed):
        assert len(concepts) == len(positions) + 1
        self.concepts, self.positions, self.width, self.seed = concepts, positions, width, seed

    def __iter__(self):
        rng = random.Random(self.seed)
        its = [iter(c) for c in self.concepts]
        t = 0
        while True:
            k = 0  # the concept: how many change points this record is drawn past
            for p in self.positions:
                if self.width <= 1:
                    past = t >= p
                else:
                    v = -4.0 * (t - p) / self.width
                    past = rng.random() < (1.0 / (1.0 + math.exp(v)) if v < 700 else 0.0)
                if not past:
                    break
                k += 1
            yield next(its[k])
            t += 1


def segments(size, n):
    """n equal segments over `size` records: the n - 1 change points."""
    return [size * i // n for i in range(1, n)]


# ------------------------------------------------------------------------------------------- the streams
# Each spec: name, kind (what the stream tests), drift (none | abrupt | gradual | incremental, + recurring),
# driftPoints (record index of each change point; the centre for gradual), source, and make() -> iterable of
# (x dict, y). `size`: records written. Sizes bound the run time: River's ARF costs 1 to 3 ms a record here.


def synthetic_specs():
    from river.datasets import synth

    specs = []

    size = 200_000
    fns = [1, 4, 7, 1, 4]
    pts = segments(size, len(fns))
    specs.append(dict(
        name="agrawal-recurring", kind="binary, non-linear (rules), large", drift="abrupt, recurring",
        driftPoints=pts, size=size,
        source={"generator": "river.datasets.synth.Agrawal", "params": {"classification_function": fns,
                "seed": [201 + i for i in range(len(fns))], "perturbation": 0.05, "balance_classes": False},
                "switching": {"positions": pts, "width": 1, "seed": 200}},
        make=lambda fns=fns, pts=pts: Switching([synth.Agrawal(classification_function=f, seed=201 + i,
                                                               perturbation=0.05) for i, f in enumerate(fns)],
                                                pts, 1, 200)))

    size = 40_000
    specs.append(dict(
        name="agrawal-gradual", kind="binary, non-linear (rules)", drift="gradual",
        driftPoints=[20_000], size=size,
        source={"generator": "river.datasets.synth.Agrawal", "params": {"classification_function": [2, 6],
                "seed": [211, 212], "perturbation": 0.05}, "switching": {"positions": [20_000], "width": 8_000,
                                                                         "seed": 210}},
        make=lambda: Switching([synth.Agrawal(classification_function=2, seed=211, perturbation=0.05),
                                synth.Agrawal(classification_function=6, seed=212, perturbation=0.05)],
                               [20_000], 8_000, 210)))

    size = 5_000
    fns = [0, 1, 2, 0, 1]
    pts = segments(size, len(fns))
    specs.append(dict(
        name="stagger-recurring", kind="binary, boolean concepts (one-hot), small", drift="abrupt, recurring",
        driftPoints=pts, size=size, onehot={"size": 3, "color": 3, "shape": 3},
        source={"generator": "river.datasets.synth.STAGGER", "params": {"classification_function": fns,
                "seed": [221 + i for i in range(len(fns))], "balance_classes": False},
                "switching": {"positions": pts, "width": 1, "seed": 220},
                "encoding": "size, color, shape one-hot (9 features)"},
        make=lambda fns=fns, pts=pts: Switching([synth.STAGGER(classification_function=f, seed=221 + i)
                                                 for i, f in enumerate(fns)], pts, 1, 220)))

    size = 20_000
    fns = [0, 2, 0, 2]
    pts = segments(size, len(fns))
    specs.append(dict(
        name="sine-recurring", kind="binary, non-linear (sine boundary)", drift="abrupt, recurring",
        driftPoints=pts, size=size,
        source={"generator": "river.datasets.synth.Sine", "params": {"classification_function": fns,
                "seed": [231 + i for i in range(len(fns))], "has_noise": False},
                "switching": {"positions": pts, "width": 1, "seed": 230}},
        make=lambda fns=fns, pts=pts: Switching([synth.Sine(classification_function=f, seed=231 + i)
                                                 for i, f in enumerate(fns)], pts, 1, 230)))

    size = 40_000
    params = {"seed": 241, "n_features": 10, "n_drift_features": 5, "mag_change": 0.001, "noise_percentage": 0.05,
              "sigma": 0.1}
    specs.append(dict(
        name="hyperplane-incremental", kind="binary, linear", drift="incremental", driftPoints=[], size=size,
        source={"generator": "river.datasets.synth.Hyperplane", "params": params},
        make=lambda params=params: synth.Hyperplane(**params)))

    params = {"seed_model": 251, "seed_sample": 252, "n_classes": 5, "n_features": 10, "n_centroids": 50,
              "change_speed": 0.001, "n_drift_centroids": 50}
    specs.append(dict(
        name="rbf-moving", kind="multi-class (5), non-linear, moving clusters", drift="incremental",
        driftPoints=[], size=40_000,
        source={"generator": "river.datasets.synth.RandomRBFDrift", "params": params},
        make=lambda params=params: synth.RandomRBFDrift(**params)))

    size = 30_000
    specs.append(dict(
        name="rbf10-abrupt", kind="multi-class (10), non-linear", drift="abrupt", driftPoints=[15_000], size=size,
        source={"generator": "river.datasets.synth.RandomRBF", "params": {"seed_model": [261, 262],
                "seed_sample": [263, 264], "n_classes": 10, "n_features": 10, "n_centroids": 50},
                "switching": {"positions": [15_000], "width": 1, "seed": 260},
                "note": "a new seed_model draws new centroids: every class moves at once"},
        make=lambda: Switching([synth.RandomRBF(seed_model=261, seed_sample=263, n_classes=10, n_features=10,
                                                n_centroids=50),
                                synth.RandomRBF(seed_model=262, seed_sample=264, n_classes=10, n_features=10,
                                                n_centroids=50)], [15_000], 1, 260)))

    size = 30_000
    specs.append(dict(
        name="led-gradual", kind="multi-class (10), 24 binary features (17 irrelevant), 10% noise",
        drift="gradual", driftPoints=[15_000], size=size,
        source={"generator": "river.datasets.synth.LEDDrift", "params": {"seed": [271, 272],
                "noise_percentage": 0.1, "irrelevant_features": True, "n_drift_features": [0, 7]},
                "switching": {"positions": [15_000], "width": 5_000, "seed": 270},
                "note": "the second concept swaps 7 relevant attributes with irrelevant ones"},
        make=lambda: Switching([synth.LEDDrift(seed=271, noise_percentage=0.1, irrelevant_features=True,
                                               n_drift_features=0),
                                synth.LEDDrift(seed=272, noise_percentage=0.1, irrelevant_features=True,
                                               n_drift_features=7)], [15_000], 5_000, 270)))

    params = {"seed": 281, "has_noise": False}
    specs.append(dict(
        name="waveform", kind="multi-class (3), 21 noisy continuous features", drift="none", driftPoints=[],
        size=10_000, source={"generator": "river.datasets.synth.Waveform", "params": params},
        make=lambda params=params: synth.Waveform(**params)))
    return specs


def trump_above_mean(window=30):
    """TrumpApproval's FiveThirtyEight rating as a class: above its mean over the previous `window` days."""
    from river import datasets

    rows = list(datasets.TrumpApproval())
    out = []
    for i in range(window, len(rows)):
        x, y = rows[i]
        past = sum(r[1] for r in rows[i - window:i]) / window
        out.append(({k: v for k, v in x.items() if k != "ordinal_date"}, y > past))
    return out


def sp500_direction():
    from river import datasets

    return [(x, y > 0) for x, y in datasets.SP500Stocks()]


def bundled_specs():
    from river import datasets

    return [
        dict(name="phishing", kind="binary, real (web pages), small", drift="unknown", driftPoints=None,
             size=1_250, source={"bundled": "river.datasets.Phishing", "file": "phishing.csv.gz",
                                 "derivation": "as shipped; True = 1"},
             make=lambda: datasets.Phishing()),
        dict(name="bananas", kind="binary, non-linear (banana-shaped clusters, artificial)", drift="none",
             driftPoints=[], size=5_300, source={"bundled": "river.datasets.Bananas", "file": "banana.zip",
                                                "derivation": "as shipped; True = 1"},
             make=lambda: datasets.Bananas()),
        dict(name="image-segments", kind="multi-class (7), real (image regions), small", drift="unknown",
             driftPoints=None, size=2_310,
             source={"bundled": "river.datasets.ImageSegments", "file": "segment.csv.zip",
                     "derivation": "as shipped; classes indexed in sorted order"},
             make=lambda: datasets.ImageSegments()),
        dict(name="shuttle", kind="binary, real (sensor readings), imbalanced (7% positive)", drift="unknown",
             driftPoints=None, size=49_097,
             source={"bundled": "river.datasets.Shuttle", "file": "shuttle.csv.gz",
                     "derivation": "as shipped (ODDS anomaly version); 1 = anomaly"},
             make=lambda: datasets.Shuttle()),
        dict(name="trump-approval", kind="binary, real daily series, temporal dependence, small",
             drift="unknown", driftPoints=None, size=971,
             source={"bundled": "river.datasets.TrumpApproval", "file": "trump_approval.csv.gz",
                     "derivation": "regression target cast to a class: 1 = FiveThirtyEight's rating above its "
                                   "mean over the previous 30 days (the first 30 days dropped); features: the "
                                   "five pollsters' ratings (ordinal_date dropped)"},
             make=trump_above_mean),
        dict(name="sp500-direction", kind="binary, real daily series, next-day direction, small",
             drift="unknown", driftPoints=None, size=1_257,
             source={"bundled": "river.datasets.SP500Stocks", "file": "sp500.csv.gz",
                     "derivation": "regression target cast to a class: 1 = the next day's equal-weighted "
                                   "return is > 0; features: that day's ten returns (%)"},
             make=sp500_direction),
    ]


def all_specs():
    return synthetic_specs() + bundled_specs() + regression_specs()


# ------------------------------------------------------------------------------------------------- writing


def num(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return format(float(v), ".10g")


def class_key(v):
    return (0, int(v)) if isinstance(v, (bool, int)) else (1, str(v))


def materialize(spec, limit):
    n = min(spec["size"], limit) if limit else spec["size"]
    rows = list(itertools.islice(spec["make"](), n))
    if len(rows) != n:
        raise SystemExit(f"{spec['name']}: expected {n} records, got {len(rows)}")
    onehot = spec.get("onehot")
    names = []
    for k in rows[0][0]:
        names.extend([f"{k}={j}" for j in range(onehot[k])] if onehot else [str(k)])
    values = sorted({y for _, y in rows}, key=class_key)
    if all(isinstance(v, bool) for v in values):
        values = [False, True]
    index = {v: i for i, v in enumerate(values)}
    lines = [",".join([f"f{i}" for i in range(len(names))] + ["y"])]
    for x, y in rows:
        if onehot:
            feats = [1 if x[k] == j else 0 for k in x for j in range(onehot[k])]
        else:
            feats = list(x.values())
        if len(feats) != len(names):
            raise SystemExit(f"{spec['name']}: a record with {len(feats)} features, expected {len(names)}")
        lines.append(",".join(num(v) for v in feats) + f",{index[y]}")
    return "\n".join(lines) + "\n", names, values, n


def manifest_entry(spec, limit):
    return {k: spec[k] for k in ("name", "kind", "drift", "driftPoints", "source")} | {
        "specSize": spec["size"], "limit": limit or None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", default="")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    import river

    specs = all_specs()
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - {s["name"] for s in specs}
    if unknown:
        ap.error(f"unknown streams {sorted(unknown)}; known: {[s['name'] for s in specs]}")
    args.out.mkdir(parents=True, exist_ok=True)
    mpath = args.out / "manifest.json"
    old = json.loads(mpath.read_text()) if mpath.exists() else {}
    current = old.get("river") == river.__version__ and old.get("format") == FORMAT
    old_streams = {s["name"]: s for s in old.get("streams", [])} if current else {}
    streams = []
    for spec in specs:
        if only and spec["name"] not in only:
            if spec["name"] in old_streams:
                streams.append(old_streams[spec["name"]])
            continue
        entry = manifest_entry(spec, args.limit)
        path = args.out / f"{spec['name']}.csv"
        prev = old_streams.get(spec["name"])
        same = prev is not None and {k: prev.get(k) for k in entry} == entry
        if same and path.exists() and not args.force and hashlib.sha256(path.read_bytes()).hexdigest() == prev["sha256"]:
            streams.append(prev)
            continue
        t0 = time.perf_counter()
        if spec.get("task") == "regression":
            text, names, n = materialize_regression(spec, args.limit, num)
            path.write_text(text)
            streams.append(entry | {"size": n, "width": len(names), "features": names, "file": path.name,
                                    "sha256": hashlib.sha256(text.encode()).hexdigest()} | regression_entry(text, n))
            log(f"{spec['name']}: {n} records, {len(names)} features, target mean {streams[-1]['targetMean']}, "
                f"sd {streams[-1]['targetSd']} ({time.perf_counter() - t0:.1f} s)")
            continue
        text, names, values, n = materialize(spec, args.limit)
        path.write_text(text)
        counts = {}
        for line in text.splitlines()[1:]:
            y = line.rsplit(",", 1)[1]
            counts[y] = counts.get(y, 0) + 1
        labels = [int(line.rsplit(",", 1)[1]) for line in text.splitlines()[1:]]
        no_change = sum(labels[i] == labels[i - 1] for i in range(1, n)) / max(n - 1, 1)
        streams.append(entry | {
            "size": n, "width": len(names), "classes": len(values),
            "task": "binary" if len(values) == 2 else "multiclass",
            "classValues": [v if isinstance(v, (int, str)) else bool(v) for v in values],
            "features": names, "file": path.name, "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "majority": round(max(counts.values()) / n, 4), "noChange": round(no_change, 4)})
        log(f"{spec['name']}: {n} records, {len(names)} features, {len(values)} classes, "
            f"majority {streams[-1]['majority']}, no-change {streams[-1]['noChange']} "
            f"({time.perf_counter() - t0:.1f} s)")
    manifest = {"format": FORMAT, "river": river.__version__, "python": sys.version.split()[0],
                "generator": "bench/quality/dev-suite/generate.py", "streams": streams}
    mpath.write_text(json.dumps(manifest, indent=1) + "\n")
    log(f"{len(streams)} streams in {args.out}")


if __name__ == "__main__":
    main()
