#!/usr/bin/env bash
# Deploy a stage to a real AWS account. Never run by tests or CI (they use moto only).
#   STAGE=prod ARTIFACT_BUCKET=my-artifacts MAIL_DOMAIN=support.example.com \
#   HELPDESK_SECRET=$(openssl rand -base64 48) bash scripts/deploy.sh
# PORTAL_ORIGIN (e.g. https://support.example.com) is the portal's origin, the only one
# CORS allows; without it the stack's own PortalUrl is used (on the first deploy, once the
# portal's CloudFront address exists: the stack is deployed closed, then again with it).
# Needs the AWS CLI v2 and credentials for the target account.
set -euo pipefail
cd "$(dirname "$0")/.."

STAGE="${STAGE:-dev}"
: "${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET to an S3 bucket for the Lambda package}"
: "${MAIL_DOMAIN:?set MAIL_DOMAIN to the domain that receives support mail}"
: "${HELPDESK_SECRET:?set HELPDESK_SECRET to 32+ random characters (keep it stable)}"
STACK="helpdesk-$STAGE"
# An origin no browser has: what the first deploy allows, before the portal's exists.
CLOSED_ORIGIN="https://portal-origin.invalid"

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

if [ "${PORTAL_ORIGIN:-}" = "*" ]; then
  echo "deploy.sh: PORTAL_ORIGIN must be the portal's https origin; * is the local stack's only" >&2
  exit 2
fi
if [ -z "${PORTAL_ORIGIN:-}" ]; then
  PORTAL_ORIGIN="$(output PortalUrl 2>/dev/null || true)"
  case "$PORTAL_ORIGIN" in https://*) ;; *) PORTAL_ORIGIN="" ;; esac
fi

deploy_stack() {
  aws cloudformation deploy --template-file build/packaged.yaml --stack-name "$STACK" \
    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
    --parameter-overrides "MailDomain=$MAIL_DOMAIN" "HelpdeskSecret=$HELPDESK_SECRET" \
                          "PortalOrigin=$1"
}

bash scripts/package.sh "$STAGE"
aws cloudformation package --template-file build/sam.yaml --s3-bucket "$ARTIFACT_BUCKET" \
  --output-template-file build/packaged.yaml
if [ -n "$PORTAL_ORIGIN" ]; then
  deploy_stack "$PORTAL_ORIGIN"
else
  # The first deploy: the portal's CloudFront address exists only afterwards.
  deploy_stack "$CLOSED_ORIGIN"
  PORTAL_ORIGIN="$(output PortalUrl)"
  deploy_stack "$PORTAL_ORIGIN"
fi
API_URL="$(output EndpointURL)"
PORTAL_BUCKET="$(output PortalBucketName)"
DISTRIBUTION="$(output PortalDistributionId)"

# The portal reads the API's address from config.json, written here at deploy time.
site="$(mktemp -d)"
cp -R portal/. "$site/"
printf '{"api_base": "%s"}\n' "${API_URL%/}" > "$site/config.json"
aws s3 sync "$site/" "s3://$PORTAL_BUCKET/" --delete
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths '/*' >/dev/null
aws ses set-active-receipt-rule-set --rule-set-name "$(output InboundMailRuleSetName)"

echo "API:    $API_URL"
echo "Portal: $(output PortalUrl)"
echo "CORS:   $PORTAL_ORIGIN"
exit 0
