"""Files as real collections hold them: valid ones read, cut or damaged ones refused saying what and where.

io's contract (musicfeat/io/headers.py, files.py): an Ogg stream whose last
granule position overstates its samples by a codec frame is whole; a WAV or
AIFF whose data chunk runs past the end of the file is truncated, said from
its header before decoding; an Ogg stream that decodes short says which page
is damaged; any name the file system holds is read; samples that are not
audio are refused with the file's words, without a NumPy warning.
"""

import io
import os
import struct
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from helpers import SR
from hypothesis import given, settings
from hypothesis import strategies as st

from musicfeat import InvalidAudioError, MusicFeatures, ZeroCrossingFeatures, load_audio
from musicfeat.cli import main
from musicfeat.io import item_kind, open_audio
from musicfeat.io.files import mix_down
from musicfeat.io.headers import container_cut, ogg_crc

pytestmark = pytest.mark.filterwarnings("ignore::musicfeat.DegenerateFeatureWarning")


def _ogg_crc_reference(page):
    """Ogg's CRC-32 bit by bit (polynomial 0x04c11db7, no reflection, initial 0), as the spec states it."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _ogg(seconds, rate, subtype, channels=2):
    noise = 0.1 * np.random.default_rng(0).standard_normal((int(seconds * rate), channels))
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", rate, channels, format="OGG", subtype=subtype) as f:
        for start in range(0, len(noise), rate):  # libvorbis fails on very long writes
            f.write(noise[start : start + rate].astype(np.float32))
    return bytearray(buffer.getvalue())


def _overstate_last_granule(data, by):
    """The last page's granule position raised by ``by``, its checksum recomputed: a valid page."""
    last = data.rindex(b"OggS")
    granule = struct.unpack_from("<q", data, last + 6)[0]
    struct.pack_into("<q", data, last + 6, granule + by)
    struct.pack_into("<I", data, last + 22, 0)
    struct.pack_into("<I", data, last + 22, _ogg_crc_reference(data[last:]))
    return data


def test_ogg_crc_is_the_spec_s(rng):
    for size in (0, 1, 27, 255, 4096):
        page = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        assert ogg_crc(page) == _ogg_crc_reference(page)
    data = _ogg(1.0, 44100, "VORBIS")
    last = data.rindex(b"OggS")
    page = bytearray(data[last:])
    stored = struct.unpack_from("<I", page, 22)[0]
    page[22:26] = bytes(4)
    assert ogg_crc(page) == stored  # libogg's own checksum


# ---------------------------------------------------------------- Ogg: a length that is an estimate


@pytest.mark.parametrize(
    ("subtype", "rate", "granule_rate"), [("VORBIS", 44100, 44100), ("OPUS", 48000, 48000)]
)
def test_an_ogg_whose_last_granule_overstates_its_samples_is_read(tmp_path, subtype, rate, granule_rate):
    """As real Vorbis and Opus files are: a few ms fewer samples than the header's frame count."""
    data = _overstate_last_granule(_ogg(3.0, rate, subtype), by=int(0.008 * granule_rate))
    path = tmp_path / f"estimate.{subtype.lower()}.ogg"
    path.write_bytes(bytes(data))
    with open_audio(path) as audio:
        header = audio.header
        decoded = sum(len(block) for block in audio.blocks())
    assert 0 < header.frames - decoded <= header.tolerance  # the property under test
    y = load_audio(path, SR)
    expected, _ = librosa.load(path, sr=SR, mono=True)
    np.testing.assert_array_equal(y, expected)
    assert np.isfinite(ZeroCrossingFeatures().transform([str(path)])).all()


@pytest.mark.parametrize("subtype", ["VORBIS", "OPUS"])
def test_an_ogg_cut_in_the_middle_is_still_refused(tmp_path, subtype):
    data = _ogg(4.0, 48000, subtype)
    path = tmp_path / "cut.ogg"
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(InvalidAudioError, match=r"cut\.ogg.*truncated: the file ends inside an Ogg page"):
        load_audio(path, SR)


def test_an_ogg_whose_granule_overstates_by_more_than_a_frame_is_refused(tmp_path):
    data = _overstate_last_granule(_ogg(3.0, 44100, "VORBIS"), by=44100)  # a whole second
    path = tmp_path / "lying.ogg"
    path.write_bytes(bytes(data))
    with pytest.raises(
        InvalidAudioError, match=r"corrupt: it decodes to 3\.00 s of the 4\.00 s .*1\.00 s of audio are lost"
    ):
        load_audio(path, SR)


@pytest.mark.parametrize("engine", ["whole", "stream"])
def test_an_ogg_damaged_in_the_middle_says_where(tmp_path, engine):
    """libsndfile resyncs past damage and decodes on without a word (to a length that depends on
    how much it is asked for at a time): the pages' checksums say where the damage is."""
    data = _ogg(20.0, 22050, "VORBIS", channels=1)
    middle = len(data) // 2
    data[middle : middle + 3000] = np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    path = tmp_path / "damaged.ogg"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidAudioError) as info:
        ZeroCrossingFeatures(engine=engine).transform([str(path)])
    message = str(info.value)
    assert (
        "corrupt: the Ogg page at byte " in message and "fails its checksum, so its audio is lost" in message
    )
    byte = int(message.split("at byte ")[1].split(" ")[0].replace(",", ""))
    after = float(message.split("(after ")[1].split(" s")[0])
    assert middle - 70_000 < byte <= middle and 8.0 < after < 10.5
    assert "decoding stopped at" not in message  # it did not stop: it lost audio in the middle


def test_an_ogg_missing_whole_pages_says_where(tmp_path):
    data = _ogg(6.0, 22050, "VORBIS", channels=1)
    third = data.index(b"OggS", len(data) // 3)
    following = data.index(b"OggS", data.index(b"OggS", third + 4) + 4)
    path = tmp_path / "pages.ogg"
    path.write_bytes(bytes(data[:third] + data[following:]))  # two pages cut out, on their boundaries
    with pytest.raises(
        InvalidAudioError,
        match=rf"corrupt: Ogg pages are missing before byte {third:,} \(page \d+ follows page",
    ):
        load_audio(path, SR)


def test_an_ogg_whose_page_is_broken_says_where(tmp_path):
    data = _ogg(6.0, 22050, "VORBIS", channels=1)
    third = data.index(b"OggS", len(data) // 3)
    following = data.index(b"OggS", third + 4)
    path = tmp_path / "gap.ogg"
    path.write_bytes(bytes(data[:third] + data[third + 10 : following] + data[following:]))
    with pytest.raises(
        InvalidAudioError, match=rf"corrupt: no Ogg page begins at byte {third:,}, where one should"
    ):
        load_audio(path, SR)


def test_a_flac_cut_short_says_where_decoding_failed(tmp_path):
    noise = 0.1 * np.random.default_rng(0).standard_normal(20 * 22050)
    sf.write(tmp_path / "whole.flac", noise.astype(np.float32), 22050, subtype="PCM_16")
    data = (tmp_path / "whole.flac").read_bytes()
    (tmp_path / "cut.flac").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidAudioError) as info:
        load_audio(tmp_path / "cut.flac", SR)  # the whole clip read as the stream is: within a block
    message = str(info.value)
    assert "corrupt or truncated: decoding failed past " in message
    assert "(within the 2.00 s after it) of the 20.00 s its header declares" in message
    assert 6.0 <= float(message.split("past ")[1].split(" s")[0]) <= 10.0  # cut near 10 s


# ---------------------------------------------------------------- WAV and AIFF: the data chunk's size


def _pcm(path, seconds=10.0, rate=44100, channels=2, **kwargs):
    noise = 0.1 * np.random.default_rng(0).standard_normal((int(seconds * rate), channels))
    sf.write(path, noise.astype(np.float32), rate, **kwargs)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("take.wav", {"subtype": "PCM_16"}),
        ("take.aiff", {"subtype": "PCM_16"}),
        ("take.aifc", {"format": "AIFF", "subtype": "FLOAT"}),
        ("take.rf64", {"format": "RF64", "subtype": "PCM_24"}),
        ("float.wav", {"subtype": "FLOAT"}),
        ("take.w64", {"format": "W64", "subtype": "PCM_16"}),
        ("take.au", {"format": "AU", "subtype": "PCM_16"}),
    ],
)
def test_a_wav_aiff_or_au_cut_in_half_is_truncated(tmp_path, name, kwargs):
    whole = _pcm(tmp_path / name, **kwargs)
    assert load_audio(tmp_path / name, SR).size == 10 * SR  # the whole file is whole
    half = tmp_path / f"half {name}"
    half.write_bytes(whole[: len(whole) // 2])  # head -c: a half-copied file
    with pytest.raises(InvalidAudioError) as info:
        load_audio(half, SR)
    message = str(info.value)
    assert "truncated: the header declares 10.00 s, the file holds" in message
    held = float(message.split("the file holds ")[1].split(" s")[0])
    assert 4.9 < held < 5.1
    stub = tmp_path / f"stub {name}"
    stub.write_bytes(whole[:5000])
    with pytest.raises(
        InvalidAudioError, match=r"truncated: the header declares 10\.00 s, the file holds 0\.0\d s"
    ):
        ZeroCrossingFeatures().transform([str(stub)])


def test_a_wav_with_chunks_after_its_data_is_whole(tmp_path):
    whole = _pcm(tmp_path / "take.wav", seconds=2.0, subtype="PCM_16")
    info = b"INFOINAM" + struct.pack("<I", 6) + b"title\0"
    tagged = bytearray(whole + b"LIST" + struct.pack("<I", len(info)) + info)
    struct.pack_into("<I", tagged, 4, len(tagged) - 8)  # the RIFF size, as a tagger writes it
    (tmp_path / "tagged.wav").write_bytes(bytes(tagged))
    np.testing.assert_array_equal(
        load_audio(tmp_path / "tagged.wav", SR), load_audio(tmp_path / "take.wav", SR)
    )


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_a_streamed_wav_without_a_data_size_is_not_called_truncated(tmp_path, size):
    """A WAV written to a pipe says 0 or 0xFFFFFFFF: "not known yet", which is no declared length."""
    whole = bytearray(_pcm(tmp_path / "take.wav", seconds=1.0, subtype="PCM_16"))
    data = whole.index(b"data")
    struct.pack_into("<I", whole, data + 4, size)
    (tmp_path / "streamed.wav").write_bytes(bytes(whole))
    try:
        y = load_audio(tmp_path / "streamed.wav", SR)
    except InvalidAudioError as error:  # libsndfile's own verdict on such a file is not ours to test
        assert "truncated" not in str(error)
    else:
        assert y.size > 0


def test_a_file_object_is_checked_from_where_it_stands(tmp_path):
    whole = _pcm(tmp_path / "take.wav", seconds=2.0, subtype="PCM_16")
    buffer = io.BytesIO(b"junk" + whole[: len(whole) // 2])
    buffer.seek(4)
    with pytest.raises(InvalidAudioError, match=r"truncated: the header declares 2\.00 s"):
        load_audio(buffer, SR)
    assert buffer.tell() == 4 or buffer.closed is False


def _containers():
    files = {}
    for name, kwargs in [
        ("wav", {"format": "WAV", "subtype": "PCM_16"}),
        ("rf64", {"format": "RF64", "subtype": "PCM_16"}),
        ("w64", {"format": "W64", "subtype": "PCM_16"}),
        ("aiff", {"format": "AIFF", "subtype": "PCM_16"}),
        ("au", {"format": "AU", "subtype": "PCM_16"}),
        ("ogg", {"format": "OGG", "subtype": "VORBIS"}),
    ]:
        buffer = io.BytesIO()
        sf.write(buffer, np.zeros((2000, 2), dtype=np.float32), 8000, **kwargs)
        files[name] = buffer.getvalue()
    return files


CONTAINERS = _containers()


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(CONTAINERS)),
    changes=st.lists(st.tuples(st.integers(0, 120), st.integers(0, 255)), max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 9000)),
)
def test_mangled_containers_are_read_without_an_exception(name, changes, cut):
    data = bytearray(CONTAINERS[name])
    for position, byte in changes:
        if position < len(data):
            data[position] = byte
    buffer = io.BytesIO(bytes(data[:cut]))
    said = container_cut(buffer)
    assert said is None or said.startswith(("truncated: ", "corrupt: ", "the "))
    assert buffer.tell() == 0


# ---------------------------------------------------------------- names and samples


def test_a_file_name_that_is_not_utf8_is_read_everywhere(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.wav"
    try:
        with open(name, "wb") as f:
            f.write(_pcm(tmp_path / "take.wav", seconds=1.0, subtype="PCM_16"))
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    expected = load_audio(tmp_path / "take.wav", SR)
    as_text = os.fsdecode(name)  # holds a surrogate escape: "caf\udce9.wav"
    for item in (name, as_text):
        np.testing.assert_array_equal(load_audio(item, SR), expected)
        with open_audio(item) as audio:
            assert audio.header.frames == 44100
    rows = ZeroCrossingFeatures().transform([as_text, name, tmp_path / "take.wav"])
    assert np.isfinite(rows).all() and (rows[0] == rows[2]).all() and (rows[1] == rows[2]).all()
    cached = MusicFeatures(include=["hpss", "zero_crossings"], memory=str(tmp_path / "cache"))
    assert np.isfinite(cached.fit_transform([as_text, as_text])).all()
    out = io.StringIO()
    assert main(["features", "--include", "zero_crossings", as_text], out=out) == 0
    assert "zero_crossing" in out.getvalue()


def _float_wav(tmp_path, value, at=1000, channels=2):
    y = (0.1 * np.random.default_rng(0).standard_normal((22050, channels))).astype(np.float32)
    y[at, 0] = value
    path = tmp_path / "float.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    return path


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (1e20, r"its sample values reach 1e\+20, the first at 0\.05 s: not audio in \[-1, 1\]"),
        (3e38, r"its sample values reach 3e\+38, the first at 0\.05 s: not audio"),
        (np.nan, r"NaN or infinite samples, the first at 0\.05 s"),
        (np.inf, r"NaN or infinite samples, the first at 0\.05 s"),
    ],
)
def test_a_float_wav_whose_samples_are_not_audio_says_so_without_numpy_warnings(tmp_path, value, said):
    path = _float_wav(tmp_path, value, at=1100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for engine in ("whole", "stream"):
            with pytest.raises(InvalidAudioError, match=r"float\.wav.*" + said):
                MusicFeatures(engine=engine, include=["hpss", "zero_crossings"]).fit_transform([str(path)])


def test_a_float_wav_over_full_scale_is_still_audio(tmp_path):
    path = _float_wav(tmp_path, 8.0)  # headroom, as float files may have
    assert np.abs(load_audio(path, SR)).max() > 1.0


@pytest.mark.parametrize("channels", range(1, 10))
def test_mixing_down_equals_numpy_s_mean(rng, channels):
    block = (rng.standard_normal((50_000, channels)) * [1e-3, 1.0, 1e3][channels % 3]).astype(np.float32)
    expected = block.T.mean(axis=0)
    np.testing.assert_array_equal(mix_down(block), expected)


# ---------------------------------------------------------------- items


def test_a_swapped_pair_says_which_order_musicfeat_takes():
    y = np.zeros(SR, dtype=np.float32)
    for rate in (SR, np.int64(SR), 22050.0):
        with pytest.raises(
            InvalidAudioError,
            match=r"a \(sample_rate, waveform\) pair; musicfeat takes \(waveform, sample_rate\)",
        ) as info:
            ZeroCrossingFeatures().transform([(rate, y)])
        assert "array([" not in str(info.value) and "array of shape (22050,)" in str(info.value)


def test_item_kind_names_every_kind(tmp_path):
    from pathlib import Path

    from musicfeat import Spectra

    y = np.zeros(4096, dtype=np.float32)
    with open(__file__, "rb") as f:
        kinds = [
            item_kind(x)
            for x in (
                "a.wav",
                b"a.wav",
                Path("a.wav"),
                f,
                io.BytesIO(),
                y,
                [0.0, 1.0],
                (y, SR),
                (SR, y),
                Spectra(y),
            )
        ]
    assert kinds == ["path"] * 3 + ["file"] * 2 + ["waveform"] * 2 + ["pair"] * 2 + ["spectra"]
