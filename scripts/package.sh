#!/usr/bin/env bash
# Build the CloudFormation (SAM) template and deployment package into build/ and lint it.
#   bash scripts/package.sh [STAGE]     (STAGE: dev | prod, default dev)
# No AWS credentials are needed and no AWS API is called; PyPI is used for Linux wheels.
set -euo pipefail

STAGE="${1:-${STAGE:-dev}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
OUT="$ROOT/build"
cd "$ROOT"

case "$STAGE" in
  dev|prod) ;;
  *) echo "package.sh: stage must be dev or prod, not '$STAGE'" >&2; exit 2 ;;
esac

# chalice builds a boto3 session (region only, nothing is called).
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-west-1}"
# app.py is imported while packaging: give it the stage's environment, so that names it
# reads at import time (e.g. the queue of @app.on_sqs_message) are the stage's names.
eval "$("$VENV/bin/python" - "$STAGE" <<'PY'
import json, shlex, sys
stage = json.load(open(".chalice/config.json"))["stages"][sys.argv[1]]
for key, value in stage.get("environment_variables", {}).items():
    print(f"export {key}={shlex.quote(str(value))}")
PY
)"

rm -rf "$OUT"
"$VENV/bin/chalice" package --stage "$STAGE" --merge-template infra/resources.yaml \
  --template-format yaml "$OUT"

# 1. The merge template replaces the policies of chalice's shared role `DefaultRole`; make
#    sure every function really uses that role (a per-function role would get no access).
# 2. Default the template's Stage parameter to the packaged stage: the functions' environment
#    (from .chalice/config.json) names that stage's tables, so deploying with another Stage
#    would create resources the code never uses. (AllowedValues stays [dev, prod]: a single
#    value would make cfn-lint flag the IsProd branches as unreachable.)
"$VENV/bin/python" - "$OUT/sam.yaml" "$STAGE" <<'PY'
import sys
import yaml

path, stage = sys.argv[1], sys.argv[2]
template = yaml.safe_load(open(path))
template["Parameters"]["Stage"]["Default"] = stage
with open(path, "w") as f:
    yaml.safe_dump(template, f, allow_unicode=True)
resources = template["Resources"]
functions = {k: r for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
wrong = [k for k, r in functions.items()
         if r["Properties"].get("Role") != {"Fn::GetAtt": ["DefaultRole", "Arn"]}]
if not functions or wrong or "AssumeRolePolicyDocument" not in resources["DefaultRole"]["Properties"]:
    sys.exit(f"package.sh: functions not on the merged DefaultRole: {wrong or 'no functions'}")
print(f"package.sh: {len(functions)} functions on DefaultRole, Globals: "
      + ", ".join(sorted(template["Globals"]["Function"]["Environment"]["Variables"])))
PY

# 3. The CORS preflight answers the stack's PortalOrigin, not the origin seen while packaging.
"$VENV/bin/python" scripts/pin_cors_origin.py "$OUT/sam.yaml"

"$VENV/bin/cfn-lint" -- "$OUT/sam.yaml"
echo "package.sh: $OUT/sam.yaml and $OUT/deployment.zip ready for stage $STAGE (cfn-lint clean)"
