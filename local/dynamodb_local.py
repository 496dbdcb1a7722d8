"""DynamoDB Local, AWS's own engine, as a child process of the local stack.

``scripts/ensure-dynamodb-local.sh`` puts the engine in ``.tools/dynamodb-local/`` and
Java on the machine. Here it is started on a free loopback port with ``-sharedDb
-dbPath <dir>``: one SQLite file holds every table, whatever the credentials or region,
and each write is committed to it before the stack answers, so a ``kill -9`` loses nothing
that was acknowledged (for transactions only with ``wait_for_commits``, see there).

Why a real engine and not moto's DynamoDB: moto copies whole tables for each transaction
and sorts on each query, so requests slowed down with every item and the process ran out
of memory at about 500 tickets (issue 13; ``docs/decisions.md``).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = ROOT / ".tools" / "dynamodb-local"
ENSURE_SCRIPT = ROOT / "scripts" / "ensure-dynamodb-local.sh"
# The JVM's heap: DynamoDB Local keeps its data in SQLite, not on the heap, so a small
# heap holds years of tickets (measured in docs/performance.md).
HEAP = os.environ.get("HELPDESK_DYNAMODB_HEAP", "384m")


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local is missing, cannot start, or its data folder is in use."""


class _PortTaken(Exception):
    """The chosen port was taken by another program before the engine could bind it."""


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (any address), from the kernel's tables."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines, None)
            for line in lines:
                fields = line.split()
                if (len(fields) > 9 and fields[3] == "0A"  # LISTEN
                        and int(fields[1].rsplit(":", 1)[1], 16) == port):
                    inodes.add(fields[9])
    return inodes


def port_owner(port: int, pid: int) -> bool | None:
    """Whether process ``pid`` is what listens on ``port``: None while nothing listens yet.
    Linux only (``/proc``); elsewhere None, and readiness rests on the HTTP answer alone."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in wanted:
                    return True
    return False


_PROC_NET = Path("/proc/net/tcp").exists()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the stack's process dies, even by
    ``kill -9``, so no orphaned engine keeps the data file."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setpgrp()  # Ctrl-C in the terminal reaches the stack, which stops the engine in order


class DynamoDBLocal:
    """``start()`` → endpoint URL; ``stop()`` ends the process. One per data folder."""

    def __init__(self, db_path: Path | None, host: str = "127.0.0.1",
                 port: int | None = None, log: IO[str] | None = None) -> None:
        """``db_path=None`` keeps the tables in memory (tests that need no restart)."""
        # Absolute: the engine runs in that folder and reads -dbPath from there.
        self.db_path = db_path.resolve() if db_path is not None else None
        self.host = host
        self.port = port or free_port(host)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._lock_file: IO[str] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        jar = ENGINE_DIR / "DynamoDBLocal.jar"
        if not jar.is_file():
            raise DynamoDBLocalError(
                f"DynamoDB Local is not installed ({jar} is missing); run "
                f"bash {ENSURE_SCRIPT.relative_to(ROOT)} (make run and make test do).")
        storage = ["-inMemory"] if self.db_path is None else ["-dbPath", str(self.db_path)]
        return ["java", f"-Xmx{HEAP}", "-XX:+UseSerialGC",
                f"-Djava.library.path={ENGINE_DIR / 'DynamoDBLocal_lib'}",
                "-jar", str(jar), "-sharedDb", "-port", str(self.port), *storage]

    def _claim(self) -> None:
        """One engine per data folder: a second stack on the same ``.local/`` is refused
        with a clear message instead of two engines writing one SQLite file."""
        assert self.db_path is not None
        self.db_path.mkdir(parents=True, exist_ok=True)
        handle = (self.db_path / "engine.lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DynamoDBLocalError(
                f"{self.db_path} is in use by another local stack; stop it first, or "
                "start this one with another --state-dir") from None
        self._lock_file = handle

    def start(self, timeout: float = 60.0, attempts: int = 3) -> str:
        """Starts the engine and waits until it answers on its port. A free port can be
        taken by another program before Java binds it; then another port is tried."""
        if self.db_path is not None:
            self._claim()
        for attempt in range(1, attempts + 1):
            try:
                self._launch(timeout)
                return self.endpoint
            except DynamoDBLocalError:
                self._release()
                raise
            except _PortTaken:
                assert self.process is not None
                self.process.kill()  # it has served nothing: no need to let it stop in order
                self.process.wait()
                if attempt == attempts:
                    self._release()
                    raise DynamoDBLocalError(
                        f"DynamoDB Local could not get a free port in {attempts} tries") from None
                self.port = free_port(self.host)
        raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, timeout: float) -> None:
        command = self.command()
        try:
            # cwd: in memory, the engine still writes a metadata file into its folder.
            self.process = subprocess.Popen(
                command, cwd=self.db_path or ENGINE_DIR, stdin=subprocess.DEVNULL,
                stdout=self.log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent)
        except FileNotFoundError as exc:
            self._release()
            raise DynamoDBLocalError(
                "java is missing; run bash scripts/ensure-dynamodb-local.sh") from exc
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self._release()
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited at start with code {self.process.returncode}"
                    " (is Java older than 17?)")
            ours = port_owner(self.port, self.process.pid) if _PROC_NET else True
            if ours is False:
                # Another program holds the port: what answers there is not our engine.
                raise _PortTaken()
            if ours and self.answers():
                return
            time.sleep(0.05)
        self.stop()
        raise DynamoDBLocalError(f"DynamoDB Local did not answer within {timeout:.0f} s")

    def answers(self) -> bool:
        """Any HTTP answer means the engine listens (it says 400 to a bare GET)."""
        try:
            with urllib.request.urlopen(self.endpoint, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def _end_process(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        self._end_process(timeout)
        self._release()

    def kill(self) -> None:
        """Ends the engine at once with SIGKILL, as a crash would: nothing is flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._release()

    def _release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def wait_for_commits(session: Any, barrier: Any = None) -> None:
    """After each transaction on ``session``'s DynamoDB clients, waits until DynamoDB Local
    has really committed it.

    DynamoDB Local (2.9.x, ``SQLiteDBAccess.commitTransaction``) answers
    ``TransactWriteItems`` as soon as it has *queued* the ``COMMIT`` on its one SQLite job
    queue, without waiting for it. A ``kill -9`` in that gap lost an acknowledged ticket
    (``tests/e2e/test_crash_safety.py``, about one run in fifteen). That queue has one thread
    and runs its jobs in order, and ``ListTables`` is a job whose answer the engine waits
    for, so once a ``ListTables`` returns, every ``COMMIT`` queued before it has run. Real
    DynamoDB answers only once the write is durable, so this is for the local engine only,
    registered by the local stack before its first client is made.

    ``barrier``: the client that asks ``ListTables`` (by default one made here, now, since
    creating clients from one session in several threads at once is not safe).
    """
    barrier = barrier if barrier is not None else session.client("dynamodb")

    def after_transaction(**_: Any) -> None:
        barrier.list_tables(Limit=1)

    for operation in ("TransactWriteItems", "ExecuteTransaction"):
        session.events.register(f"after-call.dynamodb.{operation}", after_transaction)
