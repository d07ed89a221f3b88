"""Log records: what CloudWatch Logs receives from a function, one event at a time.

The runtime writes each of its records (a logging record, an error, a `context.log`
call) as one frame on its telemetry descriptor, and Lambda turns each frame into one
CloudWatch event; what the function writes to stdout and stderr becomes one event per
line. The harness's environments do the same: frames (marked with a token of the
environment's own, so that nothing a handler prints can pass for one) and plain output
share one stream, in the order the process wrote them, and `RecordReader` turns that
stream back into records.
"""

from __future__ import annotations

import codecs
import functools
import json
import logging
import re
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Phase = Literal["init", "restore", "invoke"]
Origin = Literal["platform", "function"]

# awslambdaric's frame types (lambda_runtime_log_utils): the level, text or JSON.
TEXT_FRAME_TYPES = {
    logging.NOTSET: 0xA55A0003,
    logging.DEBUG: 0xA55A000B,
    logging.INFO: 0xA55A000F,
    logging.WARNING: 0xA55A0013,
    logging.ERROR: 0xA55A0017,
    logging.CRITICAL: 0xA55A001B,
}
JSON_FRAME_TYPES = {
    logging.NOTSET: 0xA55A0002,
    logging.DEBUG: 0xA55A000A,
    logging.INFO: 0xA55A000E,
    logging.WARNING: 0xA55A0012,
    logging.ERROR: 0xA55A0016,
    logging.CRITICAL: 0xA55A001A,
}
DEFAULT_FRAME_TYPE = TEXT_FRAME_TYPES[logging.NOTSET]
_FRAME_LEVELS = {
    frame_type: logging.getLevelName(level)
    for types in (TEXT_FRAME_TYPES, JSON_FRAME_TYPES)
    for level, frame_type in types.items()
    if level != logging.NOTSET
}
# type | length | timestamp in microseconds, big-endian, as the runtime frames its records.
_FRAME_HEADER = struct.Struct(">IIQ")

# Lambda's application log levels, most detailed first (Python's names map onto them).
APPLICATION_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
_LEVEL_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}

# CloudWatch Logs keeps at most 256 KB per event; beyond a cap per phase the harness keeps
# the head of the output and says how much was dropped, instead of holding it all.
DEFAULT_LOG_CAP_BYTES = 4 * 1024 * 1024


def lambda_level(name: str | None) -> str | None:
    """A level name as Lambda's log-level filtering knows it (`WARNING` is `WARN`)."""
    if not isinstance(name, str):
        return None
    upper = name.upper()
    upper = _LEVEL_ALIASES.get(upper, upper)
    return upper if upper in APPLICATION_LEVELS else None


@dataclass(frozen=True)
class LogRecord:
    """One CloudWatch Logs event of an invocation, parsed.

    `text` is the event exactly as it is stored. `origin` says who wrote it: "platform"
    (Lambda's own lines: INIT_START, START, END, REPORT, INIT_REPORT, timeouts, or their
    `platform.*` JSON records) or "function" (the runtime's records and everything the
    function wrote). `phase` is "init" or "invoke". `level` is the record's level where it
    has one (the runtime's logging records and errors; JSON output with a "level"), in
    Python's names (DEBUG, INFO, WARNING, ERROR, CRITICAL), else None.
    """

    text: str
    origin: Origin
    phase: Phase
    level: str | None = None
    fields: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def json(self) -> dict[str, Any] | None:
        """The record as a JSON object (the JSON log format), or None when it is not one."""
        if self.fields is not None:
            return self.fields
        text = self.text
        if not text.startswith("{"):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def type(self) -> str | None:
        """A platform record's type (`platform.start`, ...; text lines map to the same
        names: START is `platform.start`), None for the function's records."""
        if self.origin != "platform":
            return None
        data = self.json
        if data is not None:
            kind = data.get("type")
            return kind if isinstance(kind, str) else None
        keyword = self.text.split(" ", 1)[0]
        return _PLATFORM_TYPES.get(keyword, "platform.timeout")

    @property
    def message(self) -> Any:
        """What the record says: a JSON record's `message` (a dict stays a dict), a text
        logging record's message (after its level, time and request id), else the text."""
        data = self.json
        if data is not None and self.origin == "function" and "message" in data:
            return data["message"]
        parts = self._text_record()
        if parts is not None:
            return parts[3][:-1] if parts[3].endswith("\n") else parts[3]
        return self.text

    def _text_record(self) -> list[str] | None:
        """A text logging record's four parts: `[LEVEL]`, time, request id, message."""
        if self.origin != "function" or not self.text.startswith("["):
            return None
        parts = self.text.split("\t", 3)
        if len(parts) == 4 and _TEXT_RECORD_START.fullmatch(parts[0]):
            return parts
        return None

    @property
    def request_id(self) -> str | None:
        """The request id the record names (JSON `requestId`, a text record's third field,
        a platform line's RequestId), or None."""
        data = self.json
        if data is not None:
            value = data.get("requestId", (data.get("record") or {}).get("requestId"))
            return value if isinstance(value, str) else None
        parts = self._text_record()
        if parts is not None:
            return parts[2] or None
        if self.origin == "function":
            return None
        marker = "RequestId: "
        start = self.text.find(marker)
        if start < 0:
            return None
        return self.text[start + len(marker) :].split()[0]


_TEXT_RECORD_START = re.compile(r"\[[A-Z]+\]")
_PLATFORM_TYPES = {
    "INIT_START": "platform.initStart",
    "INIT_REPORT": "platform.initReport",
    "START": "platform.start",
    "END": "platform.end",
    "REPORT": "platform.report",
}


def render(records: list[LogRecord]) -> str:
    """Records as one text, as CloudWatch shows a stream: each event on its own line(s)."""
    return "".join(r.text if r.text.endswith("\n") else r.text + "\n" for r in records)


def frame(token: bytes, frame_type: int, text: str) -> bytes:
    """One record as the runtime frames it, preceded by the environment's token."""
    payload = text.encode("utf-8", "backslashreplace")
    header = _FRAME_HEADER.pack(frame_type, len(payload), time.time_ns() // 1000)
    return token + header + payload


class RecordReader:
    """Turns an environment's log stream (frames and plain output) back into records.

    A frame is one record, whatever it holds. Plain output is one record per line; a line
    still open when a frame arrives is completed by the output after the frame, and one
    still open when the phase ends is a record of its own (a line reader on stdout).
    """

    def __init__(self, token: bytes, cap_bytes: int = DEFAULT_LOG_CAP_BYTES) -> None:
        self._token = token
        self._pending = b""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._line = ""
        self._records: list[tuple[str, str | None]] = []
        self._size = 0
        self._dropped = 0
        self._cap = cap_bytes
        # What is left of a frame longer than the cap, dropped as it arrives.
        self._skipping = 0

    def feed(self, data: bytes) -> None:
        if self._skipping:
            # The stream is the function's to write: a frame's length is not believed
            # beyond the cap, and what it claims is never held.
            skipped = min(self._skipping, len(data))
            self._skipping -= skipped
            self._dropped += skipped
            data = data[skipped:]
            if not data:
                return
        buffer = self._pending + data if self._pending else data
        token = self._token
        position = 0
        while True:
            start = buffer.find(token, position)
            if start < 0:
                # Keep what could be the start of a token split across two reads.
                keep = _partial_token_length(buffer, token, position)
                self._plain(buffer[position : len(buffer) - keep])
                self._pending = buffer[len(buffer) - keep :] if keep else b""
                return
            self._plain(buffer[position:start])
            header_at = start + len(token)
            if len(buffer) - header_at < _FRAME_HEADER.size:
                self._pending = buffer[start:]
                return
            frame_type, length, _ = _FRAME_HEADER.unpack_from(buffer, header_at)
            payload_at = header_at + _FRAME_HEADER.size
            if length > self._cap:
                arrived = min(length, len(buffer) - payload_at)
                self._dropped += arrived
                self._skipping = length - arrived
                position = payload_at + arrived
                if self._skipping:
                    self._pending = b""
                    return
                continue
            if len(buffer) - payload_at < length:
                self._pending = buffer[start:]
                return
            text = buffer[payload_at : payload_at + length].decode("utf-8", "replace")
            self._add(text, _FRAME_LEVELS.get(frame_type))
            position = payload_at + length

    def end_phase(self, phase: Phase) -> list[LogRecord]:
        """The records of the phase that just ended (an open line becomes one)."""
        if self._pending:
            self._plain(self._pending)
            self._pending = b""
        self._line += self._decoder.decode(b"", final=True)
        if self._line:
            self._add(self._line, None)
            self._line = ""
        records = [LogRecord(text, "function", phase, level) for text, level in self._records]
        if self._dropped:
            records.append(
                LogRecord(
                    f"[pytest-lambda] log output truncated: {self._dropped:,} more characters "
                    f"were written (cap {self._cap:,} per phase)",
                    "function",
                    phase,
                )
            )
        self._records = []
        self._size = 0
        self._dropped = 0
        return records

    @property
    def idle(self) -> bool:
        """Nothing read since the last phase ended."""
        return not (
            self._pending or self._line or self._records or self._dropped or self._skipping
        )

    def skip(self, size: int) -> None:
        """`size` bytes of output were not read (beyond the cap)."""
        self._dropped += size

    def _plain(self, data: bytes) -> None:
        if not data:
            return
        text = self._line + self._decoder.decode(data)
        *lines, self._line = text.split("\n")
        for line in lines:
            self._add(line, None)

    def _add(self, text: str, level: str | None) -> None:
        if self._size >= self._cap:
            self._dropped += len(text)
            return
        room = self._cap - self._size
        if len(text) > room:
            self._dropped += len(text) - room
            text = text[:room]
        self._size += len(text)
        self._records.append((text, level))


def _partial_token_length(buffer: bytes, token: bytes, position: int) -> int:
    """How many bytes at the end of `buffer` are the beginning of `token`."""
    for size in range(min(len(token) - 1, len(buffer) - position), 0, -1):
        if token.startswith(buffer[len(buffer) - size :]):
            return size
    return 0
