"""Draw the app icons (a document with a tick on the center's red) into frontend/static/icons.

Run once when the design changes; the PNGs are committed, they are our own artwork.
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "frontend" / "static" / "icons"
RED, WHITE, GREEN = (179, 38, 30), (255, 255, 255), (20, 108, 46)


def draw(size: int, maskable: bool) -> Image.Image:
    img = Image.new("RGB", (size, size), RED)
    d = ImageDraw.Draw(img)
    # Maskable icons keep their content inside the central 80% safe zone.
    inset = 0.22 if maskable else 0.16
    s = size
    left, top, right, bottom = (
        s * (inset + 0.06),
        s * inset,
        s * (1 - inset - 0.06),
        s * (1 - inset),
    )
    d.rounded_rectangle((left, top, right, bottom), radius=s * 0.05, fill=WHITE)
    for i in range(3):
        y = top + (bottom - top) * (0.2 + i * 0.14)
        d.rounded_rectangle(
            (left + s * 0.07, y, right - s * 0.07, y + s * 0.035),
            radius=s * 0.015,
            fill=(220, 214, 212),
        )
    cx, cy, r = right - s * 0.02, bottom - s * 0.03, s * 0.16
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=GREEN, outline=WHITE, width=max(2, s // 64))
    w = max(3, s // 28)
    d.line(
        (cx - r * 0.5, cy, cx - r * 0.1, cy + r * 0.4, cx + r * 0.55, cy - r * 0.4),
        fill=WHITE,
        width=w,
        joint="curve",
    )
    return img


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, False).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
