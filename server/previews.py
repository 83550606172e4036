"""What a template change will sound and look like, before it is saved: the call sentence as
text and as speech (espeak-ng, as the board says it), and the ticket slip as the printer's
PNG preview. Everything is computed from a candidate setup, validated like a real change."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from common.sound import ESPEAK, espeak_wav, join_wavs, write_chime
from hall.setup import HallConfig
from hall.numbering import spoken_number

from . import protocol

SAMPLE_SERIAL = 23


class PreviewUnavailable(RuntimeError):
    """The server lacks what the preview needs (espeak-ng, a Chinese font)."""


def sample_call(setup: HallConfig, service: str | None = None, window: int | None = None) -> dict[str, Any]:
    """A realistic call: the given (or the first) window, and an item it serves."""
    spec = setup.window(window) if window is not None else setup.windows[0]
    code = service if service is not None and spec.priority_of(service) is not None else spec.services[0]
    number = f"{setup.service(code).prefix}{SAMPLE_SERIAL:0{setup.numbering.digits}d}"
    call = protocol.announcement(setup, number, spec.number, code, recall=False)
    recall = protocol.announcement(setup, number, spec.number, code, recall=True)
    return {"number": number, "window": spec.number, "service": code,
            "text": call["text"], "text_en": call["text_en"], "spoken": call["spoken"],
            "spoken_number": spoken_number(number),
            "recall_text": recall["text"], "recall_spoken": recall["spoken"],
            "repeat": setup.announcement.repeat}


def announcement_wav(setup: HallConfig, spoken: str) -> bytes:
    """The chime, then the sentence as many times as the board repeats it."""
    if shutil.which(ESPEAK) is None:
        raise PreviewUnavailable("服务器未安装 espeak-ng，无法试听 / espeak-ng is not installed on the "
                                 "server, so the call cannot be played (apt-get install espeak-ng)")
    volume = setup.announcement.volume
    with tempfile.TemporaryDirectory(prefix="jiaohao-preview-") as folder:
        try:
            sentence = espeak_wav(spoken, Path(folder) / "sentence.wav", volume=volume)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PreviewUnavailable(f"语音合成失败 / speech synthesis failed: {exc}") from None
        chime = write_chime(Path(folder) / "chime.wav", volume)
        parts = [chime] + [sentence] * setup.announcement.repeat
        try:
            target = join_wavs(parts, Path(folder) / "call.wav")
        except ValueError:   # a voice with another sample format: the sentence alone still helps
            target = sentence
        return target.read_bytes()


def slip_png(setup: HallConfig, service: str | None = None) -> bytes:
    """The slip of a sample ticket of this hall, as the kiosk's printer would print it."""
    from printer import write_slip_preview
    from printer.config import printer_settings
    from printer.errors import PrinterError
    from printer.slip import sample_ticket, slip_hall_from_config

    if service is not None and service not in {s.code for s in setup.services}:
        service = None
    settings = printer_settings(setup).with_overrides(width=setup.slip.width)
    ticket = sample_ticket(setup, service, serial=SAMPLE_SERIAL)
    with tempfile.TemporaryDirectory(prefix="jiaohao-preview-") as folder:
        try:
            path = write_slip_preview(ticket, slip_hall_from_config(setup), settings,
                                      Path(folder) / "slip.png")
        except (OSError, PrinterError) as exc:
            raise PreviewUnavailable(f"无法生成凭条预览 / the slip preview failed: {exc}") from None
        return path.read_bytes()
