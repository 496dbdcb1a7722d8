"""``make run``: the whole product on one machine, with demo data.

    python -m local [--port 8000] [--state-dir .local] [--no-seed]

Starts DynamoDB Local (AWS's own engine, a Java child process on a free port, its data
in ``.local/dynamodb/``) for the tables and moto's threaded server on 127.0.0.1 for the
rest (S3, SQS, Cognito, SES, SNS), restores moto's ``.local/state.pickle`` if present,
creates the AWS resources from ``infra/resources.yaml``, seeds the demo tenants, and
serves the API and the portal on one origin. DynamoDB Local commits each write before it
answers; moto's state is saved within a second of a change and on Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Demo-password-1"


def _stage_environment(stage: str = "local") -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return dict(config["stages"][stage]["environment_variables"])


def _secret(state_dir: Path) -> str:
    """The local signing secret, kept with the state so cursors survive a restart."""
    path = state_dir / "secret"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    os.replace(tmp, path)
    return value


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--state-dir", type=Path,
                        default=Path(os.environ.get("HELPDESK_STATE_DIR", ROOT / ".local")))
    parser.add_argument("--no-seed", action="store_true", help="start without demo data")
    parser.add_argument("--no-background", action="store_true",
                        help="run no schedules or queue pump; POST /_local/tick drives them")
    return parser.parse_args(argv)


class LocalStack:
    """Everything ``make run`` starts, in the order it must start and stop."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.state_file = args.state_dir / "state.pickle"
        self.stopped = threading.Event()

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        from local import state
        from local.dynamodb_local import DynamoDBLocal
        from local.moto_fidelity import make_moto_faithful

        make_moto_faithful()
        self.args.state_dir.mkdir(parents=True, exist_ok=True)
        os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"})
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(_stage_environment())
        # Refuse a damaged state file before anything starts; it is never overwritten.
        restored = state.load_state(self.state_file)
        self.dynamodb = DynamoDBLocal(
            self.args.state_dir / "dynamodb",
            log=(self.args.state_dir / "dynamodb.log").open("a"))
        dynamodb_endpoint = self.dynamodb.start()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        moto_host, moto_port = self.moto.get_host_and_port()
        endpoint = f"http://{moto_host}:{moto_port}"
        # boto3 reads both: the service's own variable wins for DynamoDB.
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
        # For helpers run beside the stack (``make redrive``).
        (self.args.state_dir / "endpoint.json").write_text(json.dumps(
            {"aws_endpoint": endpoint, "dynamodb_endpoint": dynamodb_endpoint}))
        self.restored = restored
        self._configure(endpoint, dynamodb_endpoint)
        self.saver = state.DebouncedSaver(self.state_file)
        server = self.moto._server
        assert server is not None
        server.app = state.watch_changes(server.app, self.saver.changed)

    def _configure(self, endpoint: str, dynamodb_endpoint: str) -> None:
        from local.bootstrap import create_resources

        resources = create_resources(endpoint, stage="local", region="eu-west-1",
                                     dynamodb_endpoint_url=dynamodb_endpoint)
        os.environ.update({
            "COGNITO_USER_POOL_ID": resources.user_pool_id,
            "COGNITO_CLIENT_ID": resources.user_pool_client_id,
            "COGNITO_JWKS_URL": f"{endpoint}/{resources.user_pool_id}/.well-known/jwks.json",
            "HELPDESK_SECRET": _secret(self.args.state_dir),
            "PORTAL_ORIGIN": f"http://{self.args.host}:{self.args.port}",
            # Chat: the socket on this origin, pushed to through the local management API.
            "CHAT_SOCKET_URL": f"ws://{self.args.host}:{self.args.port}/chat",
            "CHAT_PUSH_ENDPOINT": f"http://{self.args.host}:{self.args.port}",
        })

    def serve(self) -> None:
        import boto3

        from app import app
        from chalicelib.store import clients
        from local.dynamodb_local import wait_for_commits
        from local.events import BackgroundLoop, EventRunner
        from local.outbox import LocalOutbox
        from local.seed import seed
        from local.server import LocalStackServer, inbound_email_route, outbox_route, tick_route

        wait_for_commits(clients.session())  # before the app makes its first client
        runner = EventRunner(app=app, region="eu-west-1", sqs=boto3.client("sqs"),
                             s3=boto3.client("s3"))
        outbox = LocalOutbox(os.environ["COGNITO_USER_POOL_ID"], "eu-west-1")
        routes: dict[str, Any] = {
            "POST /_local/tick": tick_route(runner),
            "GET /_local/outbox": outbox_route(outbox),
            "POST /_local/inbound-email": inbound_email_route(runner, boto3.client("s3")),
        }
        # Bind first: a taken port should stop the start before anything is seeded.
        self.http = LocalStackServer((self.args.host, self.args.port), app,
                                     ROOT / "portal", routes, outbox)
        runner.connect_s3_events()
        logins = [] if self.args.no_seed else seed(
            os.environ.get("HELPDESK_DEMO_PASSWORD", DEMO_PASSWORD), demo_tickets=True,
            demo_history=os.environ.get("HELPDESK_DEMO_HISTORY", "1") != "0")
        self.loop = BackgroundLoop(runner)
        if not self.args.no_background:
            self.loop.start()
        self.saver.start()
        self.saver.changed()  # the resources and the seed: saved at once
        self._announce(logins)
        threading.Thread(target=self.http.serve_forever, name="http", daemon=True).start()

    def _announce(self, logins: list[Any]) -> None:
        password = os.environ.get("HELPDESK_DEMO_PASSWORD", DEMO_PASSWORD)
        lines = [
            f"Helpdesk local stack: {self.http.origin}",
            f"  state: {self.args.state_dir} ({'restored' if self.restored else 'new'})",
            f"  DynamoDB Local: {os.environ['AWS_ENDPOINT_URL_DYNAMODB']}",
            f"  AWS (moto: S3, SQS, Cognito, SES, SNS): {os.environ['AWS_ENDPOINT_URL']}",
        ]
        if logins:
            lines.append(f"  demo logins (password {password}):")
            lines += [f"    {x.email:<22} {x.role:<8} tenant {x.tenant}" for x in logins]
        domain = os.environ.get("MAIL_FROM", "noreply@helpdesk.localhost").rsplit("@", 1)[-1]
        lines.append(f"  support mail: POST {self.http.origin}/_local/inbound-email"
                     f"?recipient=<tenant>@{domain} (a raw message); sent mail: GET "
                     f"{self.http.origin}/_local/outbox")
        lines.append(f"  chat: {os.environ['CHAT_SOCKET_URL']} (WebSocket; the management API"
                     f" at {self.http.origin}/@connections/<id>)")
        lines.append("Ctrl-C stops it and saves the state.")
        print("\n".join(lines), flush=True)

    def stop(self) -> None:
        self.http.shutdown()
        if self.loop.is_alive():
            self.loop.stop()
        self.saver.stop(final_save=True)
        self.moto.stop()
        self.dynamodb.stop()
        print("Stopped; state saved.", flush=True)


def main(argv: list[str] | None = None) -> int:
    import faulthandler

    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: every thread's stack, to stderr
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-call access log
    args = _parse(argv)
    from local.dynamodb_local import DynamoDBLocalError
    from local.state import StateFileError

    stack = LocalStack(args)
    try:
        stack.start()
    except (StateFileError, DynamoDBLocalError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        if getattr(stack, "dynamodb", None) is not None:
            stack.dynamodb.stop()
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stack.stopped.set())
    try:
        stack.serve()
    except OSError as exc:
        stack.moto.stop()  # nothing was saved: the state file stays as it was
        stack.dynamodb.stop()
        print(f"Cannot start: {args.host}:{args.port} is not free ({exc.strerror}); "
              "choose another with PORT=...", file=sys.stderr)
        return 1
    stack.stopped.wait()
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
