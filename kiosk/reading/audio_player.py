"""Audiobook playback behind one small interface: GStreamer ``playbin`` where available.

Kivy's SoundLoader decodes a whole file into memory and cannot seek, so audiobooks stream
through GStreamer (Debian ``python3-gi`` + ``gir1.2-gst-1.0``). Where GStreamer is missing,
``open_player`` returns an ``Unavailable`` player whose ``reason`` the screen shows instead
of crashing. The position is remembered per book through ``ReadingState``. This module must
never import Kivy; GStreamer is imported only when a player is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kiosk.reading.state import ReadingState

SKIP_SECONDS = 30.0


class Player(Protocol):
    reason: str

    def play(self) -> None: ...
    def pause(self) -> None: ...
    def seek(self, seconds: float) -> None: ...
    def position(self) -> float: ...
    def duration(self) -> float: ...
    def close(self) -> None: ...


class Unavailable:
    """No audio backend: every call does nothing; ``reason`` says why, for the screen."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def play(self) -> None: ...
    def pause(self) -> None: ...
    def seek(self, seconds: float) -> None: ...

    def position(self) -> float:
        return 0.0

    def duration(self) -> float:
        return 0.0

    def close(self) -> None: ...


class GstPlayer:
    reason = ""

    def __init__(self, path: Path) -> None:
        import gi

        gi.require_version("Gst", "1.0")
        from gi.repository import Gst

        Gst.init(None)
        self._gst = Gst
        self._bin = Gst.ElementFactory.make("playbin", "audiobook")
        if self._bin is None:
            raise RuntimeError("GStreamer playbin is missing (gstreamer1.0-plugins-base)")
        self._bin.set_property("uri", path.resolve().as_uri())
        self._bin.set_property("video-sink", Gst.ElementFactory.make("fakesink", None))
        self._bin.set_state(Gst.State.PAUSED)
        self._bin.get_state(2 * Gst.SECOND)

    def play(self) -> None:
        self._bin.set_state(self._gst.State.PLAYING)

    def pause(self) -> None:
        self._bin.set_state(self._gst.State.PAUSED)

    def seek(self, seconds: float) -> None:
        flags = self._gst.SeekFlags.FLUSH | self._gst.SeekFlags.KEY_UNIT
        self._bin.seek_simple(self._gst.Format.TIME, flags, int(max(0.0, seconds) * 1e9))

    def position(self) -> float:
        ok, value = self._bin.query_position(self._gst.Format.TIME)
        return value / 1e9 if ok else 0.0

    def duration(self) -> float:
        ok, value = self._bin.query_duration(self._gst.Format.TIME)
        return value / 1e9 if ok and value > 0 else 0.0

    def close(self) -> None:
        self._bin.set_state(self._gst.State.NULL)


def open_player(path: Path) -> Player:
    try:
        return GstPlayer(path)
    except (ImportError, ValueError, RuntimeError) as exc:
        return Unavailable(f"audio playback is not available on this kiosk ({exc})")


class Audiobook:
    """Play, pause, ±30 s and a remembered position for one audio package."""

    def __init__(self, content_id: str, player: Player, state: ReadingState) -> None:
        self.content_id, self.player, self.state = content_id, player, state
        self.playing = False
        resume = state.audio_seconds(content_id)
        if resume > 0:
            player.seek(resume)

    @property
    def reason(self) -> str:
        return self.player.reason

    def toggle(self) -> bool:
        if self.playing:
            self.player.pause()
            self.remember()
        else:
            self.player.play()
        self.playing = not self.playing
        return self.playing

    def skip(self, seconds: float = SKIP_SECONDS) -> float:
        target = self.player.position() + seconds
        duration = self.player.duration()
        target = max(0.0, min(target, duration) if duration else target)
        self.player.seek(target)
        self.remember(target)
        return target

    def remember(self, seconds: float | None = None) -> None:
        value = self.player.position() if seconds is None else seconds
        self.state.save_audio_seconds(self.content_id, value)

    def close(self) -> None:
        if self.playing:
            self.player.pause()
        self.remember()
        self.player.close()
