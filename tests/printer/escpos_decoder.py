"""An ESC/POS reader for tests: parses a print job back into commands, printed lines,
QR payloads, raster images and cuts, the way a printer would interpret it.

Written independently of the byte layer, from the ESC/POS command reference, and
strict: an unknown command, a byte ≥ 0x80 outside Chinese mode, or a truncated
command is a DecodeError, because a real printer would print garbage there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x0A


class DecodeError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    text: str
    width: int          # character width multiplier (GS !)
    height: int
    bold: bool
    align: str          # left | center | right
    chinese: bool       # some of it was printed in Chinese mode
    kanji_double: bool  # FS ! asked for double width and height


@dataclass(frozen=True)
class Raster:
    width_dots: int
    height: int
    data: bytes

    def ink(self) -> int:
        return sum(bin(b).count("1") for b in self.data)


@dataclass
class Decoded:
    commands: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    qr_printed: list[str] = field(default_factory=list)
    qr_settings: dict[str, int] = field(default_factory=dict)
    rasters: list[Raster] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)
    status_requests: list[int] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def joined(self) -> str:
        """All printed text run together without spaces: robust to line wrapping."""
        return "".join(self.texts).replace(" ", "")


ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.out = Decoded()
        self.width = self.height = 1
        self.bold = False
        self.align = "left"
        self.chinese = False
        self.kanji_double = False
        self.line = ""
        self.line_chinese = False
        self.qr_data = b""

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise DecodeError(f"truncated command at byte {self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def run(self) -> Decoded:
        while self.pos < len(self.data):
            b = self.data[self.pos]
            if b == ESC:
                self.pos += 1
                self.esc()
            elif b == GS:
                self.pos += 1
                self.gs()
            elif b == FS:
                self.pos += 1
                self.fs()
            elif b == DLE:
                self.pos += 1
                self.dle()
            elif b == LF:
                self.pos += 1
                self.flush()
            else:
                self.text()
        if self.line:
            raise DecodeError(f"text {self.line!r} is never printed (no LF)")
        return self.out

    # text ------------------------------------------------------------------------
    def text(self) -> None:
        b = self.data[self.pos]
        if b < 0x20:
            raise DecodeError(f"unknown control byte 0x{b:02x} at {self.pos}")
        if b < 0x80:
            self.line += chr(self.byte())
            return
        if not self.chinese:
            raise DecodeError(f"byte 0x{b:02x} at {self.pos} outside Chinese mode (FS &)")
        second = self.data[self.pos + 1] if self.pos + 1 < len(self.data) else 0
        size = 4 if 0x30 <= second <= 0x39 else 2
        raw = self.take(size)
        try:
            self.line += raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"invalid GB18030 {raw!r} at {self.pos - size}") from exc
        self.line_chinese = True

    def flush(self) -> None:
        if self.line:
            self.out.lines.append(Line(self.line, self.width, self.height, self.bold,
                                       self.align, self.line_chinese, self.kanji_double))
        self.line = ""
        self.line_chinese = False

    # commands ----------------------------------------------------------------------
    def esc(self) -> None:
        c = self.byte()
        if c == ord("@"):
            self.out.commands.append("init")
            self.width = self.height = 1
            self.bold, self.align, self.chinese = False, "left", False
        elif c == ord("E"):
            self.bold = bool(self.byte() & 1)
            self.out.commands.append(f"bold {int(self.bold)}")
        elif c == ord("a"):
            self.align = ALIGN[self.byte()]
            self.out.commands.append(f"align {self.align}")
        elif c == ord("!"):
            mode = self.byte()
            self.width = 2 if mode & 0x20 else 1
            self.height = 2 if mode & 0x10 else 1
            self.bold = bool(mode & 0x08)
            self.out.commands.append(f"print mode {mode}")
        elif c == ord("d"):
            n = self.byte()
            self.out.commands.append(f"feed {n}")
        elif c == ord("2"):
            self.out.commands.append("line spacing default")
        elif c == ord("3"):
            self.out.commands.append(f"line spacing {self.byte()}")
        else:
            raise DecodeError(f"unknown command ESC 0x{c:02x} at {self.pos - 1}")

    def gs(self) -> None:
        c = self.byte()
        if c == ord("!"):
            n = self.byte()
            self.width, self.height = (n >> 4) + 1, (n & 0x0F) + 1
            self.out.commands.append(f"size {self.width}x{self.height}")
        elif c == ord("V"):
            self.cut()
        elif c == ord("(") and self.data[self.pos:self.pos + 1] == b"k":
            self.pos += 1
            self.two_d_code()
        elif c == ord("v") and self.data[self.pos:self.pos + 1] == b"0":
            self.pos += 1
            self.raster()
        else:
            raise DecodeError(f"unknown command GS 0x{c:02x} at {self.pos - 1}")

    def cut(self) -> None:
        m = self.byte()
        if m in (0, 48):
            kind = "full"
        elif m in (1, 49):
            kind = "partial"
        elif m in (65, 66):
            kind = "full" if m == 65 else "partial"
            self.byte()
        else:
            raise DecodeError(f"unknown cut mode {m}")
        self.out.cuts.append(kind)
        self.out.commands.append(f"cut {kind}")

    def two_d_code(self) -> None:
        length = int.from_bytes(self.take(2), "little")
        body = self.take(length)
        cn, fn = body[0], body[1]
        if cn != 49:
            raise DecodeError(f"2D code type {cn} is not QR")
        if fn == 65:
            self.out.qr_settings["model"] = body[2] - 48
        elif fn == 67:
            self.out.qr_settings["module"] = body[2]
        elif fn == 69:
            self.out.qr_settings["ec"] = body[2] - 48
        elif fn == 80:
            self.qr_data = body[3:]
        elif fn == 81:
            self.out.qr_printed.append(self.qr_data.decode("utf-8"))
        else:
            raise DecodeError(f"unknown QR function {fn}")
        self.out.commands.append(f"qr fn {fn}")

    def raster(self) -> None:
        self.byte()  # density
        width_bytes = int.from_bytes(self.take(2), "little")
        height = int.from_bytes(self.take(2), "little")
        data = self.take(width_bytes * height)
        self.out.rasters.append(Raster(width_bytes * 8, height, data))
        self.out.commands.append(f"raster {width_bytes * 8}x{height}")

    def fs(self) -> None:
        c = self.byte()
        if c == ord("&"):
            self.chinese = True
            self.out.commands.append("chinese on")
        elif c == ord("."):
            self.chinese = False
            self.out.commands.append("chinese off")
        elif c == ord("!"):
            n = self.byte()
            self.kanji_double = bool(n & 0x04) and bool(n & 0x08)
            self.out.commands.append(f"chinese mode {n}")
        else:
            raise DecodeError(f"unknown command FS 0x{c:02x} at {self.pos - 1}")

    def dle(self) -> None:
        if self.byte() != 0x04:
            raise DecodeError(f"unknown DLE command at {self.pos - 1}")
        n = self.byte()
        self.out.status_requests.append(n)
        self.out.commands.append(f"status {n}")


def decode(data: bytes) -> Decoded:
    return _Reader(data).run()
