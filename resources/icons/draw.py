"""Draw the ClinicDesk icon: resources/icons/clinicdesk.png (256 px) and clinicdesk.ico.

    QT_QPA_PLATFORM=offscreen python resources/icons/draw.py

A white medical cross on a rounded square in the app's blue (#0b5e8a, the style sheet's accent),
drawn at each size rather than scaled down, so the 16 px Start-menu icon stays sharp. The .ico
holds PNG-encoded images (Windows Vista and later read them; PyInstaller and the MSI's Icon table
take the file as it is). Both outputs are checked in; run this again only to change the drawing.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath

HERE = Path(__file__).resolve().parent
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
TOP, BOTTOM = QColor("#1a7fb5"), QColor("#0b5e8a")


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = max(0.5, size / 32)
    tile = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    gradient = QLinearGradient(QPointF(0, tile.top()), QPointF(0, tile.bottom()))
    gradient.setColorAt(0, TOP)
    gradient.setColorAt(1, BOTTOM)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(tile, size * 0.2, size * 0.2)
    # The cross: two rounded bars, 24 % of the tile wide, 62 % long.
    arm, length = tile.width() * 0.24, tile.width() * 0.62
    centre = tile.center()
    cross = QPainterPath()
    cross.setFillRule(Qt.FillRule.WindingFill)  # the bars overlap: their union, no hole
    cross.addRoundedRect(QRectF(centre.x() - arm / 2, centre.y() - length / 2, arm, length),
                         arm * 0.2, arm * 0.2)
    cross.addRoundedRect(QRectF(centre.x() - length / 2, centre.y() - arm / 2, length, arm),
                         arm * 0.2, arm * 0.2)
    p.setBrush(QColor("#ffffff"))
    p.drawPath(cross.simplified())
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per image (PNG-encoded), then the images."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images = [png_bytes(draw(size)) for size in SIZES]
    (HERE / "clinicdesk.png").write_bytes(images[-1])
    (HERE / "clinicdesk.ico").write_bytes(ico(images, SIZES))
    print(f"icons: {HERE / 'clinicdesk.png'}, {HERE / 'clinicdesk.ico'} ({len(SIZES)} sizes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
