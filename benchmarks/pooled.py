"""Pool the paired differences of several corpora: one interval from more evidence than one corpus gives.

    python benchmarks/pooled.py DEV/results-*.json HELDOUT/results-*.json \\
        [--pairs extended-talk419,essentia-talk419,extended-essentia] [--names dev,heldout]

Each ``results-*.json`` that ``benchmarks/features.py`` writes holds every
variant's score on every fold. For a pair ``A - B``, a view and a model,
each corpus gives the mean of the fold-by-fold differences and its
corrected standard error (``paired.corrected_mean_se``, the corrected
resampled t-test's). The corpora are independent samples of music, so the
pooled difference is their inverse-variance weighted mean, with standard
error ``1 / sqrt(sum of weights)`` and a normal 95 % interval: a
fixed-effect meta-analysis. It assumes the true difference is the same on
every corpus; Cochran's Q tests that, and a pooled figure whose corpora
disagree (p < 0.10) is marked ``†`` and should not be read as one number.

References: W. G. Cochran, "The combination of estimates from different
experiments", Biometrics 10 (1954) 101-129; M. Borenstein et al.,
*Introduction to Meta-Analysis*, Wiley 2009, ch. 11 and 16.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paired import corrected_mean_se, format_difference  # noqa: E402

#: The benchmark's k-fold: the corrected variance's test/train ratio is ``1 / (k - 1)``.
TEST_TRAIN_RATIO = 1 / 4
VIEWS = ("tracks", "excerpts", "excerpts10")
MODELS = ("RF", "SVM")


def pool(estimates):
    """Fixed-effect pooling of ``[(mean, se), ...]``: ``(mean, low, high, q_p)``.

    ``q_p`` is the p-value of Cochran's Q (heterogeneity; nan for one estimate).

    Examples
    --------
    >>> mean, low, high, q_p = pool([(0.04, 0.02), (0.00, 0.02)])
    >>> round(mean, 3), round(low, 3), round(high, 3), round(q_p, 3)
    (0.02, -0.008, 0.048, 0.157)
    """
    from scipy import stats

    means = np.array([m for m, _ in estimates])
    weights = 1.0 / np.array([se for _, se in estimates]) ** 2
    mean = float(np.sum(weights * means) / np.sum(weights))
    se = float(1.0 / np.sqrt(np.sum(weights)))
    z = stats.norm.ppf(0.975)
    q = float(np.sum(weights * (means - mean) ** 2))
    q_p = float(stats.chi2.sf(q, len(means) - 1)) if len(means) > 1 else float("nan")
    return mean, float(mean - z * se), float(mean + z * se), q_p


def accuracies(folds, label, view, model):
    """The fold accuracies of ``label`` in one run's ``folds``, or None when it lacks them."""
    scores = folds.get(f"{label}|{view}|{model}")
    return None if scores is None else np.array([acc for acc, _ in scores])


def pooled_table(runs, names, pairs):
    """Markdown lines: per pair, each corpus's difference and the pooled one, per view and model.

    A corpus's cell is its corrected t interval (as in ``features.py``'s tables); the pooled cell's
    interval is normal, which the corpora's 50-fold t intervals are close to.
    """
    columns = [(v, m) for v in VIEWS for m in MODELS]
    lines = [
        "| A - B | corpus | " + " | ".join(f"{v} {m}" for v, m in columns) + " |",
        "| --- | --- |" + " ---: |" * len(columns),
    ]
    for a, b in pairs:
        per_corpus = {name: [] for name in names}
        pooled = []
        for view, model in columns:
            estimates = []
            for name, folds in zip(names, runs, strict=True):
                fa, fb = accuracies(folds, a, view, model), accuracies(folds, b, view, model)
                if fa is None or fb is None or len(fa) != len(fb):
                    per_corpus[name].append("")
                    continue
                estimates.append(corrected_mean_se(fa - fb, TEST_TRAIN_RATIO))
                per_corpus[name].append(format_difference(fa - fb, TEST_TRAIN_RATIO))
            if len(estimates) < len(runs) or min(se for _, se in estimates) == 0:
                pooled.append("")  # a corpus lacks the pair in this column, or it has no spread
                continue
            mean, low, high, q_p = pool(estimates)
            star = " *" if low > 0 or high < 0 else ""
            dagger = " †" if q_p < 0.10 else ""
            pooled.append(f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]{star}{dagger}")
        for name in names:
            lines.append(f"| {a} - {b} | {name} | " + " | ".join(per_corpus[name]) + " |")
        lines.append(f"| {a} - {b} | **pooled** | " + " | ".join(pooled) + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", nargs="+", help="results-*.json files of benchmarks/features.py, one a corpus"
    )
    parser.add_argument("--names", help="comma-separated corpus names (default: the files' parent folders)")
    parser.add_argument(
        "--pairs",
        default="extended-talk419,essentia-talk419,extended-essentia",
        help="comma-separated A-B pairs of set labels",
    )
    args = parser.parse_args(argv)
    names = args.names.split(",") if args.names else [Path(p).parent.name for p in args.results]
    if len(names) != len(args.results):
        parser.error("--names: one name per results file")
    pairs = []
    for pair in args.pairs.split(","):
        a, sep, b = pair.partition("-")
        if not sep or not a or not b:
            parser.error(f"--pairs: {pair!r} is not A-B")
        pairs.append((a, b))
    runs = []
    for path in args.results:
        try:
            runs.append(json.loads(Path(path).read_text())["folds"])
        except (OSError, ValueError, KeyError) as error:
            parser.error(f"{path}: not a results file of benchmarks/features.py ({error})")
    print("\n".join(pooled_table(runs, names, pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
