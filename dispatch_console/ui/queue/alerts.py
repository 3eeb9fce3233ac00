"""The new-P1 alert sound: a short two-tone chime, generated once with the standard library.

Generating it (instead of shipping a recording) keeps the repository free of binary blobs of unknown origin; the
file is written to ``resources/sounds/alert.wav`` on first use, or to the data directory if the install is
read-only.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from dispatch_console.resources import resource
from dispatch_console.settings import data_dir

RATE = 22_050
TONES = ((880.0, 0.16), (0.0, 0.04), (1175.0, 0.22))  # (Hz, seconds): a rising two-tone chime, 0.42 s


def write_alert_wav(path: Path) -> Path:
    """Write the chime as 16-bit mono PCM (≈ 18 kB), with short fades so it never clicks."""
    frames = bytearray()
    for freq, seconds in TONES:
        count = int(RATE * seconds)
        fade = int(RATE * 0.01)
        for i in range(count):
            envelope = min(1.0, i / fade if fade else 1.0, (count - i) / fade if fade else 1.0)
            value = 0.55 * envelope * math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return path


def alert_wav() -> Path:
    """The chime's path, generating it on first use."""
    for path in (resource("sounds", "alert.wav"), data_dir() / "sounds" / "alert.wav"):
        if path.exists():
            return path
        try:
            return write_alert_wav(path)
        except OSError:
            continue
    raise OSError("no writable place for the alert sound")


class AlertSound(QObject):
    """Plays the chime unless muted; a console without audio output stays silent (the visual alert remains)."""

    def __init__(self, *, muted: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.muted = muted
        self.played = 0  # how many alerts were sounded (or would have been, with no audio device)
        self._effect: object | None = None

    def play(self) -> None:
        if self.muted:
            return
        self.played += 1
        if self._effect is None:
            try:
                from PySide6.QtMultimedia import QSoundEffect

                effect = QSoundEffect(self)
                effect.setSource(QUrl.fromLocalFile(str(alert_wav())))
                effect.setVolume(0.9)
                self._effect = effect
            except (ImportError, OSError):
                return
        from PySide6.QtMultimedia import QSoundEffect

        if isinstance(self._effect, QSoundEffect):
            self._effect.play()
