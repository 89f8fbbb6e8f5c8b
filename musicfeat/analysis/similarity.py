"""How alike the labels are: distances between their mean feature vectors.

In the analysis room: it works on a feature table (``X, y``), never on audio.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler


def label_distances(X, y):
    """Euclidean distance between the labels' mean standardised feature vectors.

    Each feature is standardised over all tracks, each label is summarised
    by the mean of its tracks, and ``D[i, j] = ||mean_i - mean_j||``: the
    talk's similarity matrix of artists (small is alike). Symmetric with a
    zero diagonal.

    Returns
    -------
    labels : np.ndarray of str (sorted)
    D : np.ndarray [shape=(n_labels, n_labels)]

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.analysis import label_distances
    >>> X = np.array([[0.0, 0.0], [0.0, 0.2], [3.0, 3.0], [3.0, 3.2]])
    >>> labels, D = label_distances(X, ["a", "a", "b", "b"])
    >>> labels.tolist(), D.round(2).tolist()
    (['a', 'b'], [[0.0, 2.83], [2.83, 0.0]])
    """
    y = np.asarray(y).astype(str)
    Z = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64))
    labels = np.unique(y)
    means = np.vstack([Z[y == label].mean(axis=0) for label in labels])
    diff = means[:, None, :] - means[None, :, :]
    D = np.sqrt((diff**2).sum(axis=-1))
    np.fill_diagonal(D, 0.0)
    return labels, (D + D.T) / 2
