"""The development suite's regression streams (issue #21 item 2), written by generate.py next to the classification ones.

River's regression generators (seeded) and regression datasets bundled inside the river package (files in the
wheel; nothing is downloaded). Each spec has `task: "regression"`; its file has the same header as a classification
stream's (`f0,...,f{d-1},y`), with y the target as a number. Nominal attributes are encoded in make() (Mv: its
colour one-hot, its yes/no and normal/large attributes 0/1), so every learner reads the same numbers.

FriedmanDrift's drift types (River): `gsg` global and slow gradual (the change points are the centres of transitions
of `transition_window` records), `gra` global recurring abrupt (the second point reverts to the first concept), `lea`
local expanding abrupt (three points; each widens the region of the input space that changed).
"""
import itertools


def _mv_numeric(stream):
    colours = ["red", "green", "brown"]
    for x, y in stream:
        out = {}
        for k, v in x.items():
            if k == 3:
                out.update({f"3={c}": 1 if v == c else 0 for c in colours})
            elif k == 7:
                out[k] = 1 if v == "yes" else 0
            elif k == 8:
                out[k] = 1 if v == "large" else 0
            else:
                out[k] = v
        yield out, y


def _solar_flare_numeric(stream):
    """SolarFlare's nominal attributes one-hot (the values River's file has), its target the C-class flare count."""
    levels = {"zurich-class": "ABCDEFH", "largest-spot-size": "XRSAHK", "spot-distribution": "XOIC"}
    for x, y in stream:
        out = {}
        for k, v in x.items():
            if k in levels:
                out.update({f"{k}={c}": 1 if v == c else 0 for c in levels[k]})
            else:
                out[k] = v
        yield out, y["c-class-flares"]


def _water_flow_numeric(stream):
    """WaterFlow's timestamp as hours since the first record and the hour of day as sine and cosine."""
    import math
    start = None
    for x, y in stream:
        t = x["Time"]
        start = start or t
        hour = t.hour + t.minute / 60
        yield {"hours": (t - start).total_seconds() / 3600, "hour_sin": math.sin(2 * math.pi * hour / 24),
               "hour_cos": math.cos(2 * math.pi * hour / 24)}, y


def regression_specs():
    from river import datasets
    from river.datasets import synth

    def friedman_drift(drift_type, position, window, seed):
        return lambda: synth.FriedmanDrift(drift_type=drift_type, position=position, transition_window=window, seed=seed)

    return [
        dict(name="reg-friedman", kind="regression, non-linear (Friedman #1), 5 of 10 features relevant", drift="none",
             driftPoints=[], size=10_000, task="regression",
             source={"generator": "river.datasets.synth.Friedman", "params": {"seed": 301}},
             make=lambda: synth.Friedman(seed=301)),
        dict(name="reg-friedman-gsg", kind="regression, non-linear (Friedman #1), target around 15",
             drift="gradual, global", driftPoints=[7_000, 14_000], size=20_000, task="regression",
             source={"generator": "river.datasets.synth.FriedmanDrift",
                     "params": {"drift_type": "gsg", "position": [7_000, 14_000], "transition_window": 1_000,
                                "seed": 42}, "note": "issue #21's stream"},
             make=friedman_drift("gsg", (7_000, 14_000), 1_000, 42)),
        dict(name="reg-friedman-gra", kind="regression, non-linear (Friedman #1)", drift="abrupt, global, recurring",
             driftPoints=[7_000, 14_000], size=20_000, task="regression",
             source={"generator": "river.datasets.synth.FriedmanDrift",
                     "params": {"drift_type": "gra", "position": [7_000, 14_000], "seed": 302}},
             make=friedman_drift("gra", (7_000, 14_000), 0, 302)),
        dict(name="reg-friedman-lea", kind="regression, non-linear (Friedman #1)", drift="abrupt, local, expanding",
             driftPoints=[4_000, 8_000, 12_000], size=15_000, task="regression",
             source={"generator": "river.datasets.synth.FriedmanDrift",
                     "params": {"drift_type": "lea", "position": [4_000, 8_000, 12_000], "seed": 303}},
             make=friedman_drift("lea", (4_000, 8_000, 12_000), 0, 303)),
        dict(name="reg-mv", kind="regression, rules over mixed attributes (Mv), nominal encoded", drift="none",
             driftPoints=[], size=10_000, task="regression",
             source={"generator": "river.datasets.synth.Mv", "params": {"seed": 311},
                     "encoding": "x3 one-hot (red, green, brown); x7 yes = 1; x8 large = 1"},
             make=lambda: _mv_numeric(synth.Mv(seed=311))),
        dict(name="reg-planes2d", kind="regression, piecewise linear (Planes2D), 10 ternary features", drift="none",
             driftPoints=[], size=10_000, task="regression",
             source={"generator": "river.datasets.synth.Planes2D", "params": {"seed": 321}},
             make=lambda: synth.Planes2D(seed=321)),
        dict(name="reg-trump-approval", kind="regression, real daily series (approval rating), small",
             drift="unknown", driftPoints=None, size=1_001, task="regression",
             source={"bundled": "river.datasets.TrumpApproval", "file": "trump_approval.csv.gz",
                     "derivation": "as shipped: FiveThirtyEight's rating from the date and five pollsters' ratings"},
             make=lambda: datasets.TrumpApproval()),
        dict(name="reg-chick-weights", kind="regression, real (chick weight by age, chick and diet), small",
             drift="unknown", driftPoints=None, size=578, task="regression",
             source={"bundled": "river.datasets.ChickWeights", "file": "chick-weights.csv",
                     "derivation": "as shipped: time, chick id and diet as numbers"},
             make=lambda: datasets.ChickWeights()),
        # Added by decision 019 (rule written before they were generated).
        dict(name="reg-sp500", kind="regression, real daily returns of ten stocks, small", drift="unknown",
             driftPoints=None, size=1_257, task="regression",
             source={"bundled": "river.datasets.SP500Stocks", "file": "sp500.csv.gz", "derivation": "as shipped"},
             make=lambda: datasets.SP500Stocks()),
        dict(name="reg-solar-flare", kind="regression, real (counts of C-class solar flares), nominal encoded, small",
             drift="unknown", driftPoints=None, size=1_066, task="regression",
             source={"bundled": "river.datasets.SolarFlare", "file": "solar-flare.csv.zip",
                     "derivation": "target c-class-flares; zurich-class, largest-spot-size, spot-distribution one-hot"},
             make=lambda: _solar_flare_numeric(datasets.SolarFlare())),
        dict(name="reg-water-flow", kind="regression, real hourly series (water flow), small", drift="unknown",
             driftPoints=None, size=1_268, task="regression",
             source={"bundled": "river.datasets.WaterFlow", "file": "water-flow.csv",
                     "derivation": "hours since the first record, hour of day as sine and cosine"},
             make=lambda: _water_flow_numeric(datasets.WaterFlow())),
        dict(name="reg-friedman-large", kind="regression, non-linear (Friedman #1), large", drift="none",
             driftPoints=[], size=200_000, task="regression",
             source={"generator": "river.datasets.synth.Friedman", "params": {"seed": 331}},
             make=lambda: synth.Friedman(seed=331)),
        dict(name="reg-friedman-gsg-late", kind="regression, non-linear (Friedman #1), slow gradual drift, large",
             drift="gradual, global", driftPoints=[30_000, 60_000], size=80_000, task="regression",
             source={"generator": "river.datasets.synth.FriedmanDrift",
                     "params": {"drift_type": "gsg", "position": [30_000, 60_000], "transition_window": 5_000,
                                "seed": 333}},
             make=friedman_drift("gsg", (30_000, 60_000), 5_000, 333)),
        dict(name="reg-mv-2", kind="regression, rules over mixed attributes (Mv), nominal encoded", drift="none",
             driftPoints=[], size=20_000, task="regression",
             source={"generator": "river.datasets.synth.Mv", "params": {"seed": 312},
                     "encoding": "x3 one-hot (red, green, brown); x7 yes = 1; x8 large = 1"},
             make=lambda: _mv_numeric(synth.Mv(seed=312))),
    ]


def materialize_regression(spec, limit, num):
    """The CSV text of a regression stream, its feature names and record count; `num` formats a value."""
    n = min(spec["size"], limit) if limit else spec["size"]
    rows = list(itertools.islice(spec["make"](), n))
    if len(rows) != n:
        raise SystemExit(f"{spec['name']}: expected {n} records, got {len(rows)}")
    names = [str(k) for k in rows[0][0]]
    lines = [",".join([f"f{i}" for i in range(len(names))] + ["y"])]
    for x, y in rows:
        if len(x) != len(names):
            raise SystemExit(f"{spec['name']}: a record with {len(x)} features, expected {len(names)}")
        lines.append(",".join(num(v) for v in x.values()) + f",{num(y)}")
    return "\n".join(lines) + "\n", names, n


def regression_entry(text, n):
    """Manifest fields of a regression stream: the target's mean and deviation, the last-value reference's MAE."""
    ys = [float(line.rsplit(",", 1)[1]) for line in text.splitlines()[1:]]
    mean = sum(ys) / n
    sd = (sum((y - mean) ** 2 for y in ys) / n) ** 0.5
    last = sum(abs(ys[i] - (ys[i - 1] if i else 0.0)) for i in range(n)) / n
    return {"classes": 1, "task": "regression", "targetMean": round(mean, 4), "targetSd": round(sd, 4),
            "lastValueMae": round(last, 4), "majority": None, "noChange": None}
