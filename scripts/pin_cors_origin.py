"""Make the packaged API's CORS preflight answer the stack's ``PortalOrigin``.

``chalice package`` writes each route's ``OPTIONS`` answer (an API Gateway mock) with the
origin the app saw while it was packaged, a constant. The Lambda's own answers read
``PORTAL_ORIGIN`` at run time from the template's ``PortalOrigin`` parameter; this makes
the preflight say the same, so no deployment answers a preflight with ``*``.

    python scripts/pin_cors_origin.py build/sam.yaml
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

ORIGIN_HEADER = "method.response.header.Access-Control-Allow-Origin"
PORTAL_ORIGIN = {"Fn::Sub": "'${PortalOrigin}'"}


def pin_preflight_origin(template: dict[str, Any]) -> int:
    """Sets every preflight's allowed origin to the ``PortalOrigin`` parameter; returns how
    many it set."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    pinned = 0
    for methods in body.get("paths", {}).values():
        preflight = methods.get("options", {}).get("x-amazon-apigateway-integration", {})
        for answer in preflight.get("responses", {}).values():
            parameters = answer.get("responseParameters", {})
            if ORIGIN_HEADER in parameters:
                parameters[ORIGIN_HEADER] = dict(PORTAL_ORIGIN)  # no YAML anchors
                pinned += 1
    return pinned


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        template = yaml.safe_load(f)
    pinned = pin_preflight_origin(template)
    if not pinned:
        print("pin_cors_origin: no preflight found to pin (has chalice's output changed?)",
              file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(template, f, allow_unicode=True)
    print(f"pin_cors_origin: {pinned} preflight answers allow PortalOrigin only")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
