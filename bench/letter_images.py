"""The images of the thank-you benchmark's realistic letter: an organization's logo (600×200)
and a scanned signature (400×120), as most charities' letters carry them.

The PNGs in ``bench/letter_assets/`` were made once by ``python -m bench.letter_images``
(Pillow and its own built-in font: no system font, so the same bytes on any machine with the
same Pillow) and are read as they are, so every run renders the same letter.
"""

import itertools
import math
import random
from functools import cache
from io import BytesIO
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "letter_assets"
LOGO = FOLDER / "logo.png"
SIGNATURE = FOLDER / "signature.png"


@cache
def logo_png():
    return LOGO.read_bytes()


@cache
def signature_png():
    return SIGNATURE.read_bytes()


def _logo():
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = 600, 200
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    # A mark: overlapping discs and a leaf, in two brand colours, softened at the edges.
    draw.ellipse((20, 20, 180, 180), fill=(22, 101, 52))
    draw.ellipse((70, 40, 200, 170), fill=(245, 158, 11))
    draw.polygon([(100, 150), (130, 60), (160, 150)], fill="white")
    draw.line([(130, 150), (130, 95)], fill=(22, 101, 52), width=5)
    for n in range(12):  # rays
        angle = math.pi * n / 6
        x, y = 100 + 88 * math.cos(angle), 100 + 88 * math.sin(angle)
        draw.line([(100, 100), (x, y)], fill=(22, 101, 52), width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    draw = ImageDraw.Draw(image)
    draw.text((220, 45), "Bristol Food", font=ImageFont.load_default(48), fill=(22, 101, 52))
    draw.text((220, 100), "& Shelter Trust", font=ImageFont.load_default(40), fill=(31, 41, 51))
    draw.text(
        (222, 152), "Registered charity 1234567", font=ImageFont.load_default(18), fill="#52606d"
    )
    return image


def _signature():
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 400, 120
    rng = random.Random(21)  # the same scan every time
    image = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(image)
    # A pen stroke: a looping cursive line of varying pressure, then an underline.
    points = []
    for step in range(700):
        t = step / 700
        x = 30 + 330 * t + 18 * math.sin(t * 40)
        y = 62 + 26 * math.sin(t * 23) * math.cos(t * 7) - 14 * math.sin(t * 40)
        points.append((x, y))
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        draw.line([(x0, y0), (x1, y1)], fill=30, width=2 + int(rng.random() * 2))
    draw.line([(40, 100), (330, 94)], fill=40, width=2)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    # The scanner's grain on the paper.
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            pixels[x, y] = max(0, min(255, pixels[x, y] + rng.randint(-3, 3)))
    return image


def _png(image):
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


if __name__ == "__main__":
    LOGO.write_bytes(_png(_logo()))
    SIGNATURE.write_bytes(_png(_signature()))
    for path in (LOGO, SIGNATURE):
        print(path.name, path.stat().st_size, "bytes")
