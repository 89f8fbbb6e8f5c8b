"""Two-dimensional maps of tracks.

In the analysis room: it works on a feature table (``X, y``), never on audio.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

METHODS = ("svd", "tsne", "umap")


def embed(X, method="svd", *, random_state=0, perplexity=30.0):
    """Place every track on a plane, from its standardised features.

    Parameters
    ----------
    X : array-like [shape=(n_tracks, n_features)]
    method : {'svd', 'tsne', 'umap'}
        'svd': TruncatedSVD (linear, the talk's first map); 'tsne': t-SNE
        (non-linear, its second); 'umap': UMAP, when ``umap-learn`` is
        installed.
    random_state : int
    perplexity : float
        t-SNE's, capped below the number of tracks.

    Returns
    -------
    np.ndarray [shape=(n_tracks, 2)]

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.analysis import embed
    >>> X = np.random.default_rng(0).normal(size=(20, 5))
    >>> embed(X, "svd").shape
    (20, 2)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    Z = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64))
    if Z.shape[0] < 3:
        raise ValueError(f"a map needs at least 3 tracks; got {Z.shape[0]}.")
    if method == "svd":
        from sklearn.decomposition import TruncatedSVD

        return TruncatedSVD(n_components=2, random_state=random_state).fit_transform(Z)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = min(perplexity, (Z.shape[0] - 1) / 3)
        return TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=random_state
        ).fit_transform(Z)
    try:
        import umap
    except ImportError:
        raise ImportError("method='umap' needs umap-learn: pip install umap-learn") from None
    return umap.UMAP(n_components=2, random_state=random_state).fit_transform(Z)
