"""The corpora ``benchmarks/corpus.py`` builds: pinned Debian packages, one class per composer.

``dev``
    The development corpus: 9 composers, 96 tracks, 287.5 min from eight
    packages; the one ``../shared/tools/make-dev-corpus`` builds, and the
    one the feature sets were developed and tuned on.
``heldout``
    A corpus no feature was tuned on (issue 20): 8 composers of two games'
    soundtracks, UFO: Alien Invasion (``ufoai-music``) and Battle for
    Wesnoth (``wesnoth-1.16-music``), none of them in ``dev``. Wesnoth's
    tracks carry their composer in the Vorbis ``ARTIST`` tag, which the
    build reads (the copyright file is prose and never itemises the music).
    UFO:AI's tracks are named after their composer (``Crystan-*``,
    ``Psymong*``...): the file name is the evidence. The package's DEP-5
    ``debian/copyright`` only confirms it, since each of its stanzas lists
    several composers for several files (Crystan's and Marine's files
    share one); where a track has an ``ARTIST`` tag it must name the
    composer (7 of Crystan's 14 files, 4 of Vanethian's 6 do), else the
    build stops. 5 to 16 eligible tracks a composer, 5 to 11 taken (the
    40-minute cap): classes need 5 tracks, one per fold of the benchmark's
    5-fold splits.

A corpus is a dict: ``packages`` (package -> (version, sha256 of the
.deb)), ``classes`` (class -> how its tracks are found), ``min_tracks`` (a
class with fewer eligible tracks stops the build), and ``archives``
(package -> zip archives inside it, such as a game's ``.pk3``, unpacked
beside themselves into ``<archive>.d/``).

How a class finds its tracks (keys of its dict)
    ``pkg``: the package. ``globs``: paths inside the unpacked package.
    ``exclude``: file names left out (remixes, other authors). ``srcmap``:
    ``(installed prefix, DEP-5 prefix)``, which turns an installed path into
    the path the copyright file's ``Files:`` patterns use. ``holder``: a
    name the matching stanza's ``Copyright:`` must contain (tracks of other
    composers in the same folder are skipped). ``artist``: the Vorbis
    ``ARTIST`` tag a track must carry (others are skipped). ``aliases``:
    names one of which a track's ``ARTIST`` tag, when it has one, must
    contain (case-insensitive; empty and ``<Unknown>`` tags pass); a track
    that contradicts them stops the build. ``licence`` and
    ``evidence``: used only where the copyright file is not machine-readable,
    which must then state ``evidence``. ``title_dedupe``: drop repeated
    title tags (default True).
"""

#: package -> (version, sha256 of the .deb): Debian 12 bookworm main, Architecture: all.
DEV_PACKAGES = {
    "singularity-music": ("007-2", "139ba1e408eeb0a72f1fff3760ca46558b9f81bed97dc8c0efa108c4007f4845"),
    "marsshooter-data": ("0.7.6-7", "b8d040a9739434f2be96bbf9b38f0743d56d59b853647b2242f9357e38394951"),
    "colobot-common-sounds": ("0.2.0-2", "819e799542eac69c95b072567b5584eb3e0b2bb900de13efa3684915747b1644"),
    "pushover-data": (
        "0.0.5+git20180909-4",
        "75f52ad553c73660489631b4b4eeb308c3601beee68a097abdd5f2e4e442cbfb",
    ),
    "hyperrogue-music": ("12.0q-1", "61ab9f4c2169442d85f42c42d26e80c1a18b93c741f3d44f1b9d83015904e7f7"),
    "naev-data": ("0.8.2-1", "a98849cacdfc72779e03ceb68f32af03cb3c3f382ba8b82e3299ef87254b454d"),
    "openclonk-data": ("8.1-3", "1505314b47196c5052caf75e870ea2cf36bdb4e1d0c7e3f133da93815b7e642f"),
    "flare-game": ("1.14-1", "4ab6a8298276013d35a0806257e130d992761af1b749041433b409c3dafec508"),
}

# Naev's music folder holds two composers' tracks, told apart by their DEP-5 stanza.
_NAEV = dict(pkg="naev-data", globs=["usr/share/naev/dat/snd/music/*.ogg"], srcmap=("usr/share/naev/", ""))

DEV_CLASSES = {
    # Max McCracken ("Maxstack"): the Endgame: Singularity soundtrack, electronic.
    "Singularity": dict(
        pkg="singularity-music",
        globs=["usr/share/games/singularity/music/*.ogg", "usr/share/games/singularity/music/*/*.ogg"],
        licence="CC-BY-SA-3.0",
        evidence="this License: Attribution, ShareAlike.",
    ),
    # Obsidian Shell: the M.A.R.S. soundtrack, rock/metal.
    "MarsShooter": dict(
        pkg="marsshooter-data",
        globs=["usr/share/games/marsshooter/audio/*.ogg", "usr/share/games/marsshooter/audio/music/*.ogg"],
        srcmap=("usr/share/games/marsshooter/", "data/"),
    ),
    # Daniel Roux: the original Colobot score (music002-013); Emxx52's tracks and Intro2 left out.
    "Colobot": dict(
        pkg="colobot-common-sounds",
        globs=["usr/share/games/colobot/music/music0*.ogg"],
        srcmap=("usr/share/games/colobot/", ""),
    ),
    # Roberto Lorenz: the Pushover theme tunes.
    "Pushover": dict(
        pkg="pushover-data",
        globs=["usr/share/pushover/themes/*.ogg"],
        srcmap=("usr/share/pushover/", "data/"),
    ),
    # Shawn Parrotte (NeonCorridor): HyperRogue's hr3-* tracks; their titles all name the album.
    "HyperRogue": dict(
        pkg="hyperrogue-music",
        globs=["usr/share/hyperrogue/music/hr3-*.ogg"],
        srcmap=("usr/share/hyperrogue/", ""),
        title_dedupe=False,
    ),
    # Nikola Whallon's share of the Naev soundtrack; ambient2_5 reworks ambient2.
    "NaevWhallon": dict(_NAEV, holder="Nikola Whallon", exclude=["ambient2_5.ogg"]),
    # Askyel's share of the Naev soundtrack; sirius2 remixes a Whallon track.
    "NaevAskyel": dict(_NAEV, holder="Askyel", exclude=["sirius2.ogg"]),
    # Martin Strohmeier (K-Pone): the OpenClonk soundtrack; debian/copyright is prose.
    "OpenClonk": dict(
        pkg="openclonk-data",
        globs=["usr/share/games/openclonk/Music.ocg/*.ogg"],
        licence="ISC or CC-BY-3.0 (not itemised)",
        evidence="Creative Commons Attribution 3.0",
    ),
    # Brandon Morris and remaxim: Flare's "fantasycore" score; wind_ambient (another author) left out.
    "Flare": dict(
        pkg="flare-game",
        globs=["usr/share/games/flare/mods/fantasycore/music/*.ogg"],
        exclude=["wind_ambient.ogg"],
        srcmap=("usr/share/games/flare/", ""),
    ),
}


#: The held-out corpus's packages: Debian 12 bookworm main, Architecture: all.
HELDOUT_PACKAGES = {
    "ufoai-music": ("2.5-2", "2465d55e9dce75a3a2a1ad1c8ca67da84e251c04e0965d63a8562b2d9f76f9e6"),
    "wesnoth-1.16-music": (
        "1:1.16.9-1",
        "f9bc3cde92b4ab30db5d7b85f89b4bcc3d788dd92602956d0347250850bf59bb",
    ),
}

_UFOAI_PK3 = "usr/share/games/ufoai/base/0music.pk3"  # the game's music archive, a zip
_UFOAI = dict(pkg="ufoai-music", srcmap=(f"{_UFOAI_PK3}.d/", "base/"))
_UFOAI_MUSIC = f"{_UFOAI_PK3}.d/music/"
# Wesnoth's copyright file never mentions the music: its licence here is the package's GPL
# paragraph, inferred for the music too.
_WESNOTH = dict(
    pkg="wesnoth-1.16-music",
    globs=["usr/share/games/wesnoth/1.16/data/core/music/*.ogg"],
    licence="GPL-2+ (not itemised)",
    evidence="GNU General Public License version 2",
)

HELDOUT_CLASSES = {
    # Christian "Crystan" Hoffmann: UFO:AI's battlescape and geoscape tracks of 2010-2012.
    "UfoaiCrystan": dict(
        _UFOAI,
        globs=[_UFOAI_MUSIC + "Crystan-*.ogg"],
        holder="Christian Hoffmann",
        aliases=("Crystan", "Christian Hoffmann"),
    ),
    # Simon Green (Psymong): his N, O and R series.
    "UfoaiPsymong": dict(
        _UFOAI, globs=[_UFOAI_MUSIC + "Psymong*.ogg"], holder="Simon Green (Psymong)", aliases=("Psymong",)
    ),
    # "Marine" Baklund.
    "UfoaiMarine": dict(
        _UFOAI, globs=[_UFOAI_MUSIC + "Marine*.ogg"], holder='"Marine" Baklund', aliases=("Marine",)
    ),
    # Manuel "Vanethian" Marino: the 2004 theme, geoscape and mission tracks.
    "UfoaiVanethian": dict(
        _UFOAI, globs=[_UFOAI_MUSIC + "van_*.ogg"], holder="Vanethian", aliases=("Vanethian",)
    ),
    # David Reeves (Destructavator): David01-05.
    "UfoaiDavid": dict(
        _UFOAI, globs=[_UFOAI_MUSIC + "David0*.ogg"], holder="David Reeves", aliases=("David Reeves",)
    ),
    # Mattias Westlund: eight orchestral tracks of the main soundtrack.
    "WesnothWestlund": dict(_WESNOTH, artist="Mattias Westlund"),
    # Doug Kaufman: the battle, elvish and siege themes.
    "WesnothKaufman": dict(_WESNOTH, artist="Doug Kaufman"),
    # Aleksi Aubry-Carlson: Wesnoth's early score (main menu, battle, underground...).
    "WesnothAubryCarlson": dict(_WESNOTH, artist="Aleksi Aubry-Carlson"),
}

CORPORA = {
    "dev": dict(packages=DEV_PACKAGES, classes=DEV_CLASSES, min_tracks=8, archives={}),
    "heldout": dict(
        packages=HELDOUT_PACKAGES,
        classes=HELDOUT_CLASSES,
        min_tracks=5,
        archives={"ufoai-music": [_UFOAI_PK3]},
    ),
}
