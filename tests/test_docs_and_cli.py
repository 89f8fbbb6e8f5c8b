"""The generated docs stay in step with the code; the CLI quick start works."""

import io
from pathlib import Path

import numpy as np

from musicfeat import FEATURE_SET_VERSION, MusicFeatures
from musicfeat.cli import main
from musicfeat.datasets import example_audio
from musicfeat.reference import describe, render

ROOT = Path(__file__).parent.parent


def test_feature_reference_is_generated_from_the_code():
    committed = (ROOT / "docs" / "features.md").read_text()
    assert committed == render(), "run: python -m musicfeat.reference > docs/features.md"


def test_every_feature_has_a_definition():
    for name in MusicFeatures().get_feature_names_out():
        assert describe(name)


def test_quick_start_prints_419_named_values_of_the_bundled_example():
    out = io.StringIO()
    assert main(["features"], out=out) == 0
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    assert len(lines) == 419
    names = [line.split()[0] for line in lines]
    assert names == list(MusicFeatures().get_feature_names_out())
    values = np.array([float(line.split()[1]) for line in lines])
    expected = MusicFeatures().fit_transform([example_audio()])[0]
    np.testing.assert_allclose(values, expected, rtol=1e-9)
    assert f"feature set {FEATURE_SET_VERSION}" in out.getvalue()


def test_cli_reports_bad_files_and_bad_options(tmp_path, capsys):
    bad = tmp_path / "not audio.wav"
    bad.write_text("hello")
    assert main(["features", str(bad)], out=io.StringIO()) == 1
    assert "not audio.wav" in capsys.readouterr().err
    assert main(["features", "--hop-length", "0"], out=io.StringIO()) == 2
    assert main(["features", "--band-counts", "4,x"], out=io.StringIO()) == 2


def test_cli_options_change_the_vector():
    out = io.StringIO()
    assert main(["features", "--band-counts", "4", "--window-seconds", "1"], out=out) == 0
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    assert len(lines) == 23 + 36 + 32 + 12


def test_bundled_data_is_free_with_attribution():
    """Only the public-domain example and the Apache-2.0 talk table: never librosa's CC BY-NC clips."""
    data = Path(example_audio()).parent
    text = (data / "ATTRIBUTION.txt").read_text()
    assert "Public Domain" in text and "Apache License 2.0" in text
    assert sorted(p.name for p in data.iterdir() if p.name != "__pycache__") == [
        "ATTRIBUTION.txt",
        "TALK_LICENSE.txt",
        "brahms_hungarian_dance_5.ogg",
        "talk_features_247.csv.xz",
    ]


def test_every_extractor_parameter_is_a_command_line_option():
    from musicfeat.cli import _EXTRACTOR_OPTIONS

    # how to run, not what to compute
    not_options = {"memory", "n_jobs", "on_error", "max_duration", "engine"}
    not_options.add("groups")  # group instances of the user's: Python objects, no command-line form
    assert set(_EXTRACTOR_OPTIONS) == set(MusicFeatures._get_param_names()) - not_options


def test_cli_feature_set_include_and_group_parameters(capsys):
    out = io.StringIO()
    assert main(["features", "--include", "hpss,mfcc", "--n-mfcc", "3"], out=out) == 0
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    assert [line.split()[0] for line in lines][-2:] == ["mfcc1_std", "mfcc2_std"] and len(lines) == 8 + 6
    assert main(["features", "--feature-set", "nope"], out=io.StringIO()) == 2
    assert (
        "The 'feature_set' parameter of MusicFeatures must be a str among {'talk419', 'extended'}"
        in capsys.readouterr().err
    )
    assert main(["features", "--include", "hpss,tempo"], out=io.StringIO()) == 2
    # A set that learns learns from the files given (here the bundled example).
    out = io.StringIO()
    args = ["features", "--feature-set", "extended", "--include", "hpss,hp_mfcc_vlad", "--vlad-clusters", "4"]
    assert main(args, out=out) == 0
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    assert len(lines) == 8 + 160 and lines[-1].startswith("vlad3_percussive_mfcc19 ")


def test_cli_says_once_that_it_compiles_only_when_the_kernel_cache_is_cold(monkeypatch, capsys):
    import musicfeat.kernels

    for warm in (False, True):
        monkeypatch.setattr(musicfeat.kernels, "cache_is_warm", lambda warm=warm: warm)
        assert main(["features"], out=io.StringIO()) == 0
        err = capsys.readouterr().err
        assert err.count("compiling musicfeat's kernels, once: about") == (0 if warm else 1), err


def test_cli_says_when_every_run_compiles_and_nothing_when_nothing_does(monkeypatch, capsys):
    import musicfeat.kernels
    import musicfeat.kernels._config as config

    monkeypatch.setattr(musicfeat.kernels, "cache_is_warm", lambda: False)
    monkeypatch.setattr(config, "cache_is_kept", lambda: False)  # no writable cache folder
    assert main(["features"], out=io.StringIO()) == 0
    assert "compiling musicfeat's kernels, in every run: no writable cache folder" in capsys.readouterr().err
    monkeypatch.setattr(config, "jit_is_on", lambda: False)  # NUMBA_DISABLE_JIT: plain Python
    assert main(["features"], out=io.StringIO()) == 0
    assert "compiling" not in capsys.readouterr().err


def test_cli_starts_compiling_before_it_builds_its_parser_only_where_it_extracts(monkeypatch):
    import musicfeat.cli as cli

    begun = []
    monkeypatch.setattr(cli, "_begin_kernels", lambda say: begun.append(say) or "compiling")
    cases = {
        ("features",): [True],
        ("features", "song.ogg", "other.flac"): [True],
        ("features", "--help"): [],
        ("extract", "root", "-o", "t.csv", "--jobs", "1", "-q"): [False],
        ("features", "-q"): [True],  # not an option of features: the parser says so
        ("extract", "root", "-o", "t.csv", "-j", "2"): [],  # the workers' fork server compiles
        ("extract", "root", "-o", "t.csv"): [],
        ("extract", "root", "--jobs", "many"): [],
        ("report", "t.csv"): [],
        (): [],
    }
    for argv, expected in cases.items():
        begun.clear()
        got = cli._start_compiling_early(cli._peek(list(argv)))
        assert begun == expected, argv
        assert got == ("compiling" if expected else None), argv


def test_a_usage_error_stops_the_compilation_begun_and_says_nothing_of_it(monkeypatch, capsys):
    import musicfeat.cli as cli

    calls = []

    class Begun:
        def finish(self):
            calls.append("finish")

        def abandon(self):
            calls.append("abandon")

    monkeypatch.setattr(cli, "_begin_kernels", lambda say: Begun())
    assert main(["features", "--no-such-option"], out=io.StringIO()) == 2
    assert calls == ["abandon"] and "compiling" not in capsys.readouterr().err
    calls.clear()
    assert main(["features"], out=io.StringIO()) == 0
    assert calls == ["finish", "abandon"]  # abandoning a finished one does nothing


def test_ctrl_c_outside_a_batch_is_one_line_and_status_130(monkeypatch, capsys):
    import musicfeat.cli as cli

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_features_command", interrupted)  # e.g. while the kernels compile
    assert main(["features"], out=io.StringIO()) == 130
    assert capsys.readouterr().err == "musicfeat: interrupted\n"
