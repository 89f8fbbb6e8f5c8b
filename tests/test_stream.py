"""The stream engine: decoding, spectra and features by blocks equal the whole clip's, bit for bit.

Blocks are made tiny (``FRAME_BLOCK`` of 64 frames) so that a few seconds of
audio cross many block boundaries.
"""

import numpy as np
import pytest
import soundfile as sf
from helpers import SR

import musicfeat.blockwise as blockwise
from musicfeat import ExtractionWarning, InvalidAudioError, MusicFeatures, Spectra
from musicfeat.frontend import FrontEndConfig
from musicfeat.io import load_audio, open_stream
from musicfeat.streaming import FrameStore, spectra_blocks

SMALL_BLOCK = 64


@pytest.fixture
def small_blocks(monkeypatch):
    from musicfeat import accumulators

    monkeypatch.setattr(blockwise, "FRAME_BLOCK", SMALL_BLOCK)
    monkeypatch.setattr(accumulators, "STORE_MEMORY_BYTES", 2**16)  # to disk after a few blocks


def _streamed(item, sr, block_seconds):
    with open_stream(item, sr) as stream:
        y = np.concatenate(list(stream.chunks(block_seconds=block_seconds)))
    assert stream.n_samples == y.size
    return y


def _noise_file(tmp_path, name, rate, channels, seconds, rng, subtype=None):
    data = (0.2 * rng.standard_normal((int(rate * seconds), channels))).astype(np.float32)
    path = tmp_path / name
    sf.write(path, data, rate, subtype=subtype)
    return path


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize("sr", [22050, 16000, 44100])
def test_streamed_decoding_equals_load_audio_on_a_recording(example_path, sr):
    path = example_path("trumpet")
    np.testing.assert_array_equal(_streamed(path, sr, 0.37), load_audio(path, sr))


@pytest.mark.parametrize(
    ("name", "rate", "channels"),
    [("stereo.flac", 44100, 2), ("three.wav", 48000, 3), ("odd.wav", 11025, 1), ("same.ogg", 22050, 2)],
)
def test_streamed_decoding_equals_load_audio_multichannel_and_odd_rates(tmp_path, rng, name, rate, channels):
    path = _noise_file(tmp_path, name, rate, channels, 3.3, rng)
    for block_seconds in (0.05, 1.0, 10.0):
        np.testing.assert_array_equal(_streamed(path, SR, block_seconds), load_audio(path, SR))


def test_streamed_decoding_of_waveforms_in_memory(rng):
    y = rng.standard_normal(12345).astype(np.float32)
    np.testing.assert_array_equal(_streamed(y, SR, 0.1), y)
    np.testing.assert_array_equal(_streamed((y, 16000), SR, 0.1), load_audio((y, 16000), SR))


def test_a_file_truncated_mid_stream_names_the_file_and_where_decoding_stopped(tmp_path, rng):
    path = _noise_file(tmp_path, "whole.flac", 22050, 1, 20.0, rng, subtype="PCM_16")
    cut = tmp_path / "cut.flac"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        InvalidAudioError, match=r"cut\.flac.*(decoding failed past|decoding stopped at) \d+\.\d\d s"
    ):
        _streamed(cut, SR, 1.0)


# ---------------------------------------------------------------- spectra by blocks


@pytest.mark.parametrize(
    "config",
    [FrontEndConfig(), FrontEndConfig(n_fft=1023, hop_length=300, kernel_size=18), FrontEndConfig(sr=8000)],
)
def test_blocks_of_s_h_p_are_the_whole_clip_s_slices(small_blocks, rng, config):
    hop = config.hop_length
    # shorter than a block, at block boundaries and one sample either side, many blocks
    lengths = [
        100,
        SMALL_BLOCK * hop,
        SMALL_BLOCK * hop + 1,
        SMALL_BLOCK * hop - 1,
        3 * SMALL_BLOCK * hop + 17,
    ]
    for n in lengths:
        y = (0.1 * rng.standard_normal(n)).astype(np.float32)
        y[: n // 3] = 0.0  # silence too
        whole = Spectra(y, config)
        parts = np.split(y, np.sort(rng.integers(0, n, 4)))
        blocks = list(spectra_blocks(parts, config))
        assert [b.start for b in blocks] == list(range(0, whole.S.shape[1], SMALL_BLOCK))
        assert blocks[-1].stop == whole.S.shape[1] and blocks[-1].n_samples == n
        for b in blocks:
            for name in ("S", "H", "P"):
                np.testing.assert_array_equal(getattr(b, name), getattr(whole, name)[:, b.start : b.stop])
        for name in ("rms_harmonic", "rms_percussive", "poly"):
            got = np.concatenate([getattr(b, name) for b in blocks], axis=-1)
            np.testing.assert_array_equal(got, getattr(whole, name))


def test_frame_store_reads_back_what_it_kept_from_disk_after_one_block(monkeypatch, rng):
    from musicfeat import accumulators

    monkeypatch.setattr(accumulators, "STORE_MEMORY_BYTES", 0)
    blocks = [rng.standard_normal((3, k)).astype(np.float32) for k in (5, 1, 7)]
    blocks[2] = np.asfortranarray(blocks[2])
    store = FrameStore()
    store.append(blocks[0])
    assert [b is blocks[0] for b in store] == [True]  # one block: in memory
    for b in blocks[1:]:
        store.append(b)
    for got, kept in zip(store, blocks, strict=True):
        np.testing.assert_array_equal(got, kept)
        assert got.flags.f_contiguous == kept.flags.f_contiguous  # read back in its layout
    store.close()


# ---------------------------------------------------------------- features by blocks

ALL_STREAMED = [
    "hpss",
    "spectral",
    "poly",
    "zero_crossings",
    "rhythm",
    "note_classes",
    "bands",
    "windowed",
    "mfcc",
]


#: The extended set and the MFCCs: every group but pitch.
EXTENDED = {"feature_set": "extended", "include": [*ALL_STREAMED, "hp_mfcc", "hp_mfcc_vlad"]}


def _rows(X, **params):
    params = {"include": ALL_STREAMED, **params}
    whole = MusicFeatures(engine="whole", **params).fit_transform(X)
    streamed = MusicFeatures(engine="stream", **params).fit_transform(X)
    return whole, streamed


@pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
def test_streamed_features_equal_the_whole_clip_s_on_recordings(small_blocks, example_path, tmp_path):
    stereo = tmp_path / "stereo 44k.flac"
    y, rate = sf.read(example_path("trumpet"), dtype="float32")
    sf.write(stereo, np.stack([y, y[::-1]], axis=1), 44100)  # declared 44.1 kHz: resampled
    # a trumpet, drums (choice), speech (libri1), and the trumpet as a 44.1 kHz stereo FLAC
    clips = [example_path("trumpet"), example_path("choice"), example_path("libri1"), str(stereo)]
    whole, streamed = _rows(clips)
    assert whole.shape == (4, 419 + 40)
    np.testing.assert_array_equal(streamed, whole)
    # The extended set too: its MFCC frames, their percentiles, and the codebook learnt from streamed clips.
    whole, streamed = _rows(clips, **EXTENDED, vlad_clusters=4)
    assert whole.shape == (4, 419 + 40 + 280 + 4 * 40)
    np.testing.assert_array_equal(streamed, whole)


@pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
def test_streamed_features_equal_the_whole_clip_s_on_edge_cases(small_blocks, rng):
    hop = 512
    steady = np.sin(2 * np.pi * 440 * np.arange(SMALL_BLOCK * hop) / SR).astype(np.float32)
    clips = [
        np.zeros(3 * SMALL_BLOCK * hop, dtype=np.float32),  # silence
        (0.1 * rng.standard_normal(100)).astype(np.float32),  # shorter than one frame
        steady,  # at a block boundary, and one sample either side
        steady[:-1],
        np.concatenate([steady, steady[:1]]),
        (0.1 * rng.standard_normal(2 * SMALL_BLOCK * hop + hop + 7)).astype(
            np.float32
        ),  # a last block of 1 frame
    ]
    whole, streamed = _rows(clips)
    np.testing.assert_array_equal(streamed, whole)
    whole, streamed = _rows(clips, **EXTENDED, vlad_clusters=3)
    np.testing.assert_array_equal(streamed, whole)
    assert np.count_nonzero(whole[0, -3 * 40 :]) == 0, "silence has no frame of sound to encode"


@pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
def test_streamed_features_equal_at_another_analysis(small_blocks, rng):
    y = (0.1 * rng.standard_normal(8000 * 9)).astype(np.float32)
    analysis = {"sr": 8000, "n_fft": 1024, "hop_length": 300, "kernel_size": 17, "hpss_margin": 2.0}
    whole, streamed = _rows([(y, 11025)], **analysis)
    np.testing.assert_array_equal(streamed, whole)
    whole, streamed = _rows([(y, 11025), y[: 8000 * 4]], **EXTENDED, n_mfcc=13, vlad_clusters=2, **analysis)
    np.testing.assert_array_equal(streamed, whole)


@pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
def test_a_stream_failing_mid_file_gives_no_row(small_blocks, tmp_path, rng):
    path = _noise_file(tmp_path, "whole.flac", 22050, 1, 20.0, rng, subtype="PCM_16")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    mf = MusicFeatures(engine="stream")
    with pytest.raises(InvalidAudioError, match=r"X\[0\] \(.*cut\.flac.*decoding failed past") as error:
        mf.fit_transform([str(cut)])
    assert 6.0 <= float(str(error.value).split("past ")[1].split(" s")[0]) <= 10.0  # cut near 10 s
    with pytest.warns(ExtractionWarning, match=r"cut\.flac"):
        X = mf.set_params(on_error="nan").fit_transform([str(cut), str(path)])
    assert np.isnan(X[0]).all() and np.isfinite(X[1]).all()


@pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")
def test_engine_auto_streams_files_above_the_threshold(monkeypatch, tmp_path, rng):
    from musicfeat.extraction import plan as extraction_plan
    from musicfeat.extraction import runner

    path = _noise_file(tmp_path, "long.wav", 22050, 1, 2.0, rng)
    streamed = []
    original = runner.spectra_blocks
    monkeypatch.setattr(runner, "spectra_blocks", lambda *a: streamed.append(1) or original(*a))
    MusicFeatures().fit_transform([str(path)])
    assert not streamed
    monkeypatch.setattr(extraction_plan, "STREAM_ABOVE_SECONDS", 1.0)
    row = MusicFeatures().fit_transform([str(path), np.zeros(22050 * 2, dtype=np.float32), np.zeros(99)])
    assert streamed == [1, 1], "a file or a waveform above the threshold streams; a shorter one does not"
    monkeypatch.setattr(extraction_plan, "STREAM_ABOVE_SECONDS", 300.0)
    np.testing.assert_array_equal(row[0], MusicFeatures().fit_transform([str(path)])[0])
    MusicFeatures(include=["hpss", "pitch"]).fit_transform([str(path)])  # pitch: whole, whatever the length
    assert streamed == [1, 1]
    monkeypatch.setattr(extraction_plan, "STREAM_ABOVE_SECONDS", 1.0)
    extended = MusicFeatures(feature_set="extended", include=["hp_mfcc", "hp_mfcc_vlad"], vlad_clusters=2)
    extended.fit_transform([str(path)])
    assert streamed == [1, 1, 1], "the extended set streams too, and its fit reads each clip once"


def test_engine_is_validated_in_fit():
    with pytest.raises(ValueError, match="engine"):
        MusicFeatures(engine="fast").fit()
    with pytest.raises(ValueError, match=r"engine.*PitchFeatures needs the whole clip"):
        MusicFeatures(include=["pitch"], engine="stream").fit()
    assert MusicFeatures(engine="stream").get_params()["engine"] == "stream"


# ---------------------------------------------------------------- segments from the stream


@pytest.mark.parametrize("tail", ["shift", "pad", "drop"])
def test_segments_cut_from_the_stream_equal_those_of_the_waveform(monkeypatch, tmp_path, rng, tail):
    from musicfeat.io import stream as io_stream
    from musicfeat.segments import Segmenter, windows

    monkeypatch.setattr(windows, "WINDOW_BATCH", 3)  # several batches per recording
    monkeypatch.setattr(io_stream, "BLOCK_SECONDS", 0.7)  # several chunks per window
    path = _noise_file(tmp_path, "talk.flac", 44100, 2, 9.3, rng)
    y = load_audio(path, SR)
    segmenter = Segmenter(MusicFeatures(include=["hpss", "zero_crossings"]), tail=tail)
    from_file, from_waveform = segmenter.segment([str(path)]), segmenter.segment([y])
    assert from_file.start_s.tolist() == [s for s, _ in segmenter.bounds(y.size, SR)]
    for name in ("X", "start_s", "end_s", "energy_db", "recording"):
        np.testing.assert_array_equal(getattr(from_file, name), getattr(from_waveform, name))
    # and each window's row is that of the window cut from the whole waveform
    k = len(from_file.start_s) - 1
    start = int(round(from_file.start_s[k] * SR))
    window = np.pad(y[start : start + 2 * SR], (0, max(0, start + 2 * SR - y.size)))
    np.testing.assert_array_equal(from_file.X[k], segmenter.features.fit_transform([window])[0])


def test_pitch_refuses_clips_longer_than_it_can_hold_whole(monkeypatch, tmp_path, rng):
    from musicfeat.groups import pitch

    monkeypatch.setattr(pitch, "PITCH_MAX_SECONDS", 2.0)
    path = _noise_file(tmp_path, "talk.wav", 16000, 1, 3.0, rng)
    mf = MusicFeatures(include=["hpss", "pitch"])
    for item in (str(path), load_audio(path, SR), (load_audio(path, 16000), 16000)):
        with pytest.raises(InvalidAudioError, match=r"lasts 3 s, longer than 2 s: PitchFeatures \(pYIN\)"):
            mf.fit_transform([item])
    assert np.isfinite(mf.fit_transform([load_audio(path, SR)[:SR]])).all()
