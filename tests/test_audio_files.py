"""Audio files under hostile headers: each fails alone, quickly, with a reason that says what happened.

io's contract (musicfeat/io/files.py, limits.py): the header is checked
before a sample is decoded (sample rate range, declared duration against
``max_duration``, an Ogg stream cut short), decoding is bounded, running out
of memory is the clip's failure, and the decoders' own wording ("File does
not exist" for bad MP3 data) never reaches the user.
"""

import io
import os
import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from helpers import SR, tone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicfeat import ExtractionWarning, InvalidAudioError, ZeroCrossingFeatures, load_audio
from musicfeat.io import SAMPLE_RATE_RANGE, AudioFile, AudioHeader, open_audio


def _peak_allocation(function, *args, **kwargs):
    """``(result or raised InvalidAudioError, peak bytes traced)``: numpy reports its buffers to tracemalloc."""
    tracemalloc.start()
    try:
        try:
            result = function(*args, **kwargs)
        except InvalidAudioError as error:
            result = error
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def two_hours_of_flac_silence(tmp_path_factory):
    """Two hours of 8 kHz silence: a 180 KB FLAC that decodes to 230 MB, 635 MB at 22,050 Hz."""
    path = tmp_path_factory.mktemp("long") / "two hours of silence.flac"
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_16", format="FLAC") as f:
        ten_minutes = np.zeros(8000 * 600, dtype=np.int16)
        for _ in range(12):
            f.write(ten_minutes)
    assert os.path.getsize(path) < 500_000
    return path


# ---------------------------------------------------------------- rates and durations


def test_a_one_hertz_header_fails_alone_from_its_header(tmp_path):
    one_hertz = tmp_path / "one hertz.wav"
    sf.write(one_hertz, (0.1 * np.ones(44100)).astype(np.float32), 1)  # 44,100 s at 1 Hz
    error, peak = _peak_allocation(load_audio, one_hertz, SR)
    assert isinstance(error, InvalidAudioError) and peak < 2**20  # nothing decoded
    assert "sample rate 1 Hz is outside the range musicfeat reads (1000 Hz to 768000 Hz)" in str(error)
    with pytest.warns(ExtractionWarning, match=r"X\[0\] .*sample rate 1 Hz"):
        X = ZeroCrossingFeatures(on_error="nan").transform([one_hertz, tone(440.0, 0.5)])
    assert np.isnan(X[0]).all() and np.isfinite(X[1]).all()


def test_a_file_longer_than_max_duration_is_refused_from_its_header(two_hours_of_flac_silence):
    error, peak = _peak_allocation(load_audio, two_hours_of_flac_silence, SR, max_duration=3600.0)
    assert isinstance(error, InvalidAudioError) and peak < 2**20
    assert "it lasts 7200 s (2.0 h), longer than max_duration=3600 s" in str(error)
    with pytest.warns(ExtractionWarning, match=r"X\[0\] .*longer than max_duration=3600 s"):
        X = ZeroCrossingFeatures(on_error="nan", max_duration=3600).transform(
            [two_hours_of_flac_silence, tone(440.0, 0.5)]
        )
    assert np.isnan(X[0]).all() and np.isfinite(X[1]).all()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_running_out_of_memory_fails_only_that_clip(two_hours_of_flac_silence):
    """Under an address-space limit, a file too large for it is its own failure; the next clip is extracted.

    Held whole (``engine='whole'``), two hours do not fit in 700 MB; streamed
    (the default for a file that long), they do.
    """
    script = textwrap.dedent(
        """
        import resource, sys, warnings
        import numpy as np
        from musicfeat import MusicFeatures

        mf = MusicFeatures(on_error="nan", max_duration=None, engine="whole")
        short = (0.1 * np.sin(np.arange(8 * 22050) * 0.3)).astype(np.float32)
        mf.fit_transform([short])  # every import and compilation done before the limit
        with open("/proc/self/status") as status:
            size = next(int(line.split()[1]) for line in status if line.startswith("VmSize")) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size + 700 * 2**20, resource.RLIM_INFINITY))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X = mf.transform([sys.argv[1], short])
        streamed = mf.set_params(engine="auto").transform([sys.argv[1]])
        print(bool(np.isnan(X[0]).all()), bool(np.isfinite(X[1]).all()), bool(np.isfinite(streamed).all()))
        print(*(f"{w.category.__name__}: {w.message}" for w in caught), sep="\\n")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(two_hours_of_flac_silence)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    rows, *messages = result.stdout.splitlines()
    assert rows == "True True True"
    assert len(messages) == 1 and messages[0].startswith("ExtractionWarning: X[0] (")
    assert "ran out of memory while" in messages[0]


def test_memory_errors_in_the_analysis_are_the_clip_s(monkeypatch):
    real = ZeroCrossingFeatures.accumulator

    class Exhausting:  # runs out of memory on the clip of 7000 samples
        def __init__(self, inner):
            self.inner = inner

        def add(self, block):
            if block.n_samples == 7000:
                raise MemoryError
            self.inner.add(block)

        def finish(self):
            return self.inner.finish()

    monkeypatch.setattr(ZeroCrossingFeatures, "accumulator", lambda self, c: Exhausting(real(self, c)))
    X = [tone(440.0, 0.5), tone(440.0, 7000 / SR)]
    with pytest.raises(
        InvalidAudioError, match=r"^X\[1\] .*ran out of memory analysing it \(0 s at 22050 Hz\)"
    ):
        ZeroCrossingFeatures().transform(X)
    with pytest.warns(ExtractionWarning, match=r"X\[1\] .*ran out of memory"):
        out = ZeroCrossingFeatures(on_error="nan").transform(X)
    assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()


def test_a_decoder_that_goes_past_max_duration_is_stopped():
    """A header that understates (or omits) the length cannot make decoding unbounded."""

    def endless(frames):
        return np.zeros((frames, 2), dtype=np.float32)

    header = AudioHeader(rate=1000, channels=2, frames=None, format="WAV")
    audio = AudioFile("lying.wav", 3, header, endless, max_duration=5.0)
    with pytest.raises(InvalidAudioError, match=r"^X\[3\] .*decodes to more than max_duration=5 s"):
        for _ in audio.blocks(frames=1024):
            pass
    assert audio.frames_decoded <= 5000 + 1024


@pytest.mark.parametrize("rate", [1e-9, 999.0, 768_001, 1e15, float("nan"), "44100"])
def test_pairs_at_rates_out_of_range_are_refused(rate):
    with pytest.raises(InvalidAudioError, match=r"X\[0\] .*sample rate"):
        ZeroCrossingFeatures().transform([(np.zeros(1000), rate)])


@pytest.mark.parametrize("rate", SAMPLE_RATE_RANGE)
def test_pairs_at_the_ends_of_the_range_are_resampled(rate):
    y = load_audio((np.sin(np.arange(rate // 10) * 0.01), rate), SR)
    assert y.size == int(np.ceil(rate / 10 * SR / rate))


def test_waveforms_longer_than_max_duration_are_refused():
    with pytest.raises(InvalidAudioError, match=r"X\[0\] .*lasts 2 s .*longer than max_duration=1 s"):
        ZeroCrossingFeatures(max_duration=1.0).transform([(np.zeros(2 * 8000), 8000)])
    assert ZeroCrossingFeatures(max_duration=None).transform([np.zeros(2 * SR)]).shape == (1, 2)


def test_load_audio_refuses_an_unusable_target_rate():
    with pytest.raises(
        ValueError, match=r"sr must be an int in the range \[1000, 768000\]; got 1000000000000000\.0"
    ):
        load_audio((np.zeros(10), 8000), 1e15)


# ---------------------------------------------------------------- messages that say what happened


def _vorbis(seconds=4.0):
    noise = 0.1 * np.random.default_rng(0).standard_normal(int(seconds * SR))  # pages full of audio
    buffer = io.BytesIO()
    sf.write(buffer, noise.astype(np.float32), SR, format="OGG", subtype="VORBIS")
    return buffer.getvalue()


def test_a_half_truncated_ogg_says_it_is_truncated_and_where(tmp_path):
    whole = _vorbis()
    path = tmp_path / "half.ogg"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidAudioError) as info:
        load_audio(path, SR)
    message = str(info.value)
    assert "truncated: the file ends inside an Ogg page, at byte" in message
    assert "only its first" in message and "s of audio decode" in message and "empty" not in message
    np.testing.assert_array_equal(load_audio(io.BytesIO(whole), SR), load_audio(_write(tmp_path, whole), SR))


def _write(tmp_path, data, name="whole.ogg"):
    (tmp_path / name).write_bytes(data)
    return tmp_path / name


def test_an_ogg_cut_before_its_first_audio_page_is_not_called_empty(tmp_path):
    whole = _vorbis()
    first_audio_page = whole.index(b"OggS", whole.index(b"OggS", 4) + 4)  # after the two header pages
    path = _write(tmp_path, whole[: first_audio_page + 100], "cut.ogg")
    with pytest.raises(
        InvalidAudioError, match=r"truncated: .*no audio page before the cut is whole"
    ) as info:
        load_audio(path, SR)
    assert "zero samples" not in str(info.value)


def test_an_ogg_without_its_end_of_stream_page_is_truncated(tmp_path):
    whole = bytearray(_vorbis())
    last_page = whole.rindex(b"OggS")
    # cut at a page boundary: every page whole, the last one without the end-of-stream mark
    path = _write(tmp_path, bytes(whole[:last_page]), "boundary.ogg")
    with pytest.raises(
        InvalidAudioError, match=r"truncated: the last Ogg page .* lacks the end-of-stream mark"
    ):
        load_audio(path, SR)


def test_garbage_named_mp3_does_not_say_file_does_not_exist(tmp_path):
    path = tmp_path / "garbage.mp3"
    path.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)))
    with pytest.raises(InvalidAudioError, match="not audio in a format musicfeat reads") as info:
        load_audio(path, SR)
    assert "does not exist" not in str(info.value)


def test_a_float64_waveform_beyond_float32_says_it_overflows():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no numpy overflow warning on the way
        with pytest.raises(
            InvalidAudioError, match=r"overflow float32.*largest magnitude is 1e\+300"
        ) as info:
            load_audio(np.array([0.1, 1e300, -0.2]), SR)
    assert "NaN" not in str(info.value)
    with pytest.raises(InvalidAudioError, match=r"samples reach 3e\+38 in magnitude: not audio"):
        load_audio(np.array([0.5, 3e38]), SR)  # within float32, beyond what its analysis holds
    assert load_audio(np.array([0.5, 32767.0]), SR).dtype == np.float32  # unscaled int16 is fine


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX's")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "x.wav"
    os.mkfifo(fifo)
    with pytest.raises(InvalidAudioError, match="not a regular file"):
        load_audio(fifo, SR)


# ---------------------------------------------------------------- decoding a block at a time


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_block_decoding_equals_librosa_load(tmp_path, channels, rng):
    data = (0.2 * rng.standard_normal((3 * 44100, channels))).astype(np.float32)
    path = tmp_path / f"{channels}.wav"
    sf.write(path, data, 44100, subtype="FLOAT")
    expected, _ = librosa.load(path, sr=SR, mono=True)
    np.testing.assert_array_equal(load_audio(path, SR), expected)
    with open_audio(path) as audio:
        assert audio.header == AudioHeader(rate=44100, channels=channels, frames=3 * 44100, format="WAV")
        blocks = list(audio.blocks(frames=10_000))
    assert [b.shape for b in blocks[:1]] == [(10_000, channels)] and audio.frames_decoded == 3 * 44100
    np.testing.assert_array_equal(np.concatenate(blocks), data)


def test_open_audio_reads_a_file_object_after_walking_its_pages():
    buffer = io.BytesIO(_vorbis(1.0))
    with open_audio(buffer) as audio:
        assert audio.header.format == "OGG" and audio.header.channels == 1
        assert audio.read_mono().size == audio.header.frames > 0


# ---------------------------------------------------------------- fuzzing the headers


@pytest.fixture(scope="module")
def valid_files():
    y = tone(440.0, 1.0)
    files = {}
    for name, fmt, subtype in [
        ("wav", "WAV", "PCM_16"),
        ("flac", "FLAC", "PCM_16"),
        ("ogg", "OGG", "VORBIS"),
    ]:
        buffer = io.BytesIO()
        sf.write(buffer, np.stack([y, 0.5 * y], axis=1), SR, format=fmt, subtype=subtype)
        files[name] = buffer.getvalue()
    return files


def _flac_field(data, first_bit, bits, value):
    """Set a big-endian bit field of the FLAC STREAMINFO block (which starts at byte 8)."""
    whole = int.from_bytes(data[8:26], "big")
    shift = 18 * 8 - first_bit - bits
    whole = whole & ~(((1 << bits) - 1) << shift) | (value % (1 << bits)) << shift
    data[8:26] = whole.to_bytes(18, "big")


#: (format, field, writer): the header fields a decoder sizes its work by.
HEADER_FIELDS = {
    ("wav", "channels"): lambda d, v: d.__setitem__(slice(22, 24), (v % 2**16).to_bytes(2, "little")),
    ("wav", "sample rate"): lambda d, v: d.__setitem__(slice(24, 28), (v % 2**32).to_bytes(4, "little")),
    ("wav", "block align"): lambda d, v: d.__setitem__(slice(32, 34), (v % 2**16).to_bytes(2, "little")),
    ("wav", "bits per sample"): lambda d, v: d.__setitem__(slice(34, 36), (v % 2**16).to_bytes(2, "little")),
    ("wav", "data size"): lambda d, v: d.__setitem__(slice(40, 44), (v % 2**32).to_bytes(4, "little")),
    ("flac", "sample rate"): lambda d, v: _flac_field(d, 80, 20, v),
    ("flac", "channels"): lambda d, v: _flac_field(d, 100, 3, v),
    ("flac", "bits per sample"): lambda d, v: _flac_field(d, 103, 5, v),
    ("flac", "total samples"): lambda d, v: _flac_field(d, 108, 36, v),
    # Ogg: the first page's header, then the Vorbis identification header (channels, rate).
    ("ogg", "page flags"): lambda d, v: d.__setitem__(5, v % 256),
    ("ogg", "granule position"): lambda d, v: d.__setitem__(slice(6, 14), (v % 2**64).to_bytes(8, "little")),
    ("ogg", "segment count"): lambda d, v: d.__setitem__(26, v % 256),
    ("ogg", "vorbis channels"): lambda d, v: d.__setitem__(28 + 11, v % 256),
    ("ogg", "vorbis sample rate"): lambda d, v: d.__setitem__(
        slice(28 + 12, 28 + 16), (v % 2**32).to_bytes(4, "little")
    ),
}
EXTREMES = [0, 1, 2, 7, 255, 999, 1000, 65535, 768_000, 768_001, 2**31 - 1, 2**32 - 1, 2**36 - 1, 2**63]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(sorted(HEADER_FIELDS)),
    value=st.one_of(st.sampled_from(EXTREMES), st.integers(0, 2**64)),
    more=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 30_000)),
    noise=st.binary(max_size=64),
)
def test_mutated_headers_give_only_the_package_error_and_never_a_large_allocation(
    tmp_path_factory, valid_files, field, value, more, cut, noise
):
    name, _ = field
    data = bytearray(valid_files[name])
    HEADER_FIELDS[field](data, value)
    for position, byte in more:  # and a few random header bytes
        data[position] = byte
    if cut is not None:
        data = data[:cut] + noise
    path = tmp_path_factory.mktemp("headers") / f"clip.{name}"
    path.write_bytes(bytes(data))
    # Every file here is 1 s of audio: a mutation that makes it hours long must be refused
    # from the header, not decoded; tracemalloc sees every numpy buffer.
    result, peak = _peak_allocation(load_audio, path, SR, max_duration=60.0)
    assert peak < 64 * 2**20, f"{field}={value}: {peak / 2**20:.0f} MB"
    if not isinstance(result, InvalidAudioError):
        assert result.dtype == np.float32 and result.ndim == 1 and result.size > 0
        assert np.isfinite(result).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".wav", ".ogg", ".flac", ".mp3", ".aiff"]))
def test_random_bytes_give_only_the_package_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("random") / f"clip{suffix}"
    path.write_bytes(data)
    try:
        row = ZeroCrossingFeatures().transform([path])
    except InvalidAudioError:
        return
    assert np.isfinite(row).all()
