"""What the whole-app benchmarks share: the simulator in a child process, and ``mdtui`` in a
real pseudo-terminal whose output is read, counted and searched.

The simulator child answers commands on a pipe: ``("frames",)`` -> (frames sent, frames
dropped) so far; ``("probe", code, size)`` -> sends one extra Upbit trade of ``code`` at
its last price with the quantity ``size`` (a marker to find on the screen) and answers the
monotonic time it was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import multiprocessing as mp
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from mdtui.sim import Rate, Simulator, demo_keys
from mdtui.sim.server import DEMO_KORBIT_HISTORY_DELAY_MS, DEMO_TRADER

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
TOKEN = re.compile(
    rb"\x1b\[(?P<csi>[0-9;?<>=]*)(?P<final>[ -/]*[@-~])"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]"
    rb"|(?P<text>[^\x1b]+)"
)


# -- the simulator, in a child process -----------------------------------------------------


def run_simulator(
    conn: Connection, speed: float, seed: int, trader: bool
) -> None:  # pragma: no cover
    """Serve both exchanges (as ``mdtui simulate --market-speed speed`` does, the demo
    trader on or off); answer the commands on ``conn``."""
    from mdtui.sim.upbit import public_frames

    async def main() -> None:
        async with Simulator(
            seed=seed,
            rate=Rate().faster(speed),
            trader=DEMO_TRADER if trader else None,
            korbit_history_delay_ms=DEMO_KORBIT_HISTORY_DELAY_MS,
        ) as sim:
            loop = asyncio.get_running_loop()
            conn.send(sim.http_url)
            probes = 0

            async def probe(code: str, size: str) -> float:
                nonlocal probes
                probes += 1
                market = sim.markets["upbit"][code]
                now = sim.server_time()
                last = replace(
                    market.last_trade, id=10**15 + probes, size=Decimal(size), timestamp=now
                )
                frame = public_frames.trade(market, last, now, "REALTIME")
                sent = time.monotonic()
                await sim.send_raw("upbit", public_frames.ENCODER.encode(frame))
                return sent

            def answer() -> None:
                while True:
                    try:
                        command = conn.recv()
                    except EOFError:
                        loop.call_soon_threadsafe(done.set)
                        return
                    if command[0] == "probe":
                        future = asyncio.run_coroutine_threadsafe(probe(*command[1:]), loop)
                        conn.send(future.result(10))
                        continue
                    stats = [sim.stats(venue) for venue in ("upbit", "korbit")]
                    conn.send(
                        (sum(s.frames_sent for s in stats), sum(s.dropped_frames for s in stats))
                    )

            done = asyncio.Event()
            threading.Thread(target=answer, daemon=True).start()
            await done.wait()

    asyncio.run(main())


class SimulatorProcess:
    """The simulator child: its URL, and its answers to :func:`run_simulator`'s commands."""

    def __init__(self, url: str, conn: Connection) -> None:
        self.url = url
        self._conn = conn

    def frames(self) -> tuple[int, int]:
        """Frames sent and dropped (a client fell behind) so far."""
        self._conn.send(("frames",))
        return self._conn.recv()  # type: ignore[no-any-return]

    def probe(self, code: str, size: str) -> float:
        """Send a marker trade of Upbit ``code``; the monotonic time it went out."""
        self._conn.send(("probe", code, size))
        return self._conn.recv()  # type: ignore[no-any-return]


@contextlib.contextmanager
def simulator(speed: float, seed: int, trader: bool = True) -> Iterator[SimulatorProcess]:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=run_simulator, args=(child, speed, seed, trader), daemon=True
    )
    proc.start()
    try:
        yield SimulatorProcess(parent.recv(), parent)
    finally:
        parent.close()
        proc.join(5)
        if proc.is_alive():
            proc.terminate()
            proc.join()


def app_environment(
    url: str, home: Path, source: Path | None = None, private: bool = True
) -> dict[str, str]:
    """The app's environment: both exchanges at the simulator (with the demo keys when
    ``private``, as ``mdtui --demo`` sets them), config and state in ``home``, no user
    settings; with ``source``, the ``mdtui`` package is imported from that directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MDTUI_")}
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    env |= {
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "MDTUI_LOG_FILE": str(home / "mdtui.log"),
        "MDTUI_UPBIT__URL": url,
        "MDTUI_KORBIT__URL": url,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    if private:
        env |= {
            "MDTUI_UPBIT__ACCESS_KEY": demo_keys.UPBIT_ACCESS_KEY,
            "MDTUI_UPBIT__SECRET_KEY": demo_keys.UPBIT_SECRET_KEY,
            "MDTUI_KORBIT__API_KEY": demo_keys.KORBIT_ED25519_API_KEY,
            "MDTUI_KORBIT__SECRET_KEY": demo_keys.KORBIT_ED25519_PRIVATE_KEY_PEM,
        }
    return env


# -- the app in a pseudo-terminal ----------------------------------------------------------


class PtyApp:
    """``command`` (default ``python -m mdtui``) in a pseudo-terminal of ``cols`` x
    ``rows``. Its output is read as it comes, counted, and played into a :class:`Grid`
    whose text :meth:`expect` watches."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        cols: int,
        rows: int,
        command: list[str] | None = None,
    ) -> None:
        command = command or [sys.executable, "-m", "mdtui"]
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child
            os.chdir(cwd)
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(command[0], command, env)
        self.pid = pid
        self.fd = fd
        self.bytes_out = 0
        self.raw: bytearray | None = None
        """Every byte written, kept when set to a bytearray (for bench/screen_bytes.py)."""
        self._lock = threading.Lock()
        self.grid = Grid(cols, rows)
        self._wanted: list[tuple[Callable[[bytes], Any], threading.Event, list[Any]]] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 1.0)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            self.bytes_out += len(data)
            if self.raw is not None:
                self.raw += data
            with self._lock:
                self.grid.feed(data)
                if not self._wanted:
                    continue
                text = self.grid.text()
                for test, seen, out in list(self._wanted):
                    found = test(text)
                    if found is not None:
                        out.extend((now, found))
                        seen.set()
                        self._wanted.remove((test, seen, out))

    def screen(self) -> bytes:
        """The screen's text now (UTF-8, one line per row)."""
        with self._lock:
            return self.grid.text()

    def expect(self, test: Callable[[bytes], Any]) -> Callable[[float], tuple[float, Any] | None]:
        """Watch the screen's text from now on for ``test`` to return something; returns a
        function that waits up to its timeout for it and gives (the monotonic time the
        output showing it was read, what ``test`` returned), or None."""
        seen = threading.Event()
        out: list[Any] = []
        with self._lock:
            self._wanted.append((test, seen, out))

        def wait(timeout: float) -> tuple[float, Any] | None:
            if seen.wait(timeout):
                return out[0], out[1]
            with self._lock, contextlib.suppress(ValueError):
                self._wanted.remove((test, seen, out))
            return None

        return wait

    def send(self, keys: bytes) -> float:
        os.write(self.fd, keys)
        return time.monotonic()

    def alive(self) -> bool:
        return os.waitpid(self.pid, os.WNOHANG) == (0, 0)

    def rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_MB

    def cpu_s(self) -> float:
        return process_cpu_s(self.pid)

    def quit(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                    break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)


class Grid:
    """The characters a terminal shows, from the output's cursor moves and text (styles
    ignored): enough to find a value on the screen, however little of it was re-sent."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.cells = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._rest = b""

    def feed(self, data: bytes) -> None:
        data = self._rest + data
        end = len(data)
        cut = data.rfind(b"\x1b")
        if cut >= 0 and TOKEN.match(data, cut) is None:
            end = cut  # an escape sequence cut at the end of this read
        self._rest = data[end:]
        for m in TOKEN.finditer(data, 0, end):
            text = m.group("text")
            if text is not None:
                self._text(text.decode("utf-8", "replace"))
            elif m.group("final") == b"H":
                parts = (m.group("csi") or b"").split(b";")
                self.y = min(max(int(parts[0] or 1) - 1, 0), self.rows - 1)
                self.x = min(max(int(parts[1] or 1) - 1 if len(parts) > 1 else 0, 0), self.cols)
            elif m.group("final") == b"C":
                self.x = min(self.x + int(m.group("csi") or 1), self.cols)
            elif m.group("final") == b"J" and m.group("csi") == b"2":
                self.cells = [[" "] * self.cols for _ in range(self.rows)]

    def _text(self, text: str) -> None:
        row = self.cells[self.y]
        for ch in text:
            if ch == "\n":
                self.y = min(self.y + 1, self.rows - 1)
                row = self.cells[self.y]
                continue
            if ch == "\r":
                self.x = 0
                continue
            width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if self.x + width > self.cols:
                continue
            row[self.x] = ch
            if width == 2:
                row[self.x + 1] = ""
            self.x += width

    def text(self) -> bytes:
        return "\n".join("".join(row) for row in self.cells).encode()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime + stime
