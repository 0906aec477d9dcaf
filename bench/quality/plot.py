#!/usr/bin/env python3
"""Plots prequential accuracy over time, per dataset, for the learning-quality benchmark.

Reads bench/results/quality-peers.json and, if present, bench/results/quality-streamtrain.json (same `results`
entry format). For every (dataset, family) it draws the best-of-family entry only (the one flagged bestOfFamily,
or the highest accuracy if none is flagged): windowed accuracy (the entry's `curve`, [end_index, acc]) against
samples seen (diagnostic runs, flagged `diagnostic`, are left out). streamtrain families are solid lines, Python peers dashed; SEA's drift points are dotted vertical
lines. Writes bench/results/quality-accuracy.png (one stacked panel per dataset: elec2, then sea).

Usage: python3 bench/quality/plot.py [--peers FILE] [--streamtrain FILE] [--out FILE]
The script creates/updates bench/.venv from bench/quality/requirements.txt and re-executes itself inside it.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from venv_bootstrap import ensure_venv  # noqa: E402

if __name__ == "__main__":
    ensure_venv(__file__)

import argparse  # noqa: E402
import json  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "results"
DATASET_ORDER = ["elec2", "sea"]
TITLES = {
    "elec2": "Elec2 (real world, drift points unknown)",
    "sea": "SEA concepts (abrupt drift at 12,500 / 25,000 / 37,500; 10% label noise)",
}
DRIFT = {"sea": [12_500, 25_000, 37_500]}
PEER_NAMES = {"river-logreg": "River LogisticRegression", "river-arf": "River ARF", "river-hat": "River HAT",
              "sklearn-sgd": "sklearn SGDClassifier"}

PEER_COLORS = {"river-arf": "#d62728", "river-hat": "#9467bd", "river-logreg": "#8c564b", "sklearn-sgd": "#7f7f7f"}
OWN_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#17becf", "#bcbd22", "#e377c2", "#000000"]


def load(path: Path, source: str) -> list:
    doc = json.loads(path.read_text())
    entries = [e for e in doc.get("results", []) if not e.get("diagnostic")]  # diagnostics: tables only
    for e in entries:
        e["_source"] = source
    return entries


def best_per_family(entries: list) -> dict:
    """{dataset: [entry, ...]} with one entry per family."""
    groups: dict = {}
    for e in entries:
        groups.setdefault((e["dataset"], e["family"]), []).append(e)
    out: dict = {}
    for (dataset, _family), es in groups.items():
        flagged = [e for e in es if e.get("bestOfFamily")]
        best = flagged[0] if flagged else max(es, key=lambda e: e["accuracy"])
        out.setdefault(dataset, []).append(best)
    for dataset in out:  # streamtrain first, then by accuracy, best first
        out[dataset].sort(key=lambda e: (e["_source"] != "streamtrain", -e["accuracy"]))
    return out


def params_text(e: dict) -> str:
    p = e.get("params") or {}
    keep = {k: v for k, v in p.items() if k in ("lr", "learningRate", "K", "W", "window", "k", "w")}
    return ", ".join(f"{k}={v}" for k, v in keep.items())


def label_of(e: dict) -> str:
    name = PEER_NAMES.get(e["family"], e["family"])
    params = params_text(e)
    return f"{name}{f' ({params})' if params else ''}: {e['accuracy']:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", type=Path, default=RESULTS / "quality-peers.json")
    ap.add_argument("--streamtrain", type=Path, default=RESULTS / "quality-streamtrain.json")
    ap.add_argument("--out", type=Path, default=RESULTS / "quality-accuracy.png")
    args = ap.parse_args()

    entries = load(args.peers, "peers")
    sources = [str(args.peers)]
    if args.streamtrain.exists():
        entries += load(args.streamtrain, "streamtrain")
        sources.append(str(args.streamtrain))
    else:
        print(f"[plot] {args.streamtrain} not found: plotting the peers only", file=sys.stderr)
    best = best_per_family(entries)
    datasets = [d for d in DATASET_ORDER if d in best] + sorted(d for d in best if d not in DATASET_ORDER)
    if not datasets:
        raise SystemExit("no results to plot")

    families = sorted({e["family"] for es in best.values() for e in es},
                      key=lambda f: (not f.startswith(("streamtrain", "stateless")), f))
    # Peers have fixed colours; streamtrain families take the remaining distinct ones, in order.
    own = [f for f in families if f not in PEER_COLORS]
    palette = OWN_COLORS + [plt.get_cmap("tab20")(i) for i in range(1, 20, 2)]
    color = {**PEER_COLORS, **{f: palette[i % len(palette)] for i, f in enumerate(own)}}
    batch = sorted({e.get("batchSize") for es in best.values() for e in es if e.get("batchSize")})

    fig, axes = plt.subplots(len(datasets), 1, figsize=(13, 4.6 * len(datasets)), squeeze=False)
    for ax, dataset in zip(axes[:, 0], datasets):
        lo = 1.0
        for e in best[dataset]:
            xs = [p[0] for p in e["curve"]]
            ys = [p[1] for p in e["curve"]]
            lo = min(lo, min(ys))
            peer = e["_source"] == "peers"
            ax.plot(xs, ys, color=color[e["family"]], lw=1.4 if peer else 2.0, ls="--" if peer else "-",
                    label=label_of(e), alpha=0.95)
        for i, x in enumerate(DRIFT.get(dataset, [])):
            ax.axvline(x, color="0.35", ls=":", lw=1.3, label="drift point" if i == 0 else None)
        ax.set_title(TITLES.get(dataset, dataset), fontsize=12, loc="left")
        ax.set_xlabel("samples seen")
        ax.set_ylabel("accuracy (window of 1,000)")
        ax.set_ylim(max(0.0, lo - 0.03), 1.0)
        ax.set_xlim(0, max(p[0] for e in best[dataset] for p in e["curve"]))
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{int(v):,}"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False,
                  title="best grid point: whole-stream acc.", title_fontsize=9)
    styles = "solid = streamtrain, dashed = Python peers" if len(sources) > 1 else "Python peers only"
    fig.suptitle(f"Prequential accuracy (test-then-train, batch size {', '.join(map(str, batch))}); {styles}",
                 fontsize=12)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"[plot] wrote {args.out} from {', '.join(sources)}", file=sys.stderr)


if __name__ == "__main__":
    main()
