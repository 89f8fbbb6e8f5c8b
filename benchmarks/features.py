"""Feature sets on a corpus of real music: accuracy, macro-F1 and extraction cost, in one run.

    python benchmarks/corpus.py DEVCORPUS        # or: --corpus heldout HELDOUT
    python benchmarks/features.py --corpus DEVCORPUS --cache-dir CACHE \\
        [--sets talk419,extended,mfcc40,essentia,cand] [--repeats 10] [--jobs 1] [--out results.md]

The corpus is one ``benchmarks/corpus.py`` builds from pinned Debian
packages (``OUT/music/manifest.csv``): the development corpus (9
composers, 96 tracks; the same as ``../shared/tools/make-dev-corpus``'s)
or the held-out one (8 composers, 58 tracks, which no feature was tuned
on). Give each corpus its own ``CACHE``: clips are keyed by class and
file name. Features are
extracted once per clip and kept in ``CACHE`` as ``.npz`` files (no
pickle); a second run scores from the cache. Keep the corpus and the cache
out of the repository.

Clips: two views of the same tracks
    *tracks*: each whole track, one clip. *excerpts*: 30-s excerpts, several
    per track, evenly spaced and never overlapping. The rule: a track of
    ``D`` seconds gives ``n = min(4, floor(D / 30))`` excerpts (every track of
    the corpus lasts at least 30 s); the track is cut into ``n`` equal parts
    and excerpt ``i`` is the 30 s centred in part ``i`` (it starts at
    ``(i + 0.5) * D / n - 15`` s). Parts are at least 30 s long, so
    excerpts never overlap, and the first and last seconds of a track
    (intros, fades) are avoided when the track allows. *excerpts10*: the
    middle 10 s of each 30-s excerpt (starting at ``start + 10`` s): the same
    clips, tracks and folds, a third as long, so the two lengths are paired.

Feature sets (plug-ins: :class:`FeatureSet`, :func:`make_sets`)
    ``talk419``: ``MusicFeatures()``. ``extended``: ``MusicFeatures(
    feature_set="extended")`` when the installed musicfeat has it.
    ``mfcc40``: mean and standard deviation over frames of 20 MFCC
    (``librosa.feature.mfcc`` defaults) of the whole clip. ``essentia``:
    Essentia's ``MusicExtractor`` (``essentia_features.py``, run by the
    Python given by ``--essentia-python`` in its own environment):
    ``metadata.*`` and string descriptors dropped, every other descriptor
    flattened, kept when it has the same length in every clip, columns in
    sorted order (indices as numbers). Clips MusicExtractor refuses
    (digital silence) are rows of NaN, listed in the results; every model
    starts with a mean imputer fitted in the fold, so they are scored with
    the training clips' means. ``cand``: issue 20's candidate summaries
    (``candidates.py``: spectral covariance, single-Gaussian MFCC model,
    block-level patterns), never scored alone: each of its groups is
    appended to each ``--candidate-bases`` set (``talk419 + blocks``...). Every clip is decoded by musicfeat's
    ``load_audio`` (as ``librosa.load``: mono, 22,050 Hz, soxr_hq; a track
    it refuses is decoded by ``librosa.load`` itself, and listed), except
    Essentia's, which decodes and resamples itself (44.1 kHz).

The cache is keyed on each set's version and a digest of the musicfeat code
that computes the values (:data:`COMPUTING_CODE`); fold scores are cached
too, keyed on everything they depend on (every seed is fixed).

A set whose groups learn from training clips (the ``extended`` set's VLAD
codebook) is fitted inside each fold, on the fold's training clips only:
the cache keeps what the group's API lets one keep of a clip
(the group's data of the clip, its frames), and each fold calls ``fit_clips``
on the training clips' ``fit_sample`` and ``encode`` on every clip's data, which
is what ``MusicFeatures`` inside a ``Pipeline`` does, without analysing
each clip again in every fold.

Protocol (the same for every set)
    tracks: ``RepeatedStratifiedKFold(5, n_repeats=R)``; excerpts:
    ``StratifiedGroupKFold(5, shuffle=True)`` grouped by track (no track on
    both sides of a split), repeated with R different shuffles. Models: a
    random forest (500 trees, ``class_weight="balanced"``) and a
    standardised linear SVM (``StandardScaler`` + ``SVC(kernel="linear",
    class_weight="balanced")``), each after a mean imputer. Accuracy and
    macro-F1: mean and standard deviation over the ``5 R`` folds (R = 10
    by default). Paired differences: every row against ``talk419``, each
    ``A + candidate`` against ``A``, and ``extended`` against Essentia,
    fold by fold on the same splits, with a 95 % interval by the corrected
    resampled t-test (``paired.py``); a star marks an interval that
    excludes zero.
    Ablation: the ``--ablate`` set minus each of its groups (columns of the
    cached rows sliced by group; a learning group's columns refitted in each
    fold as above).

Cost
    CPU seconds (``time.process_time``, decoding included) per minute of
    audio, on one core (OMP, BLAS and numba threads held to 1), of each set
    on the same fixed tracks (the first of each class in the manifest), in
    this run, after a warm-up. A learning set is fitted on those tracks
    first and its ``transform`` is timed. A candidate group is timed alone
    (its own decoding and STFT included) and added to its base's cost: an
    upper bound of what it would cost sharing the base's analysis.
"""

import argparse
import csv
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # candidates.py and paired.py, also in worker processes
EXCERPT_SECONDS = 30.0
MAX_EXCERPTS = 4
SR = 22050
N_SPLITS = 5
SHORT_SECONDS = 10.0
VIEWS = ("tracks", "excerpts", "excerpts10")
#: The paired comparisons' reference set; a variant "A + X" is compared with A too.
BASELINE = "talk419"
#: The modules of musicfeat whose code the cached features depend on (globs under the package).
COMPUTING_CODE = (
    "groups/*.py",
    "kernels/*.py",
    "io/*.py",
    "frontend.py",
    "blockwise.py",
    "dsp.py",
    "stats.py",
)


# ----------------------------------------------------------------------
# the corpus and its clips


@dataclass(frozen=True)
class Clip:
    key: str  # file-name safe, unique
    track: str  # the track's key (the group of the excerpts view)
    label: str
    path: str
    start: float | None  # seconds; None for the whole track
    end: float | None
    duration: float  # of the clip, seconds


def excerpt_starts(duration, length=EXCERPT_SECONDS, most=MAX_EXCERPTS):
    """Starts of the excerpts of a track of ``duration`` s (the rule of the module docstring).

    >>> excerpt_starts(200.0)
    [10.0, 60.0, 110.0, 160.0]
    >>> excerpt_starts(70.0)
    [2.5, 37.5]
    """
    n = max(1, min(most, int(duration // length)))
    return [round((i + 0.5) * duration / n - length / 2, 3) for i in range(n)]


def read_corpus(corpus):
    """The clips of both views: ``{"tracks": [Clip...], "excerpts": [Clip...]}``."""
    manifest = Path(corpus) / "music" / "manifest.csv"
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    views = {view: [] for view in VIEWS}
    for row in rows:
        path = str(Path(corpus) / row["path"])
        track = f"{row['class']}__{Path(row['path']).stem}"
        duration = float(row["duration_s"])
        views["tracks"].append(Clip(track, track, row["class"], path, None, None, duration))
        for i, start in enumerate(excerpt_starts(duration)):
            views["excerpts"].append(
                Clip(
                    f"{track}__x{i}",
                    track,
                    row["class"],
                    path,
                    start,
                    start + EXCERPT_SECONDS,
                    EXCERPT_SECONDS,
                )
            )
            # the middle 10 s of the same excerpt: the same clips, folds and positions, shorter
            short = round(start + (EXCERPT_SECONDS - SHORT_SECONDS) / 2, 3)
            views["excerpts10"].append(
                Clip(
                    f"{track}__x{i}s10",
                    track,
                    row["class"],
                    path,
                    short,
                    short + SHORT_SECONDS,
                    SHORT_SECONDS,
                )
            )
    return views


def timing_tracks(clips):
    """The fixed tracks every set is timed on: the first of each class in the manifest."""
    seen, chosen = set(), []
    for clip in clips:
        if clip.label not in seen:
            seen.add(clip.label)
            chosen.append(clip)
    return chosen


# ----------------------------------------------------------------------
# feature sets: plug-ins


@dataclass
class Features:
    """One set's features of one view: static columns, and per-clip data of learning groups."""

    names: list
    X: np.ndarray  # (n_clips, n_static), NaN rows for refused clips
    groups: dict  # group name -> column indices into X (static groups only)
    learners: dict = field(default_factory=dict)  # group name -> list of per-clip arrays
    refused: list = field(default_factory=list)  # keys of clips the extractor refused
    librosa_decoded: list = field(default_factory=list)  # clips of tracks load_audio refused
    soundfile_decoded: list = field(default_factory=list)  # clips Essentia's decoder refused


class FeatureSet:
    """A feature set of the benchmark: how to extract one clip, cache it, and time it.

    Subclasses define ``name``, ``cache_id`` (changes when the values may),
    ``names()``, ``group_columns()``, ``extract(y)`` (a dict: ``row``, and
    ``data_<group>`` for learning groups) and ``time(paths)``.
    """

    name = ""
    learner_names = ()

    def available(self):
        return True, ""

    def cache_id(self):
        raise NotImplementedError

    def names(self):
        raise NotImplementedError

    def group_columns(self):
        return {}

    def extract(self, y):
        raise NotImplementedError

    def time(self, paths):
        raise NotImplementedError

    def learner(self, name):
        """A fresh learning group (fitted in each fold)."""
        raise NotImplementedError


class MusicFeaturesSet(FeatureSet):
    """``MusicFeatures(feature_set=...)``: static groups cached as rows, learning groups as frames."""

    def __init__(self, name, feature_set):
        self.name = name
        self.feature_set = feature_set

    def available(self):
        from musicfeat.groups import registry

        if self.feature_set not in registry.FEATURE_SETS:
            return False, f"this musicfeat has no feature_set={self.feature_set!r}"
        return True, ""

    def _registry(self):
        from musicfeat.groups import registry

        return registry

    def _all_groups(self):
        return self._registry().FEATURE_SETS[self.feature_set].groups

    def _learner_group_names(self):
        registry = self._registry()
        return tuple(g for g in self._all_groups() if registry.GROUPS[g].learns)

    @property
    def learner_names(self):
        return self._learner_group_names()

    def _static_groups(self):
        return tuple(g for g in self._all_groups() if g not in self._learner_group_names())

    def _extractor(self, include=None):
        from musicfeat import MusicFeatures

        return MusicFeatures(feature_set=self.feature_set, include=include)

    def cache_id(self):
        # The set's version names its definitions; the digest of the code that
        # computes the values (the groups, the analysis, decoding, kernels)
        # guards against a set in development changing under one version, and
        # lets releases that leave that code alone share the cache.
        import musicfeat

        root = Path(musicfeat.__file__).parent
        digest = hashlib.sha1()
        for pattern in COMPUTING_CODE:
            for path in sorted(root.glob(pattern)):
                digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
        version = self._registry().FEATURE_SETS[self.feature_set].version
        return f"{self.name}-{version}-{digest.hexdigest()[:10]}"

    def names(self):
        return list(self._extractor(list(self._static_groups())).get_feature_names_out())

    def group_columns(self):
        columns, start = {}, 0
        for group in self._static_groups():
            n = len(self._extractor([group]).get_feature_names_out())
            columns[group] = np.arange(start, start + n)
            start += n
        return columns

    def _config(self):
        from musicfeat import FrontEndConfig

        mf = self._extractor()
        return FrontEndConfig(
            sr=mf.sr,
            n_fft=mf.n_fft,
            hop_length=mf.hop_length,
            kernel_size=mf.kernel_size,
            hpss_power=mf.hpss_power,
            hpss_margin=mf.hpss_margin,
        )

    def learner(self, name):
        registry = self._registry()
        return registry.build_group(registry.GROUPS[name], self._extractor())

    def extract(self, y):
        from musicfeat import Spectra
        from musicfeat.extraction import whole_clip_data

        if not hasattr(self, "_static"):
            self._static = self._extractor(list(self._static_groups()))
            self._learners = {name: self.learner(name) for name in self._learner_group_names()}
        # One analysis per clip, shared by the static groups and the learners' frames.
        spectra = Spectra(y, self._config())
        out = {"row": self._static.fit_transform([spectra])[0]}
        for name, group in self._learners.items():
            out[f"data_{name}"] = np.asarray(whole_clip_data([group], spectra)[0], dtype=np.float32)
        return out

    def time(self, paths):
        mf = self._extractor()
        if self._learner_group_names():
            mf.fit(paths)  # not timed: the codebook
        start = time.process_time()
        mf.fit_transform(paths) if not self._learner_group_names() else mf.transform(paths)
        return time.process_time() - start


class MFCC40Set(FeatureSet):
    """Mean and standard deviation of 20 MFCC (librosa defaults) over the whole clip."""

    name = "mfcc40"

    def cache_id(self):
        import librosa

        return f"mfcc40-librosa{librosa.__version__}"

    def names(self):
        return [f"mfcc{i}_{s}" for s in ("mean", "std") for i in range(20)]

    def extract(self, y):
        import librosa

        M = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
        return {"row": np.concatenate([M.mean(axis=1), M.std(axis=1)])}

    def time(self, paths):
        import librosa

        start = time.process_time()
        for path in paths:
            y, _ = librosa.load(path, sr=SR, mono=True)
            self.extract(y)
        return time.process_time() - start


class EssentiaSet(FeatureSet):
    """Essentia's MusicExtractor, run by ``essentia_features.py`` in its own environment."""

    name = "essentia"
    external = True

    def __init__(self, python):
        self.python = python

    def available(self):
        if not Path(self.python).exists():
            return False, f"no Python at {self.python} (--essentia-python)"
        return True, ""

    def cache_id(self):
        return "essentia-musicextractor"

    def _run(self, *args, capture=False):
        cmd = [self.python, str(HERE / "essentia_features.py"), *map(str, args)]
        if capture:
            return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return subprocess.run(cmd, check=True)

    def extract_all(self, clips, out_dir, jobs):
        todo = [
            c
            for c in clips
            if not (out_dir / f"{c.key}.npz").exists() and not (out_dir / f"{c.key}.refused.json").exists()
        ]
        if not todo:
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        jobs_file = out_dir / "jobs.jsonl"
        with open(jobs_file, "w") as f:
            for c in todo:
                f.write(json.dumps({"key": c.key, "path": c.path, "start": c.start, "end": c.end}) + "\n")
        print(f"essentia: {len(todo)} clips to extract in {out_dir}", flush=True)
        self._run("extract", jobs_file, out_dir, "--jobs", jobs)

    def load(self, clips, out_dir):
        """Features of ``clips`` from the cache: common fixed-length descriptors, sorted."""
        per_clip, refused, decoded = {}, [], {}
        for c in clips:
            path = out_dir / f"{c.key}.npz"
            if path.exists():
                with np.load(path, allow_pickle=False) as z:
                    per_clip[c.key] = dict(zip(z["names"].tolist(), z["values"], strict=True))
                    decoded[c.key] = str(z["decoded_by"])
            elif (out_dir / f"{c.key}.refused.json").exists():
                refused.append(c.key)
            else:
                raise FileNotFoundError(f"essentia features of {c.key} missing in {out_dir}")
        # A descriptor is kept when it has the same flattened names in every clip
        # (per-event lists such as beat positions vary in length: dropped).
        common = None
        for values in per_clip.values():
            common = set(values) if common is None else common & set(values)
        lengths = {}
        for values in per_clip.values():
            for base, count in Counter(name.split("[")[0] for name in values).items():
                lengths.setdefault(base, set()).add(count)
        names = sorted((n for n in (common or ()) if len(lengths[n.split("[")[0]]) == 1), key=_natural)
        X = np.full((len(clips), len(names)), np.nan)
        for i, c in enumerate(clips):
            if c.key in per_clip:
                X[i] = [per_clip[c.key][n] for n in names]
        X[~np.isfinite(X)] = np.nan
        features = Features(names, X, {}, refused=refused)
        features.soundfile_decoded = sorted(k for k, how in decoded.items() if how == "soundfile")
        return features

    def time(self, paths):
        return json.loads(self._run("time", *paths, capture=True).strip().splitlines()[-1])["cpu_seconds"]


def _natural(name):
    """Sort key of a flattened descriptor: its name, then its indices as numbers (``d[2]`` before ``d[10]``)."""
    base, _, index = name.partition("[")
    return base, tuple(int(i) for i in index.rstrip("]").split(",") if i)


def make_sets(essentia_python):
    from candidates import CandidateSet

    return {
        "talk419": MusicFeaturesSet("talk419", "talk419"),
        "extended": MusicFeaturesSet("extended", "extended"),
        "mfcc40": MFCC40Set(),
        "essentia": EssentiaSet(essentia_python),
        "cand": CandidateSet(),
    }


# ----------------------------------------------------------------------
# extraction, cached per clip


def _cache_dir(cache, feature_set, view):
    return Path(cache) / feature_set.cache_id() / view


def _missing(feature_set, cache, view, clips):
    d = _cache_dir(cache, feature_set, view)
    return [
        c for c in clips if not (d / f"{c.key}.npz").exists() and not (d / f"{c.key}.refused.json").exists()
    ]


def _save(path, arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _extract_track(track_path, work, cache):
    """Decode one track once; extract and cache every (set, view, clip) of ``work`` for it."""
    from musicfeat import InvalidAudioError, load_audio

    decoded_by = "musicfeat"
    try:
        y = load_audio(track_path, SR)
    except InvalidAudioError:
        # load_audio refuses a file whose decoding stops short of the length
        # its header declares (one track of the corpus, by 0.02 s); librosa
        # decodes what there is, the same way.
        import librosa

        y = librosa.load(track_path, sr=SR, mono=True)[0]
        decoded_by = "librosa"
    for feature_set, view, clip in work:
        if clip.start is None:
            part = y
        else:
            first = int(round(clip.start * SR))
            part = y[first : first + int(round(clip.duration * SR))]
        out = _cache_dir(cache, feature_set, view) / f"{clip.key}.npz"
        try:
            arrays = feature_set.extract(np.ascontiguousarray(part))
        except Exception as error:  # recorded and scored as a NaN row, like Essentia's refusals
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_name(f"{clip.key}.refused.json").write_text(
                json.dumps({"key": clip.key, "error": f"{type(error).__name__}: {error}"})
            )
            continue
        _save(out, {**arrays, "decoded_by": np.asarray(decoded_by)})
    return track_path


def extract(sets, views, cache, jobs, essentia_views=VIEWS):
    """Fill the cache for every set and view (Essentia through its subprocess, in ``essentia_views``)."""
    from joblib import Parallel, delayed

    for feature_set in sets:
        if isinstance(feature_set, EssentiaSet):
            for view in essentia_views:
                feature_set.extract_all(views[view], _cache_dir(cache, feature_set, view), jobs)
    by_track = {}
    for feature_set in sets:
        if isinstance(feature_set, EssentiaSet) or getattr(feature_set, "read_from", None) is not None:
            continue
        for view in VIEWS:
            for clip in _missing(feature_set, cache, view, views[view]):
                by_track.setdefault(clip.path, []).append((feature_set, view, clip))
    if not by_track:
        return
    print(f"extracting {sum(map(len, by_track.values()))} clips of {len(by_track)} tracks", flush=True)
    done = 0
    for path in Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_extract_track)(path, work, cache) for path, work in by_track.items()
    ):
        done += 1
        print(f"  [{done}/{len(by_track)}] {Path(path).parent.name}/{Path(path).name}", flush=True)


def load(feature_set, cache, view, clips):
    """A set's :class:`Features` of one view, from the cache."""
    d = _cache_dir(cache, feature_set, view)
    if isinstance(feature_set, EssentiaSet):
        return feature_set.load(clips, d)
    names = feature_set.names()
    source = getattr(feature_set, "read_from", None)
    if source is not None:  # the first columns of a superset's rows (talk419's of extended's)
        d = _cache_dir(cache, source, view)
    X = np.full((len(clips), len(names)), np.nan)
    learners = {name: [] for name in feature_set.learner_names}
    refused, librosa_decoded = [], []
    for i, clip in enumerate(clips):
        path = d / f"{clip.key}.npz"
        if not path.exists():
            refused.append(clip.key)
            for name in learners:
                learners[name].append(None)
            continue
        with np.load(path, allow_pickle=False) as z:
            X[i] = z["row"][: len(names)]
            if "decoded_by" in z.files and str(z["decoded_by"]) != "musicfeat":
                librosa_decoded.append(clip.key)
            for name in learners:
                learners[name].append(z[f"data_{name}"])
    features = Features(names, X, feature_set.group_columns(), learners, refused)
    features.librosa_decoded = librosa_decoded
    return features


# ----------------------------------------------------------------------
# scoring


def splits(view, labels, tracks, repeats):
    """``(train, test)`` index pairs of the view's protocol, ``5 * repeats`` of them."""
    from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedGroupKFold

    zeros = np.zeros(len(labels))
    if view == "tracks":
        return list(
            RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=repeats, random_state=0).split(zeros, labels)
        )
    out = []
    for r in range(repeats):
        cv = StratifiedGroupKFold(n_splits=N_SPLITS, shuffle=True, random_state=r)
        out.extend(cv.split(zeros, labels, tracks))
    return out


def models():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return {
        "RF": make_pipeline(
            SimpleImputer(),
            RandomForestClassifier(n_estimators=500, class_weight="balanced", random_state=0, n_jobs=1),
        ),
        "SVM": make_pipeline(
            SimpleImputer(), StandardScaler(), SVC(kernel="linear", class_weight="balanced")
        ),
    }


def learned_columns(feature_set, features, names, train):
    """The learning groups ``names`` fitted on the clips ``train``; their rows for every clip."""
    blocks = []
    for name in names:
        group = feature_set.learner(name)
        data = features.learners[name]
        # As MusicFeatures.fit pools them: each training clip's fit_sample (up to vlad_frames frames).
        group.fit_clips([group.fit_sample(data[i]) for i in train if data[i] is not None])
        missing = np.full(len(group.feature_names()), np.nan)  # a clip whose extraction failed
        blocks.append(np.vstack([group.encode(d) if d is not None else missing for d in data]))
    return np.hstack(blocks) if blocks else np.empty((len(features.X), 0))


def _score_split(X, labels, train, test):
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, f1_score

    out = {}
    for model_name, model in models().items():
        fitted = clone(model).fit(X[train], labels[train])
        predicted = fitted.predict(X[test])
        out[model_name] = (
            accuracy_score(labels[test], predicted),
            f1_score(labels[test], predicted, average="macro"),
        )
    return out


def _score_file(cache, feature_set, variant, view, clips, repeats, features):
    """Where a variant's fold scores are kept: keyed on everything they depend on.

    The scores are deterministic (every seed fixed), so a later run with the
    same features, clips, protocol and library versions reuses them.
    """
    import sklearn

    key = hashlib.sha1()
    for part in (
        feature_set.cache_id(),
        variant.label,
        variant.learners,
        None if variant.columns is None else variant.columns.tolist(),
        variant.extra,
        [feature_set_of(s).cache_id() for s, _ in variant.extra],
        view,
        repeats,
        [c.key for c in clips],
        features.names,
        features.refused,
        repr(models()),
        sklearn.__version__,
        np.__version__,
    ):
        key.update(repr(part).encode())
    safe = variant.label.replace(" ", "")
    return Path(cache) / "scores" / view / f"{safe}-{key.hexdigest()[:16]}.json"


@dataclass
class Variant:
    label: str
    set_name: str
    columns: np.ndarray | None  # static columns kept (None: all)
    learners: tuple  # learning groups kept
    extra: tuple = ()  # (add-on set, group) whose columns are appended


_SETS = {}  # name -> FeatureSet of this run (for the score files' keys)


def addon_columns(features, group):
    """Columns of an add-on's group, or of a part of it named by its columns' prefix (``blocks_lfp``)."""
    if group in features.groups:
        return features.groups[group]
    return np.array([i for i, n in enumerate(features.names) if n.startswith(f"{group}_")], dtype=int)


def feature_set_of(name):
    return _SETS[name]


def variants(sets, features, ablate, candidates=(), bases=()):
    """The rows of the tables: each set; each base + each candidate group; the ablation."""
    out = []
    for name, feature_set in sets.items():
        if not getattr(feature_set, "addon", False):
            out.append(Variant(name, name, None, tuple(feature_set.learner_names)))
    addons = [n for n, fs in sets.items() if getattr(fs, "addon", False)]
    for base in bases:
        if base not in sets:
            continue
        for group in candidates:
            for addon in addons:
                if len(addon_columns(features[("tracks", addon)], group)):
                    out.append(
                        Variant(
                            f"{base} + {group}",
                            base,
                            None,
                            tuple(sets[base].learner_names),
                            ((addon, group),),
                        )
                    )
    if ablate in sets:
        feature_set, f = sets[ablate], features[("tracks", ablate)]
        n = f.X.shape[1]
        for group, cols in f.groups.items():
            keep = np.setdiff1d(np.arange(n), cols)
            out.append(Variant(f"{ablate} - {group}", ablate, keep, tuple(feature_set.learner_names)))
        for group in feature_set.learner_names:
            others = tuple(g for g in feature_set.learner_names if g != group)
            out.append(Variant(f"{ablate} - {group}", ablate, None, others))
    return out


def score(sets, features, views, repeats, jobs, ablate, cache, candidates=(), bases=()):
    """Per-fold accuracy and macro-F1: ``{(variant, view, model): [(acc, f1), ...]}``, and the variants."""
    from joblib import Parallel, delayed

    _SETS.update(sets)
    results = {}
    all_variants = variants(sets, features, ablate, candidates, bases)
    for view in VIEWS:
        clips = views[view]
        labels = np.array([c.label for c in clips])
        tracks = np.array([c.track for c in clips])
        folds = splits(view, labels, tracks, repeats)
        learned = {}  # (set, learners, fold) -> columns, shared by the variants
        for variant in all_variants:
            f = features.get((view, variant.set_name))
            if f is None:  # a set not extracted in this view (--essentia-views)
                continue
            stored = _score_file(cache, sets[variant.set_name], variant, view, clips, repeats, f)
            if stored.exists():
                per_model = json.loads(stored.read_text())
                for model_name, folds_scores in per_model.items():
                    results[(variant.label, view, model_name)] = [tuple(x) for x in folds_scores]
                print(f"  {view:8s} {variant.label:28s} (scores from the cache)", flush=True)
                continue
            static = f.X if variant.columns is None else f.X[:, variant.columns]
            for addon, group in variant.extra:
                g = features[(view, addon)]
                static = np.hstack([static, g.X[:, addon_columns(g, group)]])
            tasks = []
            for k, (train, test) in enumerate(folds):
                parts = [static]
                for group in variant.learners:
                    key = (variant.set_name, group, view, k)
                    if key not in learned:
                        learned[key] = learned_columns(sets[variant.set_name], f, (group,), train)
                    parts.append(learned[key])
                tasks.append((np.hstack(parts), train, test))
            t0 = time.perf_counter()
            per_fold = Parallel(n_jobs=jobs)(delayed(_score_split)(X, labels, tr, te) for X, tr, te in tasks)
            for model_name in ("RF", "SVM"):
                results[(variant.label, view, model_name)] = [fold[model_name] for fold in per_fold]
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(json.dumps({m: results[(variant.label, view, m)] for m in ("RF", "SVM")}))
            rf = np.mean([fold["RF"][0] for fold in per_fold])
            print(
                f"  {view:8s} {variant.label:28s} RF acc {rf:.3f}  ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    return results, all_variants


# ----------------------------------------------------------------------
# cost


def time_sets(sets, clips):
    """CPU seconds per audio minute of each set on the same tracks, one core."""
    paths = [c.path for c in clips]
    minutes = sum(c.duration for c in clips) / 60
    costs = {}
    for name, feature_set in sets.items():
        if not isinstance(feature_set, EssentiaSet):
            from musicfeat import load_audio

            y = load_audio(paths[0], SR)[: 10 * SR]  # longer than the tempo window: no warning
            feature_set.extract(y)  # warm-up: imports, compiled kernels
        if getattr(feature_set, "addon", False):
            for group, seconds in feature_set.time_groups(paths).items():
                costs[f"{name}:{group}"] = seconds / minutes
                print(f"  cost {name}:{group}: {seconds:.1f} CPU s for {minutes:.1f} audio min", flush=True)
            continue
        seconds = feature_set.time(paths)
        costs[name] = seconds / minutes
        print(f"  cost {name}: {seconds:.1f} CPU s for {minutes:.1f} audio min", flush=True)
    return costs, minutes


# ----------------------------------------------------------------------
# the report


def _ms(values):
    values = np.asarray(values)
    return f"{values.mean():.3f} ± {values.std():.3f}"


def variant_cost(variant, costs):
    """CPU s per audio minute of a variant: its set's, plus each add-on group's measured alone.

    An add-on group's cost includes its own decoding and STFT, so the sum is an
    upper bound of what the group would cost sharing the set's analysis.
    """
    parts = [variant.set_name] + [f"{s}:{g}" for s, g in variant.extra]
    if not all(p in costs for p in parts):
        return None
    return sum(costs[p] for p in parts)


def comparisons(variant_list):
    """``(A, B)`` pairs of labels: every variant against the baseline, "A + X" against A, extended against Essentia."""
    labels = [v.label for v in variant_list]
    pairs = []
    for v in variant_list:
        if v.label != BASELINE and BASELINE in labels and " - " not in v.label:
            pairs.append((v.label, BASELINE))
        if v.extra and v.set_name != BASELINE:
            pairs.append((v.label, v.set_name))
    if "extended" in labels and "essentia" in labels:
        pairs.append(("extended", "essentia"))
    return pairs


def _paired(results, variant_list):
    from paired import format_difference

    lines = [
        "## Paired differences (accuracy)",
        "",
        "A minus B, fold by fold on the same splits: the mean difference and its 95 % interval by the "
        "corrected resampled t-test (Nadeau and Bengio 2003; `benchmarks/paired.py`). `*`: the interval "
        "excludes zero, the difference is outside the noise.",
        "",
        "| A - B | " + " | ".join(f"{view} {model}" for view in VIEWS for model in ("RF", "SVM")) + " |",
        "| --- | " + " | ".join("---:" for _ in VIEWS for _ in ("RF", "SVM")) + " |",
    ]
    for a, b in comparisons(variant_list):
        cells = []
        for view in VIEWS:
            for model in ("RF", "SVM"):
                if (a, view, model) not in results or (b, view, model) not in results:
                    cells.append("")
                    continue
                d = np.array(results[(a, view, model)])[:, 0] - np.array(results[(b, view, model)])[:, 0]
                cells.append(format_difference(d, 1 / (N_SPLITS - 1)))
        lines.append(f"| {a} - {b} | {' | '.join(cells)} |")
    return [*lines, ""]


def report(sets, features, views, results, costs, timed_minutes, args, started, load_start, variant_list=()):
    import sklearn

    import musicfeat

    lines = [
        f"# Feature sets on a corpus of real music ({started:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Corpus `{args.corpus}`: {len({c.label for c in views['tracks']})} classes, "
        f"{len(views['tracks'])} tracks, {len(views['excerpts'])} excerpts of "
        f"{EXCERPT_SECONDS:.0f} s (at most {MAX_EXCERPTS} a track), and the middle {SHORT_SECONDS:.0f} s of "
        "each (excerpts10, the same folds). Protocol: tracks "
        f"RepeatedStratifiedKFold(5) x {args.repeats}; excerpts StratifiedGroupKFold(5) by track x "
        f"{args.repeats} shuffles; mean ± std over the {N_SPLITS * args.repeats} folds. "
        "RF: 500 trees, class-balanced; SVM: StandardScaler + linear SVC, class-balanced; both after a "
        "mean imputer fitted in the fold.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"musicfeat {musicfeat.__version__} (`{Path(musicfeat.__file__).parent}`), scikit-learn {sklearn.__version__}; load average "
        f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (the machine is shared: "
        "costs are CPU time, which load inflates less than wall time, but not entirely).",
        "",
    ]
    for view in VIEWS:
        lines += [
            f"## {view}",
            "",
            "| set | features | RF accuracy | RF macro-F1 | SVM accuracy | SVM macro-F1 | s CPU / audio-min |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        by_label = {v.label: v for v in variant_list}
        for label in _labels(results):
            if (label, view, "RF") not in results:
                continue
            rf, svm = np.array(results[(label, view, "RF")]), np.array(results[(label, view, "SVM")])
            cost = variant_cost(by_label[label], costs) if label in by_label else None
            lines.append(
                f"| {label} | {_width(by_label.get(label), label, sets, features, view)} | {_ms(rf[:, 0])} | "
                f"{_ms(rf[:, 1])} | {_ms(svm[:, 0])} | {_ms(svm[:, 1])} | "
                f"{'' if cost is None else f'{cost:.3f}'} |"
            )
        lines.append("")
    lines += _paired(results, variant_list)
    lines += _ablation(results, args.ablate)
    if costs:  # none with --no-timing
        lines += _cost_table(costs, views, timed_minutes)
    notes = []
    for (view, name), f in features.items():
        if f.refused:
            notes.append(
                f"- {name}, {view}: {len(f.refused)} clips refused, scored as rows of NaN imputed in each "
                f"fold by the training mean: {', '.join(f.refused)}"
            )
        if f.soundfile_decoded:
            notes.append(f"- {name}, {view}: decoded through soundfile: {', '.join(f.soundfile_decoded)}")
    decoded = {}  # track -> the sets that decoded it by librosa
    for (_view, name), f in features.items():
        for key in getattr(f, "librosa_decoded", ()):
            decoded.setdefault(key.split("__x")[0], set()).add(name)
    if decoded:
        notes.append(
            f"- musicfeat's `load_audio` refused {len(decoded)} tracks (decoding stopped short of the length "
            f"their header declares); they were decoded by `librosa.load` instead for "
            f"{', '.join(sorted(set().union(*decoded.values())))}: {', '.join(sorted(decoded))}"
        )
    if notes:
        lines += ["## Refused clips and decoding", "", *notes, ""]
    return "\n".join(lines)


def _cost_table(costs, views, timed_minutes):
    lines = [
        "## Extraction cost",
        "",
        f"CPU seconds per audio minute, one core, decoding included, the same {len(timing_tracks(views['tracks']))} "
        f"tracks ({timed_minutes:.1f} min, the first of each class) for every set, in this run.",
        "",
        "| set | s per audio minute | relative to talk419 |",
        "| --- | ---: | ---: |",
    ]
    for name, cost in costs.items():
        rel = f"{cost / costs['talk419']:.2f}x" if "talk419" in costs else ""
        lines.append(f"| {name} | {cost:.3f} | {rel} |")
    return [*lines, ""]


def _ablation(results, ablate):
    """Differences to the full set, fold by fold (the same splits): mean ± std of the paired differences."""
    labels = [label for label in _labels(results) if label.startswith(f"{ablate} - ")]
    if not labels:
        return []
    lines = [
        f"## Ablation: {ablate} minus each group",
        "",
        f"Accuracy of the ablated set minus that of the full `{ablate}` set, fold by fold on the same "
        "splits: mean ± std of the paired differences (negative: the group helps).",
        "",
        "| without | " + " | ".join(f"{view} {model}" for view in VIEWS for model in ("RF", "SVM")) + " |",
        "| --- |" + " ---: |" * (2 * len(VIEWS)),
    ]
    for label in labels:
        cells = []
        for view in VIEWS:
            for model in ("RF", "SVM"):
                full = np.array(results[(ablate, view, model)])[:, 0]
                less = np.array(results[(label, view, model)])[:, 0]
                d = less - full
                cells.append(f"{d.mean():+.3f} ± {d.std():.3f}")
        lines.append(f"| {label.split(' - ', 1)[1]} | {' | '.join(cells)} |")
    return [*lines, ""]


def _labels(results):
    seen = []
    for label, _, _ in results:
        if label not in seen:
            seen.append(label)
    return seen


def _width(variant, label, sets, features, view):
    """Columns of a variant: the set's static and learnt columns, less the ablated group's, plus add-ons."""
    name, _, ablated = label.partition(" - ")
    name = variant.set_name if variant is not None else name
    f = features[(view, name)]
    learnt = {group: len(sets[name].learner(group).feature_names()) for group in sets[name].learner_names}
    n = f.X.shape[1] + sum(learnt.values())
    n -= len(f.groups.get(ablated, ())) + learnt.get(ablated, 0)
    for addon, group in variant.extra if variant is not None else ():
        n += len(addon_columns(features[(view, addon)], group))
    return str(n)


# ----------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="the folder benchmarks/corpus.py made")
    parser.add_argument("--cache-dir", required=True, help="where features are kept (.npz), outside the repo")
    parser.add_argument("--repeats", type=int, default=10, help="repeats of the 5-fold splits (default 10)")
    parser.add_argument(
        "--sets",
        default="talk419,extended,mfcc40,essentia,cand",
        help="comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--candidates", default="speccov,gauss,blocks", help="groups of the add-on sets appended to each base"
    )
    parser.add_argument(
        "--candidate-bases", default="talk419,extended", help="sets the candidates are added to"
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes for extraction and scoring")
    parser.add_argument("--ablate", default="", help="the set whose groups are ablated (default: none)")
    parser.add_argument(
        "--essentia-python",
        default=os.environ.get("ESSENTIA_PYTHON", "/work/venv-essentia/bin/python"),
        help="a Python with essentia and soundfile (default: $ESSENTIA_PYTHON, else %(default)s)",
    )
    parser.add_argument(
        "--essentia-views",
        default="excerpts,excerpts10,tracks",
        help="views Essentia is extracted and scored in, in this order (it is the slow one)",
    )
    parser.add_argument("--out", help="results file (default CACHE/results-<date>.md)")
    parser.add_argument("--extract-only", action="store_true", help="fill the cache and stop")
    parser.add_argument("--no-timing", action="store_true", help="skip the cost measurement")
    parser.add_argument(
        "--costs", help="a JSON file of costs ({'costs': {...}, 'minutes': m}) instead of timing"
    )
    args = parser.parse_args(argv)

    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()[0]
    all_sets = make_sets(args.essentia_python)
    sets = {}
    for name in [s for s in args.sets.split(",") if s]:
        if name not in all_sets:
            parser.error(f"--sets: unknown set {name!r}; known: {', '.join(all_sets)}")
        ok, why = all_sets[name].available()
        if ok:
            sets[name] = all_sets[name]
        else:
            print(f"skipping {name}: {why}", file=sys.stderr)
    if "talk419" in sets and "extended" in sets:
        # extended's rows begin with the 419 (its contract): read them there, extract once
        if sets["extended"].names()[:419] == sets["talk419"].names():
            sets["talk419"].read_from = sets["extended"]
    views = read_corpus(args.corpus)
    essentia_views = [v for v in args.essentia_views.split(",") if v]
    extract(list(sets.values()), views, args.cache_dir, args.jobs, essentia_views)
    if args.extract_only:
        return 0
    features = {
        (view, name): load(s, args.cache_dir, view, views[view])
        for name, s in sets.items()
        for view in VIEWS
        if not isinstance(s, EssentiaSet) or view in essentia_views
    }
    print("scoring", flush=True)
    candidates = [c for c in args.candidates.split(",") if c]
    bases = [b for b in args.candidate_bases.split(",") if b]
    results, variant_list = score(
        sets, features, views, args.repeats, args.jobs, args.ablate, args.cache_dir, candidates, bases
    )
    costs, minutes = ({}, 0.0)
    if args.costs:  # measured earlier by this module's time_sets, e.g. while extraction went on
        stored = json.loads(Path(args.costs).read_text())
        costs, minutes = stored["costs"], stored.get("minutes", 0.0)
    elif not args.no_timing:
        print("timing", flush=True)
        costs, minutes = time_sets(sets, timing_tracks(views["tracks"]))
    text = report(sets, features, views, results, costs, minutes, args, started, load_start, variant_list)
    print(text)
    out = Path(args.out or Path(args.cache_dir) / f"results-{started:%Y%m%d-%H%M}.md")
    out.write_text(text + "\n")
    folds = {"|".join(k): v for k, v in results.items()}
    out.with_suffix(".json").write_text(json.dumps({"folds": folds, "costs": costs}, indent=1))
    print(f"written: {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
