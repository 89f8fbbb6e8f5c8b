"""Build a corpus of ``benchmarks/features.py`` from pinned Debian packages.

    python benchmarks/corpus.py OUT [--corpus dev|heldout] [--debs-dir DIR] [--max-class-min 40]

Game soundtracks from public Debian 12 ("bookworm") packages, one class
per composer; the corpora are defined in ``corpora.py``. ``dev`` (the
default): 9 classes, 96 tracks, 287.5 min from eight packages, the same
corpus, byte for byte and row for row, as ``../shared/tools/make-dev-corpus``,
so the accuracy tables of ``benchmarks/README.md`` and
``docs/feature-sets.md`` can be reproduced from the repository alone.
``heldout``: 8 composers of UFO: Alien Invasion and Battle for Wesnoth
(two packages, 363 MB of downloads), music no feature was tuned on.

Steps
    1. ``apt-get download PACKAGE=VERSION`` of each pinned package, in a
       temporary folder, through the machine's configured apt sources (no
       host is named here); its SHA-256 is checked against the corpus's pin
       and the .deb kept in ``OUT/debs`` (a later run reuses it, offline). A
       version the sources no longer serve, or a file whose hash differs,
       stops the build naming the package.
    2. ``dpkg-deb -x`` of each into ``OUT/unpacked/PACKAGE`` (nothing is
       installed); a game archive holding the music (UFO:AI's ``.pk3``, a
       zip) is unpacked beside itself.
    3. Per class: the files its globs match, minus the listed exclusions and
       other composers' files (by the package's DEP-5 ``debian/copyright``,
       or by the tracks' ``ARTIST`` tag), at least 30 s long, byte-identical
       files and repeated title tags dropped; taken in the order of
       ``sha1("<Class>/<path in package>")`` up to 25 tracks and about
       ``--max-class-min`` minutes, never fewer than the corpus's minimum
       (8 tracks for ``dev``, 5 for ``heldout``).
    4. ``OUT/music/<Class>/<file>`` (hard links, or copies) and
       ``OUT/music/manifest.csv``: class, path (relative to OUT), duration_s
       (frames / samplerate, 3 decimals), samplerate, channels, package,
       package_version, source_path, licence. Then ``OUT/music/clips.csv``:
       every clip ``benchmarks/features.py`` cuts from those tracks (view,
       key, class, path, start_s, end_s; tracks have no start or end), from
       the rule in that module, so the excerpts are listed once, in the
       open.

Needs apt-get, dpkg-deb and Python with ``soundfile`` (a dependency of
librosa, so of musicfeat). Keep OUT (about 1.8 GB for ``dev``, 0.9 GB for
``heldout``) outside the repository; never commit the audio. The licences (GPL, CC-BY, CC-BY-SA; see the
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
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import CORPORA  # noqa: E402

MIN_DURATION = 30.0
MAX_TRACKS = 25
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


def fetch(pkg, pin, debs_dir):
    """The pinned .deb of ``pkg`` in ``debs_dir``: reused when its hash is right, else downloaded.

    ``pin`` is ``(version, sha256)``.
    """
    version, expected = pin
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
                f"package {pkg!r}: apt-get download of version {version} failed "
                f"({run.stderr.strip() or run.returncode}); "
                "the configured sources may no longer serve it (apt-get update, or check `apt-cache madison "
                f"{pkg}`), and a new version's music must be checked by hand before its pin is changed"
            )
        actual = sha256(got)
        if actual != expected:
            raise CorpusError(f"package {pkg!r} {version}: sha256 is {actual}, expected {expected}")
        os.replace(got, dest)
    return dest


def unpack(pkg, pin, deb, unpacked, archives=()):
    """``dpkg-deb -x`` into ``unpacked/pkg`` unless already unpacked from the same pinned .deb.

    Each zip archive of ``archives`` (paths inside the package) is unpacked beside itself, into
    ``<archive>.d/``.
    """
    dest, stamp = Path(unpacked) / pkg, Path(unpacked) / f".{pkg}.unpacked"
    version, digest = pin
    stamp_text = " ".join([pkg, version, digest, *archives])  # a changed archive list unpacks again
    if dest.is_dir() and stamp.exists() and stamp.read_text().strip() == stamp_text:
        return dest
    log(f"unpacking {pkg} {version}")
    tmp = Path(f"{dest}.tmp")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        run = subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], capture_output=True, text=True)
        if run.returncode != 0:
            raise CorpusError(f"package {pkg!r}: dpkg-deb -x failed: {run.stderr.strip() or run.returncode}")
        for archive in archives:
            try:
                with zipfile.ZipFile(tmp / archive) as zf:
                    zf.extractall(tmp / f"{archive}.d")  # extractall keeps members inside the folder
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
                raise CorpusError(f"package {pkg!r}: cannot unpack {archive}: {error}") from error
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # hundreds of MB: do not leave them behind
        raise
    tmp.rename(dest)
    stamp.write_text(stamp_text + "\n")
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
    """``(frames, samplerate, channels, title, artist)`` of an audio file."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        return f.frames, f.samplerate, f.channels, (f.title or "").strip(), (f.artist or "").strip()


def _tag_agrees(artist, aliases):
    """Whether an ARTIST tag is empty, a placeholder, or names one of ``aliases`` (None: any tag)."""
    if not aliases or artist.lower() in ("", "<unknown>", "unknown"):
        return True
    return any(alias.lower() in artist.lower() for alias in aliases)


def candidates(cls, cfg, root):
    """The class's eligible tracks in their fixed pseudo-random order."""
    stanzas, ctext = dep5(os.path.join(root, "usr/share/doc", cfg["pkg"], "copyright"))
    if stanzas is None and cfg.get("evidence", "\0") not in ctext:
        raise CorpusError(f"{cls}: the copyright file of {cfg['pkg']} does not state {cfg.get('evidence')!r}")
    out, seen_sha, seen_title = [], {}, {}
    matched = sorted({p for g in cfg["globs"] for p in glob.glob(os.path.join(root, g))})
    if not matched:
        raise CorpusError(f"{cls}: no file of {cfg['pkg']} matches {', '.join(cfg['globs'])}")
    for p in matched:
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
        frames, sr, ch, title, artist = probe(p)
        if "artist" in cfg and artist != cfg["artist"]:
            continue  # attributed by its ARTIST tag: another composer's track
        if not _tag_agrees(artist, cfg.get("aliases")):
            raise CorpusError(
                f"{cls}: {rel} is tagged ARTIST={artist!r}, which names none of {cfg['aliases']}: "
                "the class's rule does not hold for this track"
            )
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


def select(cls, cands, cap_s, min_tracks):
    chosen, total = [], 0.0
    for c in cands:
        if len(chosen) >= MAX_TRACKS or (len(chosen) >= min_tracks and total + c["dur"] > cap_s):
            break
        chosen.append(c)
        total += c["dur"]
    if len(chosen) < min_tracks:
        raise CorpusError(
            f"{cls}: only {len(chosen)} eligible tracks (this composer's, >= {MIN_DURATION:.0f} s, "
            f"no duplicates), need {min_tracks}"
        )
    return chosen, total


def build(out, debs_dir=None, max_class_min=40.0, corpus="dev"):
    """Build the corpus ``corpus`` (a key of ``corpora.CORPORA``) in ``out``; returns the manifest rows."""
    spec = CORPORA[corpus]
    packages, classes = spec["packages"], spec["classes"]
    out = Path(out).resolve()
    debs_dir = Path(debs_dir or out / "debs").resolve()
    unpacked, music = out / "unpacked", out / "music"
    for d in (debs_dir, unpacked):
        d.mkdir(parents=True, exist_ok=True)
    roots = {
        pkg: unpack(pkg, pin, fetch(pkg, pin, debs_dir), unpacked, spec["archives"].get(pkg, ()))
        for pkg, pin in packages.items()
    }
    shutil.rmtree(music, ignore_errors=True)
    music.mkdir()
    rows = []
    for cls, cfg in sorted(classes.items()):
        cands = candidates(cls, cfg, str(roots[cfg["pkg"]]))
        chosen, total = select(cls, cands, max_class_min * 60, spec["min_tracks"])
        log(f"{cls:20s} {cfg['pkg']:22s} {len(chosen):3d} tracks {total / 60:6.1f} min")
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
                    "package_version": packages[cfg["pkg"]][0],
                    "source_path": "/" + c["rel"],
                    "licence": c["licence"],
                }
            )
    with open(music / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_clips(out)
    minutes = sum(float(r["duration_s"]) for r in rows) / 60
    log(f"{len(rows)} tracks, {minutes:.1f} min -> {music / 'manifest.csv'}")
    return rows


def write_clips(out):
    """``OUT/music/clips.csv``: the clips of every view of ``benchmarks/features.py``, from its rule."""
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
    parser.add_argument(
        "--corpus",
        choices=sorted(CORPORA),
        default="dev",
        help="dev: the development corpus (default); heldout: the held-out one (see corpora.py)",
    )
    args = parser.parse_args(argv)
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            parser.exit(2, f"corpus: {tool!r} not found: this needs a Debian system\n")
    try:  # checked first: a missing reader would otherwise stop the build after unpacking
        import soundfile  # noqa: F401
    except ImportError:
        parser.exit(2, "corpus: needs the Python package soundfile; run this with musicfeat's Python\n")
    try:
        build(args.out, args.debs_dir, args.max_class_min, args.corpus)
    except CorpusError as error:
        parser.exit(1, f"corpus: ERROR: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
