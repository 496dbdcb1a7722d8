"""Persist the in-process moto state of the local stack across restarts.

The local stack runs moto's ``ThreadedMotoServer`` inside the app's own Python
process for everything but DynamoDB (which is DynamoDB Local, with its own SQLite
file), so those resources live in moto's module-level ``BackendDict`` objects. This
module pickles those backends to a single file and restores them in place, so a freshly
started server serves the old queues, buckets, user pools and mail.
:class:`DebouncedSaver` writes the file within a couple of seconds of a change.

File layout (``FORMAT_VERSION`` 2; version 1 also held moto's DynamoDB)::

    b"HELPDESK-MOTO-STATE\\n"              magic line
    {"format": 1, "moto_version": ...}\\n   one line of JSON header
    <pickle payload>                        checked against header size/sha256

A file written by another format or moto version is refused as a whole
(:class:`StateFileError`) instead of being half-loaded; the file is never
modified or deleted by :func:`load_state`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import moto
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import types as key_types
from moto.backends import get_backend
from moto.core.base_backend import BackendDict, BaseBackend, backend_lock

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
MAGIC = b"HELPDESK-MOTO-STATE\n"
# A change is saved this long after it, so a burst of calls costs one save.
DEFAULT_DELAY_SECONDS = 0.5

# Backends whose state is saved.  "sesv2" keeps a reference to the "ses" backend
# of the same account/region, so both are saved in one pickle graph.  IAM/STS are
# left out on purpose: the stack does not depend on their state and IAM's backend
# (all AWS managed policies for six partitions) would dominate the file size. DynamoDB is
# not moto's locally: DynamoDB Local keeps the tables.
SERVICES: tuple[str, ...] = (
    "sqs",
    "s3",
    "cognito-idp",
    "ses",
    "sesv2",
    "sns",
)

# Attributes every BackendDict has; anything else (e.g. S3BackendDict.bucket_accounts,
# the global bucket-name -> account index) is service state and is saved too.
_BACKEND_DICT_BASE_ATTRS = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)
_SAVE_ATTEMPTS = 5

Payload = dict[str, dict[str, Any]]


class StateFileError(Exception):
    """The state file exists but cannot be used.  It has been left untouched."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot load local AWS state from {path}: {reason}. "
            "The file was left untouched; move or delete it to start with an empty state."
        )


class StateSaveError(Exception):
    """Saving failed; the previous state file (if any) is unchanged."""


# --------------------------------------------------------------------------- pickling


def _new_event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _new_semaphore(value: int) -> threading.Semaphore:
    return threading.Semaphore(value)


_PRIVATE_KEY_TYPES: tuple[type, ...] = typing.get_args(key_types.PrivateKeyTypes)
_PUBLIC_KEY_TYPES: tuple[type, ...] = typing.get_args(key_types.PublicKeyTypes)


def _load_private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


def _reduce_crypto(obj: Any) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """Reduce ``cryptography`` objects (Rust-backed, unpicklable) to DER bytes."""
    if isinstance(obj, _PRIVATE_KEY_TYPES):
        der = obj.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return _load_private_key, (der,)
    if isinstance(obj, _PUBLIC_KEY_TYPES):
        der = obj.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return serialization.load_der_public_key, (der,)
    if isinstance(obj, x509.Certificate):
        return x509.load_der_x509_certificate, (obj.public_bytes(serialization.Encoding.DER),)
    return None


_LOCK_TYPE = type(threading.Lock())
_RLOCK_TYPE = type(threading.RLock())


def _reduce_sync(obj: Any) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """Synchronisation primitives are recreated fresh (unlocked, no waiters)."""
    cls = type(obj)
    if cls is _LOCK_TYPE:
        return threading.Lock, ()
    if cls is _RLOCK_TYPE:
        return threading.RLock, ()
    if cls is threading.Condition:
        return threading.Condition, ()
    if cls is threading.Event:
        return _new_event, (obj.is_set(),)
    if cls in (threading.Semaphore, threading.BoundedSemaphore):
        return _new_semaphore, (obj._value,)
    return None


class StatePickler(pickle.Pickler):
    """Pickler that can serialise moto's backends.

    moto models hold ``threading`` locks/conditions (SQS queues, S3 keys) and
    ``cryptography`` key objects (Cognito's JWK).  S3 keys already drop their
    ``SpooledTemporaryFile`` in ``FakeKey.__getstate__``.
    """

    def reducer_override(self, obj: Any) -> Any:
        module = type(obj).__module__
        if module == "_thread" or module == "threading":
            return _reduce_sync(obj) or NotImplemented
        if module.startswith("cryptography"):
            return _reduce_crypto(obj) or NotImplemented
        return NotImplemented


def _collect_payload() -> Payload:
    payload: Payload = {}
    for service in SERVICES:
        backend_dict = get_backend(service)  # type: ignore[call-overload]
        payload[service] = {
            "attrs": {
                k: v for k, v in vars(backend_dict).items() if k not in _BACKEND_DICT_BASE_ATTRS
            },
            "backends": {
                account: dict(dict.items(regions)) for account, regions in backend_dict.items()
            },
        }
    return payload


def _pickle_payload() -> bytes:
    """Pickle all backends; retry if a request mutated a container mid-walk."""
    for attempt in range(1, _SAVE_ATTEMPTS + 1):
        buffer = io.BytesIO()
        try:
            with backend_lock:  # no backend appears/disappears while we walk
                StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(_collect_payload())
        except RuntimeError as exc:  # "dictionary changed size during iteration"
            if attempt == _SAVE_ATTEMPTS:
                raise
            log.debug("state snapshot raced with a request (%s); retrying", exc)
            time.sleep(0.01 * attempt)
        else:
            return buffer.getvalue()
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- saving


def _header(payload: bytes) -> bytes:
    header = {
        "format": FORMAT_VERSION,
        "moto_version": moto.__version__,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "services": list(SERVICES),
        "payload_size": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    return json.dumps(header, sort_keys=True).encode() + b"\n"


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere; best effort
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomically(path: Path, chunks: tuple[bytes, ...]) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def save_state(path: Path) -> None:
    """Snapshot every backend in :data:`SERVICES` to ``path`` atomically.

    Safe to call from a background thread while the server handles requests.
    The whole state is pickled in memory first; only a complete snapshot is
    written (temp file in the same directory, fsync, ``os.replace``), so a
    failure leaves the previous file untouched and raises :class:`StateSaveError`.
    """
    path = Path(path)
    try:
        payload = _pickle_payload()
    except Exception as exc:
        raise StateSaveError(f"could not snapshot local AWS state: {exc!r}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_atomically(path, (MAGIC, _header(payload), payload))
    except OSError as exc:
        raise StateSaveError(f"could not write local AWS state to {path}: {exc}") from exc


# --------------------------------------------------------------------------- loading


def _parse_header(path: Path, data: bytes) -> tuple[dict[str, Any], bytes]:
    if not data.startswith(MAGIC):
        raise StateFileError(path, "not a helpdesk local state file (bad magic bytes)")
    header_line, sep, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(header_line) if sep else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise StateFileError(path, "the header is unreadable")
    return header, payload


def _check_header(path: Path, header: dict[str, Any], payload: bytes) -> None:
    if header.get("format") != FORMAT_VERSION:
        raise StateFileError(
            path, f"unsupported format {header.get('format')!r} (expected {FORMAT_VERSION})"
        )
    if header.get("moto_version") != moto.__version__:
        raise StateFileError(
            path,
            f"it was written by moto {header.get('moto_version')!r}, "
            f"this process runs moto {moto.__version__}",
        )
    if header.get("payload_size") != len(payload):
        raise StateFileError(
            path,
            f"it is truncated or padded ({len(payload)} payload bytes, "
            f"header says {header.get('payload_size')})",
        )
    if header.get("payload_sha256") != hashlib.sha256(payload).hexdigest():
        raise StateFileError(path, "the payload checksum does not match (corrupt file)")


def _valid_entry(entry: object) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("attrs"), dict):
        return False
    accounts = entry.get("backends")
    return isinstance(accounts, dict) and all(
        isinstance(regions, dict)
        and all(isinstance(backend, BaseBackend) for backend in regions.values())
        for regions in accounts.values()
    )


def _unpickle(path: Path, payload: bytes) -> Payload:
    try:
        data = pickle.loads(payload)
    except Exception as exc:
        raise StateFileError(path, f"the payload cannot be unpickled ({exc!r})") from exc
    if not isinstance(data, dict):
        raise StateFileError(path, "the payload is not a mapping of services")
    for service, entry in data.items():
        try:
            get_backend(service)  # type: ignore[call-overload]
        except Exception as exc:
            raise StateFileError(path, f"unknown moto service {service!r}") from exc
        if not _valid_entry(entry):
            raise StateFileError(path, f"malformed entry for service {service!r}")
    return data


def _iter_backends(backend_dict: BackendDict[Any]) -> Iterator[BaseBackend]:
    for regions in list(backend_dict.values()):
        yield from list(dict.values(regions))


def _dispose(backends: list[BaseBackend]) -> None:
    """Close the temporary files held by S3 keys of replaced backends.

    ``S3Backend.reset()`` must not be used for this: it disposes *every* FakeKey
    ever created in the process (including the ones just loaded) and prunes the
    global bucket index.  Other services hold no OS resources; GC takes them.
    """
    for backend in backends:
        for bucket in list(getattr(backend, "buckets", {}).values()):
            for _, versions in bucket.keys.iterlists():
                for key in versions:
                    if hasattr(key, "dispose"):
                        key.dispose()
            for multipart in list(bucket.multiparts.values()):
                multipart.dispose()


def _install(data: Payload) -> None:
    """Swap the unpickled backends into moto's live BackendDicts."""
    replaced: list[BaseBackend] = []
    with backend_lock:
        for service, entry in data.items():
            backend_dict = get_backend(service)  # type: ignore[call-overload]
            replaced.extend(_iter_backends(backend_dict))
            dict.clear(backend_dict)
            for name, value in entry["attrs"].items():
                setattr(backend_dict, name, value)
            for account, regions in entry["backends"].items():
                account_backends = backend_dict[account]  # recreates + registers for reset()
                for region, backend in regions.items():
                    dict.__setitem__(account_backends, region, backend)
    try:
        _dispose(replaced)
    except Exception:  # best effort: the restored state is already live
        log.warning("could not release resources of replaced backends", exc_info=True)


def load_state(path: Path) -> bool:
    """Restore the backends saved in ``path`` into the running moto.

    Returns False if the file does not exist.  Raises :class:`StateFileError`
    (leaving the file untouched) if it cannot be read, is corrupt, or was written
    by another format/moto version.  Otherwise every saved service's
    ``BackendDict`` is replaced in place and True is returned.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(path, f"it cannot be read ({exc})") from exc
    header, payload = _parse_header(path, data)
    _check_header(path, header, payload)
    _install(_unpickle(path, payload))
    log.info("restored local AWS state from %s (saved %s)", path, header.get("saved_at"))
    return True


# --------------------------------------------------------------------------- autosave


class DebouncedSaver:
    """Saves the state ``delay`` seconds after :meth:`changed` is called (a burst of
    changes costs one save), and on :meth:`stop`. A change during a save is saved again."""

    def __init__(self, path: Path, delay: float = DEFAULT_DELAY_SECONDS) -> None:
        self.path = Path(path)
        self.delay = delay
        self.saves = 0
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="moto-state-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            if self._stop.wait(self.delay):
                return  # stop() saves last
            self._dirty.clear()
            self.save_now()

    def save_now(self) -> bool:
        try:
            save_state(self.path)
        except StateSaveError:
            log.exception("save of local AWS state failed; previous file kept")
            return False
        self.saves += 1
        return True

    def stop(self, final_save: bool = True) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join()
        if final_save:
            save_state(self.path)


# Calls that change nothing worth saving: reads, and SQS receives (a message whose
# visibility change is lost in a crash is simply received again).
_READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "Receive", "AdminGet", "Lookup")


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request to moto (a WSGI environ) may change its state. JSON protocols name
    the action in ``X-Amz-Target``; S3 says it with the method; anything else counts."""
    method = environ.get("REQUEST_METHOD", "GET")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return not target.rsplit(".", 1)[-1].startswith(_READ_ONLY_PREFIXES)
    action = next((part.split("=", 1)[1] for part in environ.get("QUERY_STRING", "").split("&")
                   if part.startswith("Action=")), "")
    if action:
        return not action.startswith(_READ_ONLY_PREFIXES)
    return method not in ("GET", "HEAD", "OPTIONS")


def watch_changes(wsgi_app: Callable[..., Any], on_change: Callable[[], None]) -> Any:
    """Wraps moto's WSGI app so a state-changing call schedules a save."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if changes_state(environ):
            on_change()
        return wsgi_app(environ, start_response)

    return app
