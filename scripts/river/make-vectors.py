"""Writes River parity vectors for streamtrain's drift detectors: test/fixtures/river/<detector>.json.

Each file holds seeded streams (stored as values, so the TypeScript side needs no generator), River's drift
indices (and warning indices where River has warnings) for River's default parameters and for one non-default
set, and the matching parameter names on the streamtrain side. ks.json holds SciPy reference values for the
Kolmogorov distribution and the exact two-sample KS p-value.

Run from the repository root with the benchmark virtualenv:
    python3 -m venv bench/.venv && bench/.venv/bin/pip install river numpy
    bench/.venv/bin/python scripts/river/make-vectors.py
"""

from __future__ import annotations

import json
import math
import pathlib
import warnings

import numpy as np
import river
from river import drift
from scipy import special, stats

OUT = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "river"
N = 4000


def bernoulli(rng: np.random.Generator, p: np.ndarray) -> list[int]:
    return [int(v) for v in (rng.random(len(p)) < p)]


def binary_streams() -> dict[str, list[int]]:
    idx = np.arange(N)
    streams = {}
    rng = np.random.default_rng(101)
    streams["abrupt-0.2-0.6-at-2000"] = bernoulli(rng, np.where(idx < 2000, 0.2, 0.6))
    rng = np.random.default_rng(102)
    ramp = np.clip((idx - 1500) / 1000, 0, 1)
    streams["gradual-0.2-0.6-from-1500-to-2500"] = bernoulli(rng, 0.2 + 0.4 * ramp)
    rng = np.random.default_rng(103)
    streams["stationary-0.3"] = bernoulli(rng, np.full(N, 0.3))
    rng = np.random.default_rng(104)
    streams["decrease-0.4-0.1-at-2000"] = bernoulli(rng, np.where(idx < 2000, 0.4, 0.1))
    rng = np.random.default_rng(105)
    streams["steps-0.1-0.5-0.2-0.7-every-1000"] = bernoulli(rng, np.array([0.1, 0.5, 0.2, 0.7])[idx // 1000])
    return streams


def real_streams() -> dict[str, list[float]]:
    idx = np.arange(N)

    def rounded(x: np.ndarray) -> list[float]:
        # Four decimals keep the files small; River runs on exactly these rounded values.
        return [float(v) for v in np.round(x, 4)]

    streams = {}
    rng = np.random.default_rng(201)
    streams["gauss-mean-0-1.5-at-2000"] = rounded(rng.normal(0, 1, N) + np.where(idx < 2000, 0.0, 1.5))
    rng = np.random.default_rng(202)
    streams["gauss-stationary"] = rounded(rng.normal(0, 1, N))
    rng = np.random.default_rng(203)
    streams["gauss-sd-1-3-at-2000"] = rounded(rng.normal(0, 1, N) * np.where(idx < 2000, 1.0, 3.0))
    rng = np.random.default_rng(204)
    streams["gauss-means-0-2-neg1-3-every-1000"] = rounded(rng.normal(0, 1, N) + np.array([0.0, 2.0, -1.0, 3.0])[idx // 1000])
    return streams


# detector file name -> (River class, has warnings, stream kinds, [(set name, River params, streamtrain params)])
DETECTORS = {
    "adwin": (drift.ADWIN, False, ("binary", "real"), [
        ("default", {}, {}),
        ("custom", {"delta": 0.05, "clock": 1, "max_buckets": 3, "min_window_length": 10, "grace_period": 50},
         {"delta": 0.05, "clock": 1, "maxBuckets": 3, "minWindowLength": 10, "gracePeriod": 50}),
    ]),
    "ddm": (drift.binary.DDM, True, ("binary",), [
        ("default", {}, {}),
        ("custom", {"warm_start": 100, "warning_threshold": 1.5, "drift_threshold": 2.5},
         {"warmStart": 100, "warningThreshold": 1.5, "driftThreshold": 2.5}),
    ]),
    "eddm": (drift.binary.EDDM, True, ("binary",), [
        ("default", {}, {}),
        ("custom", {"warm_start": 50, "alpha": 0.9, "beta": 0.8}, {"warmStart": 50, "alpha": 0.9, "beta": 0.8}),
    ]),
    "hddm-a": (drift.binary.HDDMA, True, ("binary",), [
        ("default", {}, {}),
        ("custom", {"drift_confidence": 0.0001, "warning_confidence": 0.01, "two_sided_test": True},
         {"driftConfidence": 0.0001, "warningConfidence": 0.01, "twoSidedTest": True}),
    ]),
    "hddm-w": (drift.binary.HDDMW, True, ("binary",), [
        ("default", {}, {}),
        ("custom", {"drift_confidence": 0.0005, "warning_confidence": 0.01, "lambda_val": 0.1, "two_sided_test": True},
         {"driftConfidence": 0.0005, "warningConfidence": 0.01, "lambda": 0.1, "twoSidedTest": True}),
    ]),
    "page-hinkley": (drift.PageHinkley, False, ("binary", "real"), [
        ("default", {}, {}),
        ("custom", {"min_instances": 50, "delta": 0.01, "threshold": 20.0, "alpha": 0.999, "mode": "up"},
         {"minInstances": 50, "delta": 0.01, "threshold": 20, "alpha": 0.999, "mode": "up"}),
    ]),
    # River's KSWIN seeds random.Random(seed); None would make it irreproducible, so both sets fix a seed.
    "kswin": (drift.KSWIN, False, ("binary", "real"), [
        ("default", {"seed": 42}, {"seed": 42}),
        ("custom", {"alpha": 0.001, "window_size": 200, "stat_size": 60, "seed": 7},
         {"alpha": 0.001, "windowSize": 200, "statSize": 60, "seed": 7}),
    ]),
}


def run(cls, params: dict, values: list, warnings: bool) -> dict:
    detector = cls(**params)
    drifts, warns = [], []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if warnings and detector.warning_detected:
            warns.append(i)
    out = {"driftIndices": drifts}
    if warnings:
        out["warningIndices"] = warns
    return out


def ks_reference() -> dict:
    xs = [0.05, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.99, 1.0, 1.01, 1.2, 1.36, 1.5, 1.63, 2.0, 2.5, 3.0, 4.0]
    exact = []
    for n in (5, 30, 60, 100):
        for h in sorted({1, 2, n // 10 or 1, n // 4, n // 2, n}):
            a = list(range(n))
            b = [v + h - 0.5 for v in a]  # shifted by h ranks: D = h / n
            with warnings.catch_warnings():
                # For tiny D the exact sum can round above 1 and SciPy falls back to its asymptotic formula; such a
                # p-value is ~1, far from any alpha, so KSWIN decides the same either way. Only exact cases are kept.
                warnings.simplefilter("error", RuntimeWarning)
                try:
                    res = stats.ks_2samp(a, b, method="auto")
                except RuntimeWarning:
                    continue
            exact.append({"n": n, "h": h, "statistic": float(res.statistic), "pValue": float(res.pvalue)})
    return {
        "scipyVersion": __import__("scipy").__version__,
        "kolmogorov": [{"x": x, "survival": float(special.kolmogorov(x))} for x in xs],
        "exactEqualSize": exact,
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    streams = {"binary": binary_streams(), "real": real_streams()}
    for name, (cls, warnings, kinds, param_sets) in DETECTORS.items():
        doc = {
            "riverVersion": river.__version__,
            "detector": name,
            "riverClass": f"river.drift.{cls.__module__.split('river.drift.')[-1]}.{cls.__name__}",
            "params": {set_name: {"river": rp, "streamtrain": sp} for set_name, rp, sp in param_sets},
            "streams": [],
        }
        for kind in kinds:
            for stream_name, values in streams[kind].items():
                expected = {set_name: run(cls, rp, values, warnings) for set_name, rp, _ in param_sets}
                doc["streams"].append({"name": stream_name, "values": values, "expected": expected})
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
        summary = {s["name"]: {k: len(v["driftIndices"]) for k, v in s["expected"].items()} for s in doc["streams"]}
        print(f"{path.name}: {path.stat().st_size} bytes, drifts per stream {summary}")
    ks_path = OUT / "ks.json"
    ks_path.write_text(json.dumps(ks_reference(), indent=1) + "\n")
    print(f"{ks_path.name}: {ks_path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
