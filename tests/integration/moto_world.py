"""moto's in-process state, set aside and brought back, so a test run bootstraps the
resources of ``infra/resources.yaml`` once and shares them between modules.

moto keeps every service's state in module-level ``BackendDict`` objects, and both
``mock_aws()`` (on start) and ``BackendDict.reset()`` wipe all of them. Between the
modules that share the resources, their backends are moved out of those dicts (not
reset), so a module that makes its own moto world (``test_local_state.py``,
``test_local_events.py``, ``test_store_engines.py``, ``test_bootstrap.py``) starts from
an empty one as before, and the shared world comes back untouched afterwards.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, backend_lock

# Attributes every BackendDict has; any other (S3's bucket-name -> account index) is state.
_BASE_ATTRIBUTES = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"})


@dataclass
class _Stashed:
    backend_dict: BackendDict[Any]
    accounts: dict[str, Any]
    extra_state: dict[str, Any]


@dataclass
class SetAside:
    """What ``set_aside()`` took out of moto; ``bring_back()`` puts it in again."""

    stashed: list[_Stashed] = field(default_factory=list)


def set_aside() -> SetAside:
    """Moves every live backend out of moto's dicts; moto is left empty, not reset."""
    with backend_lock:
        taken = SetAside()
        for backend_dict in list(BackendDict._instances):
            extra = {name: value for name, value in vars(backend_dict).items()
                     if name not in _BASE_ATTRIBUTES}
            taken.stashed.append(_Stashed(backend_dict, dict(backend_dict), extra))
            dict.clear(backend_dict)
            for name, value in extra.items():
                if hasattr(value, "clear"):  # an empty one of the same kind
                    emptied = copy.copy(value)
                    emptied.clear()
                    setattr(backend_dict, name, emptied)
        BackendDict._instances.clear()
    return taken


def bring_back(taken: SetAside) -> None:
    """Drops whatever moto holds now (another module's world) and restores ``taken``."""
    BackendDict.reset()
    with backend_lock:
        for entry in taken.stashed:
            dict.clear(entry.backend_dict)
            dict.update(entry.backend_dict, entry.accounts)
            for name, value in entry.extra_state.items():
                setattr(entry.backend_dict, name, value)
            BackendDict._instances.append(entry.backend_dict)
