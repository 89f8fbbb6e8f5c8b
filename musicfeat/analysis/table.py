"""Selecting labels and counting them.

In the analysis room: it works on a feature table (``X, y``), never on audio.
"""

import numpy as np


def select_labels(y, labels=None, drop_labels=None):
    """Boolean mask of the rows to keep: only ``labels`` (if given), minus ``drop_labels``.

    The talk's pairwise questions ("Avril Lavigne or Taylor Swift?") keep two
    labels; "12 musicians all together" drops one.

    Raises
    ------
    ValueError
        If a named label is not in ``y``, or nothing is left.

    Examples
    --------
    >>> import numpy as np
    >>> from musicfeat.analysis import select_labels
    >>> y = np.array(["a", "b", "c", "a"])
    >>> select_labels(y, drop_labels=["c"])
    array([ True,  True, False,  True])
    """
    y = np.asarray(y).astype(str)
    present = set(y.tolist())  # Python str, shown as 'jazz' (not np.str_('jazz')) in messages
    keep = np.ones(y.size, dtype=bool)
    for name, chosen in (("labels", labels), ("drop_labels", drop_labels)):
        if chosen is None:
            continue
        unknown = sorted({str(label) for label in chosen} - present)
        if unknown:
            raise ValueError(f"{name}: {unknown} not among the table's labels {sorted(present)}.")
    if labels is not None:
        keep &= np.isin(y, list(labels))
    if drop_labels is not None:
        keep &= ~np.isin(y, list(drop_labels))
    if not keep.any():
        raise ValueError("no track is left after selecting labels.")
    return keep


def class_balance(y, *, train_mask=None):
    """Tracks per label (and per side of a split), shown next to every result.

    Parameters
    ----------
    y : array-like of str
    train_mask : array-like of bool, optional
        Adds ``train`` and ``test`` counts.

    Returns
    -------
    pandas.DataFrame
        Indexed by label: ``tracks``, ``share``, and ``train``/``test``.

    Examples
    --------
    >>> from musicfeat.analysis import class_balance
    >>> class_balance(["a", "b", "a"])["tracks"].to_dict()
    {'a': 2, 'b': 1}
    """
    import pandas as pd

    y = np.asarray(y).astype(str)
    labels, counts = np.unique(y, return_counts=True)
    table = pd.DataFrame(
        {"tracks": counts, "share": counts / counts.sum()}, index=pd.Index(labels, name="label")
    )
    if train_mask is not None:
        train_mask = np.asarray(train_mask, dtype=bool)
        table["train"] = [int(np.sum((y == lab) & train_mask)) for lab in labels]
        table["test"] = [int(np.sum((y == lab) & ~train_mask)) for lab in labels]
    return table
