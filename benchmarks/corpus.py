"""Build the development corpus of ``benchmarks/features.py`` from pinned Debian packages.

    python benchmarks/corpus.py OUT [--debs-dir DIR] [--max-class-min 40]

Game soundtracks from eight public Debian 12 ("bookworm") packages, one
class per composer: 9 classes, 96 tracks, 287.5 min. The same corpus, byte
for byte and row for row, as ``../shared/tools/make-dev-corpus``, so the
accuracy tables of ``benchmarks/README.md`` and ``docs/feature-sets.md``
can be reproduced from the repository alone.

Steps
    1. ``apt-get download PACKAGE=VERSION`` of each pinned package, in a
       temporary folder, through the machine's configured apt sources (no
       host is named here); its SHA-256 is checked against :data:`PACKAGES`
       and the .deb kept in ``OUT/debs`` (a later run reuses it, offline). A
       version the sources no longer serve, or a file whose hash differs,
       stops the build naming the package.
    2. ``dpkg-deb -x`` of each into ``OUT/unpacked/PACKAGE`` (nothing is
       installed).
    3. Per class (:data:`CLASSES`): the files its globs match, minus the
       listed exclusions and other composers' files (by the package's DEP-5
       ``debian/copyright``), at least 30 s long, byte-identical files and
       repeated title tags dropped; taken in the order of
       ``sha1("<Class>/<path in package>")`` up to 25 tracks and about
       ``--max-class-min`` minutes, never fewer than 8.
    4. ``OUT/music/<Class>/<file>`` (hard links, or copies) and
       ``OUT/music/manifest.csv``: class, path (relative to OUT), duration_s
       (frames / samplerate, 3 decimals), samplerate, channels, package,
       package_version, source_path, licence. Then ``OUT/music/clips.csv``:
       every clip ``benchmarks/features.py`` cuts from those tracks (view,
       key, class, path, start_s, end_s; tracks have no start or end), from
       the rule in that module, so the excerpts are listed once, in the
       open.

Needs apt-get, dpkg-deb and Python with ``soundfile`` (a dependency of
librosa, so of musicfeat). Keep OUT (about 1.8 GB) outside the repository;
never commit the audio. The licences (GPL, CC-BY, CC-BY-SA; see the
manifest) ask that the composers be credited when figures are published.
"""

import argparse
import csv
import fnmatch
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: package -> (version, sha256 of the .deb): Debian 12 bookworm main, Architecture: all.
PACKAGES = {
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

# One class per composer. globs are paths inside the package; srcmap turns an installed path
# into the path the DEP-5 "Files:" patterns use; licence is used only where the copyright file
# is not machine-readable, and must then be stated in that file (evidence).
CLASSES = {
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
    "NaevWhallon": dict(
        pkg="naev-data",
        globs=["usr/share/naev/dat/snd/music/*.ogg"],
        holder="Nikola Whallon",
        exclude=["ambient2_5.ogg"],
        srcmap=("usr/share/naev/", ""),
    ),
    # Askyel's share of the Naev soundtrack; sirius2 remixes a Whallon track.
    "NaevAskyel": dict(
        pkg="naev-data",
        globs=["usr/share/naev/dat/snd/music/*.ogg"],
        holder="Askyel",
        exclude=["sirius2.ogg"],
        srcmap=("usr/share/naev/", ""),
    ),
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
MIN_DURATION = 30.0
MIN_TRACKS, MAX_TRACKS = 8, 25
FIELDS = [
    "class",
    "path",
    "duration_s",
    "samplerate",
    "channels",
    "package",
    "package_version",
    "source_path",
    "licence",
]


class CorpusError(RuntimeError):
    """The corpus cannot be built as pinned (the message names the package or class)."""


def log(msg):
    print(f"corpus: {msg}", file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def deb_name(pkg, version):
    return f"{pkg}_{version.replace(':', '%3a')}_all.deb"


def fetch(pkg, debs_dir):
    """The pinned .deb of ``pkg`` in ``debs_dir``: reused when its hash is right, else downloaded."""
    version, expected = PACKAGES[pkg]
    dest = Path(debs_dir) / deb_name(pkg, version)
    if dest.exists() and sha256(dest) == expected:
        return dest
    log(f"apt-get download {pkg}={version}")
    with tempfile.TemporaryDirectory(dir=debs_dir, prefix=".download.") as tmp:
        if os.geteuid() == 0:  # apt downloads as _apt when run as root; let it write here
            try:
                shutil.chown(tmp, user="_apt")
            except (LookupError, OSError):
                pass
        run = subprocess.run(
            ["apt-get", "download", "-q=2", f"{pkg}={version}"], cwd=tmp, capture_output=True, text=True
        )
        got = Path(tmp) / deb_name(pkg, version)
        if run.returncode != 0 or not got.exists():
            raise CorpusError(
                f"package {pkg!r}: apt-get download of version {version} failed ({run.stderr.strip() or run.returncode}); "
                "the configured sources may no longer serve it (apt-get update, or check `apt-cache madison "
                f"{pkg}`), and a new version's music must be checked by hand before its pin is changed"
            )
        actual = sha256(got)
        if actual != expected:
            raise CorpusError(f"package {pkg!r} {version}: sha256 is {actual}, expected {expected}")
        os.replace(got, dest)
    return dest


def unpack(pkg, deb, unpacked):
    """``dpkg-deb -x`` into ``unpacked/pkg`` unless already unpacked from the same pinned .deb."""
    dest, stamp = Path(unpacked) / pkg, Path(unpacked) / f".{pkg}.unpacked"
    version, digest = PACKAGES[pkg]
    if dest.is_dir() and stamp.exists() and stamp.read_text().strip() == f"{pkg} {version} {digest}":
        return dest
    log(f"unpacking {pkg} {version}")
    tmp = Path(f"{dest}.tmp")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
    tmp.rename(dest)
    stamp.write_text(f"{pkg} {version} {digest}\n")
    return dest


def dep5(copyright_path):
    """``([(patterns, copyright, licence)], text)`` of a DEP-5 copyright file; ``(None, text)`` if prose."""
    text = Path(copyright_path).read_text(encoding="utf-8", errors="replace")
    if not text.startswith("Format:"):
        return None, text
    stanzas = []
    for para in re.split(r"\n[ \t]*\n", text):
        fields, key = {}, None
        for ln in para.splitlines():
            if ln[:1] in (" ", "\t") and key:
                fields[key] += "\n" + ln.strip()
            elif ":" in ln:
                key, val = ln.split(":", 1)
                fields[key] = val.strip()
        if "Files" in fields and "License" in fields:
            pats = [p[2:] if p.startswith("./") else p for p in fields["Files"].split()]
            licence = (fields["License"].splitlines() or [""])[0].strip()
            stanzas.append((pats, fields.get("Copyright", ""), licence))
    return stanzas, text


def stanza_for(stanzas, srcpath):
    hit = None
    for st in stanzas:  # DEP-5: the last matching stanza wins
        if any(fnmatch.fnmatchcase(srcpath, p) for p in st[0]):
            hit = st
    return hit


def probe(path):
    """``(frames, samplerate, channels, title)`` of an audio file."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        return f.frames, f.samplerate, f.channels, (f.title or "").strip()


def candidates(cls, cfg, root):
    """The class's eligible tracks in their fixed pseudo-random order."""
    stanzas, ctext = dep5(os.path.join(root, "usr/share/doc", cfg["pkg"], "copyright"))
    if stanzas is None and cfg.get("evidence", "\0") not in ctext:
        raise CorpusError(f"{cls}: the copyright file of {cfg['pkg']} does not state {cfg.get('evidence')!r}")
    out, seen_sha, seen_title = [], {}, {}
    for p in sorted({p for g in cfg["globs"] for p in glob.glob(os.path.join(root, g))}):
        rel = os.path.relpath(p, root)
        if os.path.islink(p) or not os.path.isfile(p) or os.path.basename(p) in cfg.get("exclude", ()):
            continue
        if stanzas is not None:
            a, b = cfg["srcmap"]
            if not rel.startswith(a):
                raise CorpusError(f"{cls}: {rel} is outside {a}")
            st = stanza_for(stanzas, b + rel[len(a) :])
            if st is None:
                raise CorpusError(f"{cls}: no copyright stanza matches {rel}")
            if cfg.get("holder") and cfg["holder"] not in st[1]:
                continue  # another composer's track in the same folder
            licence = st[2]
        else:
            licence = cfg["licence"]
        frames, sr, ch, title = probe(p)
        if frames / sr < MIN_DURATION:
            continue
        digest = sha256(p)
        if digest in seen_sha:
            continue
        seen_sha[digest] = rel
        tkey = re.sub(r"\W+", " ", title.lower()).strip()
        if tkey and cfg.get("title_dedupe", True):
            if tkey in seen_title:
                continue
            seen_title[tkey] = rel
        key = hashlib.sha1(f"{cls}/{rel}".encode()).hexdigest()
        out.append(dict(key=key, rel=rel, src=p, dur=frames / sr, sr=sr, ch=ch, licence=licence))
    return sorted(out, key=lambda c: c["key"])


def select(cls, cands, cap_s):
    chosen, total = [], 0.0
    for c in cands:
        if len(chosen) >= MAX_TRACKS or (len(chosen) >= MIN_TRACKS and total + c["dur"] > cap_s):
            break
        chosen.append(c)
        total += c["dur"]
    if len(chosen) < MIN_TRACKS:
        raise CorpusError(f"{cls}: only {len(chosen)} tracks >= {MIN_DURATION:.0f} s, need {MIN_TRACKS}")
    return chosen, total


def build(out, debs_dir=None, max_class_min=40.0):
    """Build the corpus in ``out``; returns the manifest's rows."""
    out = Path(out).resolve()
    debs_dir = Path(debs_dir or out / "debs").resolve()
    unpacked, music = out / "unpacked", out / "music"
    for d in (debs_dir, unpacked):
        d.mkdir(parents=True, exist_ok=True)
    roots = {pkg: unpack(pkg, fetch(pkg, debs_dir), unpacked) for pkg in PACKAGES}
    shutil.rmtree(music, ignore_errors=True)
    music.mkdir()
    rows = []
    for cls, cfg in sorted(CLASSES.items()):
        chosen, total = select(cls, candidates(cls, cfg, str(roots[cfg["pkg"]])), max_class_min * 60)
        log(f"{cls:12s} {cfg['pkg']:22s} {len(chosen):3d} tracks {total / 60:6.1f} min")
        (music / cls).mkdir()
        for c in chosen:
            stem, ext = os.path.splitext(os.path.basename(c["rel"]))
            c["name"] = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") + ext.lower()
        if len({c["name"] for c in chosen}) < len(chosen):
            raise CorpusError(f"{cls}: two tracks would get the same file name")
        for c in sorted(chosen, key=lambda c: c["name"]):
            dst = music / cls / c["name"]
            try:
                os.link(c["src"], dst)
            except OSError:
                shutil.copy2(c["src"], dst)
            rows.append(
                {
                    "class": cls,
                    "path": dst.relative_to(out).as_posix(),
                    "duration_s": f"{c['dur']:.3f}",
                    "samplerate": c["sr"],
                    "channels": c["ch"],
                    "package": cfg["pkg"],
                    "package_version": PACKAGES[cfg["pkg"]][0],
                    "source_path": "/" + c["rel"],
                    "licence": c["licence"],
                }
            )
    with open(music / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_clips(out)
    log(
        f"{len(rows)} tracks, {sum(float(r['duration_s']) for r in rows) / 60:.1f} min -> {music / 'manifest.csv'}"
    )
    return rows


def write_clips(out):
    """``OUT/music/clips.csv``: the clips of every view of ``benchmarks/features.py``, from its rule."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from features import read_corpus

    with open(Path(out) / "music" / "clips.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["view", "key", "class", "path", "start_s", "end_s"])
        for view, clips in read_corpus(out).items():
            for c in clips:
                path = Path(c.path).relative_to(Path(out).resolve()).as_posix()
                start = "" if c.start is None else f"{c.start:.3f}"
                end = "" if c.end is None else f"{c.end:.3f}"
                writer.writerow([view, c.key, c.label, path, start, end])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the corpus folder (outside the repository)")
    parser.add_argument(
        "--debs-dir", help="where the .debs are kept (default OUT/debs); share it between corpora"
    )
    parser.add_argument("--max-class-min", type=float, default=40.0, help="minutes per class before the cap")
    args = parser.parse_args(argv)
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            parser.exit(2, f"corpus: {tool!r} not found: this needs a Debian system\n")
    try:
        build(args.out, args.debs_dir, args.max_class_min)
    except CorpusError as error:
        parser.exit(1, f"corpus: ERROR: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
