#!/usr/bin/env bash
# Renders the Kubernetes manifests (deploy/, kustomize) and validates them offline against the
# Kubernetes API schema, with unknown fields and cross-references checked too
# (scripts/k8s-validate/validate.mjs says how). No cluster needed. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "k8s-check: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

rendered=$(mktemp --suffix=.yaml)
trap 'rm -f "$rendered"' EXIT
kubectl kustomize deploy > "$rendered"
echo "k8s-check: rendered deploy/ ($(grep -c '^kind:' "$rendered") objects)"
(cd scripts/k8s-validate && npm ci --silent --no-audit --no-fund)
node scripts/k8s-validate/validate.mjs "$rendered"
