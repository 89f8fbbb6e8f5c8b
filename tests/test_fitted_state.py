"""Fitted-state files from elsewhere, and what names an extractor's values (issue 17 item 6, issue 18 item 9).

A damaged or tampered ``.npz`` is refused with one ValueError naming the
file, before any array of it is decompressed, and nothing is set; the
parameters that change how, not what, is computed (engine, max_duration)
neither block a fitted state nor a resume.
"""

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest
from helpers import SR, tone
from sklearn.exceptions import NotFittedError

from musicfeat import HPMFCCVLAD, MusicFeatures
from musicfeat.batch.resume import params_digest
from musicfeat.fitted_state import StateArray, declared_state
from musicfeat.value_identity import HOW_PARAMS, accepted_digests, legacy_digest, value_digest, value_params


def _small(**params):
    return MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"], vlad_clusters=4, **params)


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(0)
    return [tone(330.0, 1.0), (0.2 * rng.standard_normal(SR)).astype(np.float32)]


@pytest.fixture(scope="module")
def saved(clips, tmp_path_factory):
    path = tmp_path_factory.mktemp("fitted") / "state.npz"
    _small().fit(clips).save_fitted(path)
    return path


def _members(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def _refused(path, match):
    mf = _small()
    with pytest.raises(ValueError, match=match) as caught:
        mf.load_fitted(path)
    assert str(path) in str(caught.value)  # one message, naming the file
    with pytest.raises(NotFittedError):  # nothing was set
        mf.transform([tone(440.0, 0.5)])


# ---------------------------------------------------------------- a good file, an old file


def test_round_trip_and_the_state_is_read_as_declared(saved, clips):
    mf = _small().fit(clips)
    again = _small().load_fitted(saved)
    np.testing.assert_array_equal(again.transform(clips), mf.transform(clips))
    group = again.groups_[0]
    assert isinstance(group.n_training_frames_, int) and group.codebook_.dtype == np.float64
    assert set(declared_state(group)) == {"mean_", "scale_", "codebook_", "n_training_frames_"}


def test_a_file_written_with_another_engine_or_max_duration_is_accepted(saved, clips):
    # engine and max_duration change how the values are computed, not what they are
    mf = _small(engine="whole", max_duration=60.0).load_fitted(saved)
    np.testing.assert_array_equal(mf.transform(clips), _small().load_fitted(saved).transform(clips))


def test_a_file_of_an_earlier_musicfeat_is_accepted(saved, tmp_path, clips):
    arrays = _members(saved)
    signature = json.loads(str(arrays["signature"]))
    # the earlier signature held engine and max_duration, and knew no later parameter
    signature["params"].update(engine="whole", max_duration=600.0)
    del signature["params"]["pitch_fmax"]
    arrays["signature"] = np.array(json.dumps(signature))
    old = _write(tmp_path / "old.npz", arrays)
    np.testing.assert_array_equal(
        _small().load_fitted(old).transform(clips), _small().load_fitted(saved).transform(clips)
    )


def test_other_value_parameters_are_still_refused(saved):
    with pytest.raises(ValueError, match=r"other parameters \(vlad_clusters: 4 there, 3 here\)"):
        MusicFeatures(feature_set="extended", include=["hp_mfcc_vlad"], vlad_clusters=3).load_fitted(saved)


# ---------------------------------------------------------------- damaged files


def test_a_damaged_file_is_one_value_error_naming_it(saved, tmp_path):
    data = saved.read_bytes()
    cases = {
        "truncated.npz": (data[: len(data) // 2], "not a readable .npz|damaged"),
        "empty.npz": (b"", "an empty file"),
        "tail.npz": (data[:-30], "not a readable .npz|damaged"),
    }
    for name, (content, match) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        _refused(path, match)
    npy = tmp_path / "codebook.npz"  # a renamed .npy
    np.save(npy.with_suffix(".npy"), np.zeros((4, 40)))
    npy.with_suffix(".npy").rename(npy)
    _refused(npy, r"a single \.npy array")


def test_a_corrupt_member_is_refused(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    arrays = _members(saved)
    start = bytes(data).index(arrays["hp_mfcc_vlad.codebook_"].tobytes()[:16])
    data[start + 3] ^= 0xFF  # one flipped byte of the codebook: the zip's CRC says so
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    _refused(path, r"'hp_mfcc_vlad.codebook_' cannot be read: a damaged file")


@pytest.mark.parametrize(
    ("signature", "match"),
    [
        (json.dumps(["extended.1", {}]), "not the JSON object"),
        ("{not json", "not the JSON object"),
        (json.dumps({"feature_set_version": 419, "params": {}}), "not the JSON object"),
        (json.dumps({"feature_set_version": "extended.1", "params": []}), "not the JSON object"),
        (json.dumps({"feature_set_version": "419.1", "params": {}}), "fitted by feature set '419.1'"),
    ],
)
def test_a_bad_signature_is_refused(saved, tmp_path, signature, match):
    arrays = _members(saved)
    arrays["signature"] = np.array(signature)
    _refused(_write(tmp_path / "signed.npz", arrays), match)


def test_a_signature_that_is_not_text_is_refused(saved, tmp_path):
    arrays = _members(saved)
    arrays["signature"] = np.zeros(3)
    _refused(_write(tmp_path / "signed.npz", arrays), "not the signature's text")


# ---------------------------------------------------------------- tampered state


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        (
            "hp_mfcc_vlad.codebook_",
            np.zeros((5, 40)),
            r"shape \(5, 40\), where these parameters give \(4, 40\)",
        ),
        ("hp_mfcc_vlad.codebook_", np.full((4, 40), np.nan), "not finite"),
        ("hp_mfcc_vlad.codebook_", np.full((4, 40), "x"), "dtype <U1"),
        ("hp_mfcc_vlad.codebook_", np.zeros((4, 40), dtype=np.float32), "dtype float32"),
        ("hp_mfcc_vlad.scale_", np.zeros(40), "every value must be above 0"),
        ("hp_mfcc_vlad.mean_", np.array([np.inf] * 40), "not finite"),
        ("hp_mfcc_vlad.n_training_frames_", np.array(2), "every value must be at least 4"),
        ("hp_mfcc_vlad.n_training_frames_", np.array(1e3), "dtype float64"),
        ("hp_mfcc_vlad.transform", np.zeros(3), "'hp_mfcc_vlad.transform', which is no fitted state"),
        ("hp_mfcc_vlad.n_mfcc", np.array(3), "'hp_mfcc_vlad.n_mfcc', which is no fitted state"),
        ("hpss.extra_", np.zeros(3), "'hpss.extra_', which is no fitted state"),
        ("extra", np.zeros(3), "'extra', which is no fitted state"),
    ],
)
def test_tampered_state_is_refused(saved, tmp_path, key, value, match):
    arrays = _members(saved)
    arrays[key] = value
    _refused(_write(tmp_path / "tampered.npz", arrays), match)


def test_missing_state_is_refused(saved, tmp_path):
    arrays = _members(saved)
    del arrays["hp_mfcc_vlad.scale_"]
    _refused(_write(tmp_path / "partial.npz", arrays), r"no 'hp_mfcc_vlad.scale_'")
    only = {"signature": arrays["signature"]}
    _refused(_write(tmp_path / "none.npz", only), "no fitted state for the group 'hp_mfcc_vlad'")


def test_a_huge_array_is_refused_without_being_unpacked(saved, tmp_path):
    # 128 MiB of zeros that deflate to well under a megabyte, under an unknown key and under a known one
    huge = np.zeros(1 << 24)
    for key in ("stowaway", "hp_mfcc_vlad.codebook_"):
        arrays = _members(saved)
        arrays[key] = huge
        path = tmp_path / f"{key}.npz"
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        assert path.stat().st_size < (1 << 21)
        tracemalloc.start()
        try:
            _refused(path, "no fitted state of this extractor|shape")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < (1 << 24), f"{peak} bytes allocated to refuse a {huge.nbytes}-byte member"


def test_a_header_that_overstates_its_data_is_refused(saved, tmp_path):
    arrays = _members(saved)
    path = _write(tmp_path / "short.npz", {k: v for k, v in arrays.items() if k != "hp_mfcc_vlad.mean_"})
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (40,)})
    with zipfile.ZipFile(path, "a") as archive:  # 40 doubles promised, 8 given
        archive.writestr("hp_mfcc_vlad.mean_.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + bytes(8))
    _refused(path, r"'hp_mfcc_vlad.mean_' holds 8 bytes of data where its header says 320")


def test_a_group_can_declare_its_own_state():
    class Declaring:
        def fitted_state(self):
            return {"level_": StateArray("float", ())}

    assert declared_state(Declaring()) == {"level_": StateArray("float", ())}

    class DeclaringPlainly:
        def fitted_state(self):
            return {"level_": ("float", ()), "count_": {"kind": "int", "shape": (), "minimum": 1}}

    assert declared_state(DeclaringPlainly()) == {
        "level_": StateArray("float", ()),
        "count_": StateArray("int", (), minimum=1),
    }
    assert set(declared_state(HPMFCCVLAD())) == {"mean_", "scale_", "codebook_", "n_training_frames_"}


# ---------------------------------------------------------------- one definition of what changes the values


def test_value_params_leave_out_how_the_values_are_computed():
    params = value_params(MusicFeatures(band_counts=(4, 11, 24), n_jobs=2, on_error="nan"))
    assert not HOW_PARAMS & set(params) and params["band_counts"] == [4, 11, 24]
    assert value_params(MusicFeatures(window_seconds=np.array([0.5, 1, 3, 5]))) == value_params(
        MusicFeatures()
    )
    assert json.loads(json.dumps(params)) == params  # plain JSON values


def test_value_digest_survives_engine_and_max_duration_and_names_the_rest():
    base = value_digest(MusicFeatures())
    assert base == value_digest(MusicFeatures(engine="whole", max_duration=None, n_jobs=2, on_error="nan"))
    assert base != value_digest(MusicFeatures(hop_length=256))
    # at the defaults, the digest is the one tables already carry
    assert base == legacy_digest(MusicFeatures()) == params_digest(MusicFeatures())


def test_rows_digested_the_old_way_are_accepted_when_the_values_agree():
    written = MusicFeatures(engine="whole", max_duration=60.0, hop_length=256)
    old = legacy_digest(written)
    assert old != value_digest(written)
    recorded = {"engine": "whole", "max_duration": 60.0}
    for now in (MusicFeatures(hop_length=256), MusicFeatures(hop_length=256, engine="stream")):
        assert old in accepted_digests(now, recorded=recorded)
    # without the metadata file: any engine, at this run's or the default max_duration
    assert legacy_digest(MusicFeatures(engine="stream", hop_length=256)) in accepted_digests(
        MusicFeatures(hop_length=256)
    )
    assert old not in accepted_digests(MusicFeatures(hop_length=512), recorded=recorded)
    assert old not in accepted_digests(MusicFeatures(hop_length=256, sr=16000), recorded=recorded)


def test_fuzzed_files_raise_only_value_error(saved, tmp_path):
    rng = np.random.default_rng(18)
    data = saved.read_bytes()
    path = tmp_path / "fuzzed.npz"
    outcomes = set()
    for _ in range(300):
        mutated = bytearray(data)
        if rng.random() < 0.3:
            mutated = mutated[: rng.integers(0, len(mutated))]
        for _ in range(rng.integers(1, 8)):
            if mutated:
                mutated[rng.integers(0, len(mutated))] = rng.integers(0, 256)
        path.write_bytes(bytes(mutated))
        try:
            _small().load_fitted(path)
            outcomes.add("loaded")
        except ValueError as error:
            assert str(path) in str(error)
            outcomes.add("refused")
    assert "refused" in outcomes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "state.npz"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")
    with pytest.raises(FileNotFoundError):
        _small().load_fitted(tmp_path / "missing.npz")


def test_an_extractor_with_groups_of_its_own_loads_its_own_state(tmp_path):
    """groups= holds estimators: the signature keeps their class and parameters as JSON, not their repr."""
    from musicfeat import ZeroCrossingFeatures
    from musicfeat.value_identity import value_params

    clips = [tone(220 + 110 * k, 1.0) for k in range(2)]
    params = {"feature_set": "extended", "include": ["hp_mfcc_vlad"], "vlad_clusters": 4}
    fitted = MusicFeatures(**params, groups=[("zc", ZeroCrossingFeatures())]).fit(clips)
    path = tmp_path / "state.npz"
    fitted.save_fitted(path)
    again = MusicFeatures(**params, groups=[("zc", ZeroCrossingFeatures())]).load_fitted(path)
    np.testing.assert_array_equal(again.transform(clips), fitted.transform(clips))
    other = MusicFeatures(**params, groups=[("zc", ZeroCrossingFeatures(hop_length=256))])
    with pytest.raises(ValueError, match="other parameters"):
        other.load_fitted(path)
    assert json.loads(json.dumps(value_params(fitted)))["groups"][0][1]["params"]["hop_length"] == 512
