"""Starts the local stack (``python -m local``) as a separate process on a free port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    state_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    flags: tuple[str, ...] = ()  # more of ``python -m local``'s options
    env: dict[str, str] | None = None  # the environment to start in; this process's if None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> Stack:
        # Without the demo's month of history (local/demo_reports.py): every stack of the
        # run would take its time; tests/integration/test_demo_reports.py covers it.
        env = {"HELPDESK_DEMO_HISTORY": "0",
               **(os.environ if self.env is None else self.env), "PORT": str(self.port),
               "PYTHONUNBUFFERED": "1"}
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
            env.pop(name, None)  # the stack chooses its own
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", str(self.port),
             "--state-dir", str(self.state_dir), *self.flags],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the local stack exited:\n" + "".join(self.output))
            self.output.append(line)
            if line.startswith("Ctrl-C stops it"):
                self._drain_in_background()
                return self
        self.process.kill()
        raise RuntimeError("the local stack did not start in time:\n" + "".join(self.output))

    def _drain_in_background(self) -> None:
        import threading

        def drain() -> None:
            assert self.process and self.process.stdout
            # Kept beside the state, so a failing run can be read afterwards.
            with (self.state_dir / "stack.log").open("a") as log:
                log.writelines(self.output)
                for line in self.process.stdout:
                    self.output.append(line)
                    log.write(line)
                    log.flush()

        threading.Thread(target=drain, daemon=True).start()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # its threads' stacks, into stack.log
            time.sleep(1)
            self.process.kill()
            raise

    def kill(self, timeout: float = 30) -> int:
        """``kill -9`` of the stack's Python process: no signal handler runs, nothing is saved
        on the way out. Its DynamoDB Local child (in a process group of its own) is killed by
        the kernel with it (``PR_SET_PDEATHSIG``); ``engine_pids()`` shows that it was."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=timeout)

    def engine_pids(self) -> list[int]:
        """Live Java processes whose data folder is this stack's ``<state dir>/dynamodb``."""
        wanted = str(self.state_dir / "dynamodb")
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:  # it ended meanwhile
                continue
            if argv[0].endswith("java") and wanted in argv:
                found.append(int(proc.name))
        return found

    # --- HTTP -------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, answer_headers, payload = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, payload = error.code, dict(error.headers), error.read()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return status, answer_headers, parsed

    def login(self, email: str, password: str = PASSWORD) -> str:
        status, _, body = self.request("POST", "/auth/login",
                                       {"email": email, "password": password})
        assert status == 200, body
        return str(body["token"])
