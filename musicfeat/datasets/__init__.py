"""Data that ships with musicfeat.

Only public-domain or CC BY material is bundled; librosa's CC BY-NC examples
are never copied into the installed package.
"""

from importlib import resources

__all__ = ["example_audio", "EXAMPLE_ATTRIBUTION"]


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
