"""The sounds of a call, shared by the board (which plays them) and the server (whose setup
pages let an administrator hear a template before saving it): the chime, espeak-ng's
Mandarin sentence, and WAV files put end to end."""

from __future__ import annotations

import math
import struct
import subprocess
import wave
from pathlib import Path

SAMPLE_RATE = 22050
ESPEAK = "espeak-ng"
#: the default "cmn" voice mispronounces Chinese characters; the pinyin voice reads them right
MANDARIN_VOICE = "cmn-latn-pinyin"
SPEECH_TIMEOUT = 30.0


def espeak_wav(text: str, target: Path, *, volume: int = 80, voice: str = MANDARIN_VOICE,
               rate: int | None = None) -> Path:
    """`text` said by espeak-ng into the WAV file `target`; raises OSError or SubprocessError."""
    speed = ["-s", str(rate)] if rate is not None else []
    subprocess.run([ESPEAK, "-v", voice, *speed, "-a", str(volume), "-w", str(target), text],
                   check=True, capture_output=True, timeout=SPEECH_TIMEOUT)
    return target


def write_chime(path: Path, volume: int = 80) -> Path:
    """A soft two-tone ding-dong (E6 then C6), made here so the board needs no sound assets."""
    amplitude = 32767 * 0.6 * max(0, min(volume, 100)) / 100
    frames = bytearray()
    for frequency, seconds in ((1318.5, 0.45), (1046.5, 0.7)):
        count = int(SAMPLE_RATE * seconds)
        for i in range(count):
            fade = math.exp(-4.0 * i / count)   # a bell decays; a flat tone sounds like an alarm
            frames += struct.pack("<h", int(amplitude * fade * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(frames))
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def join_wavs(parts: list[Path], target: Path) -> Path:
    """One WAV from clips recorded with the same format (the usual case for one voice)."""
    with wave.open(str(parts[0]), "rb") as first:
        params = first.getparams()
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        for part in parts:
            with wave.open(str(part), "rb") as clip:
                if clip.getparams()[:3] != params[:3]:
                    raise ValueError(f"{part.name}: not the same format as {parts[0].name}")
                out.writeframes(clip.readframes(clip.getnframes()))
    return target
