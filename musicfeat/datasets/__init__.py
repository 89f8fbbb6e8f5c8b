"""Data that ships with musicfeat.

Only public-domain or CC BY material is bundled; librosa's CC BY-NC examples
are never copied into the installed package. A leaf room: the example
recording and the talk's own feature table, read by the tests, the docs and
the command line.
"""

from importlib import resources

__all__ = ["example_audio", "EXAMPLE_ATTRIBUTION", "load_talk_features", "TALK_ATTRIBUTION", "TALK_RESULTS"]


def example_audio():
    """Path of the bundled example recording.

    A 12-second excerpt of Brahms' Hungarian Dance No. 5 (US Army Strings,
    public domain; see :data:`EXAMPLE_ATTRIBUTION`), mono Ogg Vorbis at
    22,050 Hz.

    Returns
    -------
    str

    Examples
    --------
    >>> from musicfeat.datasets import example_audio
    >>> example_audio().endswith("brahms_hungarian_dance_5.ogg")
    True
    """
    return str(resources.files(__name__).joinpath("data", "brahms_hungarian_dance_5.ogg"))


#: Credit line of :func:`example_audio`.
EXAMPLE_ATTRIBUTION = (
    "Johannes Brahms, Hungarian Dance No. 5 (string orchestra), US Army Strings; "
    "public domain, via Musopen; first 12 s, mono, 22,050 Hz."
)


#: Credit line of :func:`load_talk_features`.
TALK_ATTRIBUTION = (
    "Feature table of the talk 'Machine learning with music' (informationcake/music-machine-learning, "
    "load_songs.py), Apache License 2.0."
)

#: The talk's results on this table (random forest, half of each artist's songs to train).
TALK_RESULTS = {
    "Classical or Taylor Swift?": {"labels": ["Classical", "TaylorSwift"], "precision": 1.00, "recall": 1.00},
    "Avril Lavigne or Taylor Swift?": {"labels": ["AvrilLavigne", "TaylorSwift"], "precision": 0.73},
    "12 musicians all together": {"drop_labels": ["Xmas"], "precision": 0.79, "f1": 0.78},
}


def load_talk_features():
    """The talk's own feature table: 247 features of 2,333 songs by 13 artists.

    Made by the original scripts of "Machine learning with music" (an older
    librosa and the older 247-feature set, not musicfeat's 419): 23
    song-level features (``rmseP_a``, ``centroid_a``, ``bpm``, ...) and 8
    statistics of harmonic and percussive energy in each of 4 and 24
    log-spaced bands. Artists (songs): AvrilLavigne 91, BoardsOfCanada 214,
    Classical 467, FooFighters 99, ImogenHeap 61, MichaelJackson 60,
    PinkFloyd 107, REM 111, TaylorSwift 95, TheFlashbulb 560,
    TommyEmmanuel 114, Xmas 323, Zero7 31. Apache License 2.0
    (:data:`TALK_ATTRIBUTION`); :data:`TALK_RESULTS` holds the talk's scores.

    Returns
    -------
    X : np.ndarray [shape=(2333, 247)]
    y : np.ndarray of str
        The artist of each song.
    feature_names : list of str
    table : pandas.DataFrame
        ``path``, ``label`` and the features.

    Examples
    --------
    >>> from musicfeat.datasets import load_talk_features
    >>> X, y, names, table = load_talk_features()
    >>> X.shape, len(set(y))
    ((2333, 247), 13)
    """
    import pandas as pd

    with resources.files(__name__).joinpath("data", "talk_features_247.csv.xz").open("rb") as f:
        table = pd.read_csv(f, compression="xz", keep_default_na=False)
    names = [c for c in table.columns if c not in ("path", "label")]
    return table[names].to_numpy(dtype=float), table["label"].to_numpy(dtype=str), names, table
