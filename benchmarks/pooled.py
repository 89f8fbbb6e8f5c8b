"""Pool the paired differences of several corpora: one interval from more evidence than one corpus gives.

    python benchmarks/pooled.py DEVCACHE/results-dev.json HELDOUTCACHE/results-heldout.json \\
        [--pairs extended-talk419,essentia-talk419,extended-essentia] [--names dev,heldout]

Each ``results-*.json`` that ``benchmarks/features.py`` writes holds every
variant's score on every fold. For a pair ``A - B``, a view and a model,
each corpus gives the mean of the fold-by-fold differences and its
corrected standard error (``paired.corrected_mean_se``, the corrected
resampled t-test's). The corpora are independent samples of music, so the
pooled difference is their inverse-variance weighted mean, with standard
error ``1 / sqrt(sum of weights)`` and a 95 % interval from Student's t
with the smallest corpus's ``J - 1`` degrees of freedom: a fixed-effect
meta-analysis. Its figure is the average difference over these corpora,
not over music in general. It assumes the true difference is the same on
every corpus; Cochran's Q tests that, and a pooled figure whose corpora
disagree (p < 0.10) is marked ``†`` and should not be read as one number.
With two or three corpora Q has little power: no ``†`` is not evidence
that they agree. Every file must be a different corpus's run (the script
stops on a file given twice): pooling a run with itself would narrow every
interval by a factor of sqrt(2) for nothing, and so would pooling two runs
on one corpus (a main run and an ``--ablate`` run): the script stops when
two files share any variant's fold scores.

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
from features import N_SPLITS, VIEWS  # noqa: E402
from paired import corrected_mean_se, format_difference, format_interval  # noqa: E402

#: The benchmark's k-fold: the corrected variance's test/train ratio is ``1 / (k - 1)``.
TEST_TRAIN_RATIO = 1 / (N_SPLITS - 1)
MODELS = ("RF", "SVM")


def pool(estimates, df):
    """Fixed-effect pooling of ``[(mean, se), ...]``: ``(mean, low, high, q_p)``.

    The interval is Student's t with ``df`` degrees of freedom; ``q_p`` is the
    p-value of Cochran's Q (heterogeneity; nan for one estimate).

    Examples
    --------
    >>> mean, low, high, q_p = pool([(0.04, 0.02), (0.00, 0.02)], df=49)
    >>> round(mean, 3), round(low, 3), round(high, 3), round(q_p, 3)
    (0.02, -0.008, 0.048, 0.157)
    """
    from scipy import stats

    means = np.array([m for m, _ in estimates])
    weights = 1.0 / np.array([se for _, se in estimates]) ** 2
    mean = float(np.sum(weights * means) / np.sum(weights))
    se = float(1.0 / np.sqrt(np.sum(weights)))
    z = stats.t.ppf(0.975, df)
    q = float(np.sum(weights * (means - mean) ** 2))
    q_p = float(stats.chi2.sf(q, len(means) - 1)) if len(means) > 1 else float("nan")
    return mean, float(mean - z * se), float(mean + z * se), q_p


def accuracies(folds, label, view, model):
    """The fold accuracies of ``label`` in one run's ``folds``, or None when it lacks them."""
    scores = folds.get(f"{label}|{view}|{model}")
    return None if scores is None else np.array([acc for acc, _ in scores])


def pooled_table(runs, names, pairs):
    """Markdown lines: per pair, each corpus's difference and the pooled one, per view and model.

    A corpus's cell is its corrected t interval (as in ``features.py``'s tables). A column where a
    corpus lacks the pair, or has a different number of folds for A and B, gets no pooled cell and a
    footnote naming them.
    """
    columns = [(v, m) for v in VIEWS for m in MODELS]
    lines = [
        "| A - B | corpus | " + " | ".join(f"{v} {m}" for v, m in columns) + " |",
        "| --- | --- |" + " ---: |" * len(columns),
    ]
    notes = []
    for a, b in pairs:
        per_corpus = {name: [] for name in names}
        pooled = []
        for view, model in columns:
            estimates, folds_per_corpus = [], []
            for name, folds in zip(names, runs, strict=True):
                fa, fb = accuracies(folds, a, view, model), accuracies(folds, b, view, model)
                if fa is None or fb is None or len(fa) != len(fb):
                    per_corpus[name].append("")
                    notes.append(f"{name} has no paired folds of {a} and {b} in {view} {model}")
                    continue
                estimates.append(corrected_mean_se(fa - fb, TEST_TRAIN_RATIO))
                folds_per_corpus.append(len(fa))
                per_corpus[name].append(format_difference(fa - fb, TEST_TRAIN_RATIO))
            if len(estimates) < len(runs) or min(se for _, se in estimates) == 0:
                pooled.append("")  # a corpus lacks the pair in this column, or it has no spread
                continue
            mean, low, high, q_p = pool(estimates, df=min(folds_per_corpus) - 1)
            dagger = " †" if q_p < 0.10 else ""
            pooled.append(format_interval(mean, low, high) + dagger)
        for name in names:
            lines.append(f"| {a} - {b} | {name} | " + " | ".join(per_corpus[name]) + " |")
        if len(runs) > 1:
            lines.append(f"| {a} - {b} | **pooled** | " + " | ".join(pooled) + " |")
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return lines


def labels_of(runs):
    """Every variant label of the runs (``extended``, ``talk419 + blocks``, ``extended - bands``...)."""
    return {key.split("|")[0] for folds in runs for key in folds}


def parse_pair(pair, known):
    """``(A, B)`` of ``"A-B"``: the split at a ``-`` whose two sides are both known labels.

    Labels may hold a ``-`` themselves (an ablation's ``extended - bands``), so every ``-`` is
    tried; None when no split names two known labels.

    Examples
    --------
    >>> parse_pair("extended - bands-extended", {"extended", "extended - bands"})
    ('extended - bands', 'extended')
    """
    for i, char in enumerate(pair):
        if char == "-":
            a, b = pair[:i].strip(), pair[i + 1 :].strip()
            if a in known and b in known:
                return a, b
    return None


def shared_runs(runs):
    """Pairs of run indices that share a label's fold scores: one run given twice, or two of one corpus."""
    out = []
    for j in range(len(runs)):
        for i in range(j):
            if any(key in runs[i] and runs[i][key] == scores for key, scores in runs[j].items()):
                out.append((i, j))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", nargs="+", help="results-*.json files of benchmarks/features.py, one per corpus"
    )
    parser.add_argument("--names", help="comma-separated corpus names (default: the files' parent folders)")
    parser.add_argument(
        "--pairs",
        default="extended-talk419,essentia-talk419,extended-essentia",
        help="comma-separated A-B pairs of variant labels (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    names = args.names.split(",") if args.names else [Path(p).parent.name for p in args.results]
    if len(names) != len(args.results):
        parser.error("--names: one name per results file")
    if len(set(names)) != len(names):
        parser.error(f"two results files have the same name ({', '.join(names)}): give --names")
    runs = []
    for path in args.results:
        try:
            runs.append(json.loads(Path(path).read_text())["folds"])
        except (OSError, ValueError, KeyError) as error:
            parser.error(f"{path}: not a results file of benchmarks/features.py ({error})")
    for i, j in shared_runs(runs):  # pooling one corpus twice would narrow every interval for nothing
        parser.error(
            f"{args.results[i]} and {args.results[j]} share fold scores: they are runs on one corpus "
            "(or one run twice); pool one run per corpus"
        )
    known = labels_of(runs)
    pairs = []
    for pair in args.pairs.split(","):
        parsed = parse_pair(pair, known)
        if parsed is None:
            parser.error(
                f"--pairs: {pair!r} is not A-B of two labels of the runs: {', '.join(sorted(known))}"
            )
        pairs.append(parsed)
    print("\n".join(pooled_table(runs, names, pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
