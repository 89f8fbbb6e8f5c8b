"""Which features mattered.

In the analysis room: it works on a feature table (``X, y``), never on audio.
"""

import numpy as np
from sklearn.metrics import accuracy_score


def _forest(model):
    model = getattr(model, "estimator_", model)  # inside CodedLabels
    steps = getattr(model, "steps", None)
    final = steps[-1][1] if steps else model
    return final if hasattr(final, "estimators_") and hasattr(final, "feature_importances_") else None


def feature_importance(result, X, y, feature_names, *, top=20, n_repeats=5, random_state=0):
    """Impurity and permutation importance, with their spread.

    Impurity importance is the forest's mean decrease in impurity, with its
    standard deviation across trees. Permutation importance is the drop in
    test accuracy when one feature's test values are shuffled, with its
    standard deviation across ``n_repeats`` shuffles; it is computed for the
    ``top`` features by impurity (all features when the model is not a
    forest), since each costs ``n_repeats`` predictions.

    Parameters
    ----------
    result : ClassificationResult
        From a hold-out :func:`classify` (it holds the model and test rows).
    X, y : the arrays given to :func:`classify`
    feature_names : sequence of str
    top : int, default=20
    n_repeats : int, default=5
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        One row per feature (``feature`` column), sorted by importance:
        ``impurity_mean``, ``impurity_std``, ``permutation_mean``,
        ``permutation_std`` (NaN where not computed).
    """
    import pandas as pd

    if result.model is None:
        raise ValueError("feature_importance needs a hold-out result (classify without cv=).")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(str)
    names = list(feature_names)
    if len(names) != X.shape[1]:
        raise ValueError(f"{len(names)} feature names for {X.shape[1]} columns.")
    table = pd.DataFrame({"feature": names})
    forest = _forest(result.model)
    if forest is not None:
        per_tree = np.array([tree.feature_importances_ for tree in forest.estimators_])
        table["impurity_mean"] = forest.feature_importances_
        table["impurity_std"] = per_tree.std(axis=0)
        chosen = np.argsort(-forest.feature_importances_, kind="stable")[:top]
    else:
        table["impurity_mean"] = np.nan
        table["impurity_std"] = np.nan
        chosen = np.arange(len(names))
    X_test, y_test = X[result.test_index].copy(), y[result.test_index]
    baseline = accuracy_score(y_test, result.model.predict(X_test))
    rng = np.random.default_rng(random_state)
    table["permutation_mean"] = np.nan
    table["permutation_std"] = np.nan
    for j in chosen:
        original = X_test[:, j].copy()
        drops = []
        for _ in range(n_repeats):
            X_test[:, j] = rng.permutation(original)
            drops.append(baseline - accuracy_score(y_test, result.model.predict(X_test)))
        X_test[:, j] = original
        table.loc[j, ["permutation_mean", "permutation_std"]] = [np.mean(drops), np.std(drops)]
    order = "impurity_mean" if forest is not None else "permutation_mean"
    return table.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)
