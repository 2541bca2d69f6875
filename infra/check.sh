#!/usr/bin/env bash
# Checks of the Pulse infrastructure code, as CI runs them (.ci/run calls `bash infra/check.sh`):
#   1. terraform fmt -check -recursive
#   2. terraform init -backend=false -plugin-dir=<local provider mirror>, terraform validate
#   3. terraform test (mocked AWS provider: no credentials, no AWS calls)
#   4. lint of src/main/docker/Dockerfile (hadolint, or dockerfilelint from npm), when available
# Exits non-zero when a check fails. Without terraform or a provider mirror it prints a SKIPPED
# line and exits 0. Set TF_PLUGIN_MIRROR to the folder that holds registry.terraform.io/, or
# TF_USE_REGISTRY=1 to let init download providers from the public registry instead.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dockerfile="$here/../src/main/docker/Dockerfile"
cd "$here"

export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
# A CLI config variable pointing at a missing file only produces warnings.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "$TF_CLI_CONFIG_FILE" ]]; then
  unset TF_CLI_CONFIG_FILE
fi

failures=()
step() { # step <name> <command...>: run, report, remember failures
  local name="$1"; shift
  echo "==> $name"
  if "$@"; then
    echo "PASS: $name"
  else
    echo "FAIL: $name"
    failures+=("$name")
  fi
}

if ! command -v terraform >/dev/null 2>&1; then
  echo "SKIPPED: infra checks (terraform is not on the PATH)"
  exit 0
fi
echo "terraform: $(terraform version | head -n 1)"

step "terraform fmt -check -recursive" terraform fmt -check -recursive -diff .

# --- provider mirror ----------------------------------------------------------------------------
find_mirror() {
  local dir
  for dir in "${TF_PLUGIN_MIRROR:-}" /opt/tf-plugins /usr/share/terraform/plugins \
    /usr/local/share/terraform/plugins "$HOME/.terraform.d/plugins" \
    "$HOME/.local/share/terraform/plugins"; do
    if [[ -n "$dir" && -d "$dir/registry.terraform.io/hashicorp/aws" ]]; then
      echo "$dir"
      return 0
    fi
  done
  dir="$(find / -maxdepth 8 -type d -path '*/registry.terraform.io/hashicorp/aws' \
    -not -path '*/.terraform/*' 2>/dev/null | head -n 1)"
  if [[ -n "$dir" ]]; then
    dirname "$(dirname "$(dirname "$dir")")"
    return 0
  fi
  return 1
}

if [[ -n "${TF_PLUGIN_MIRROR:-}" && ! -d "$TF_PLUGIN_MIRROR/registry.terraform.io/hashicorp/aws" ]]; then
  echo "FAIL: TF_PLUGIN_MIRROR=$TF_PLUGIN_MIRROR has no registry.terraform.io/hashicorp/aws"
  exit 1
fi

init_args=(-backend=false -input=false)
if mirror="$(find_mirror)"; then
  echo "provider mirror: $mirror"
  init_args+=("-plugin-dir=$mirror")
elif [[ "${TF_USE_REGISTRY:-0}" == "1" ]]; then
  echo "provider mirror: none, downloading from the registry (TF_USE_REGISTRY=1)"
else
  echo "SKIPPED: terraform init/validate/test (no provider mirror with registry.terraform.io/hashicorp/aws; set TF_PLUGIN_MIRROR or TF_USE_REGISTRY=1)"
  if ((${#failures[@]})); then exit 1; fi
  exit 0
fi

step "terraform init" terraform init "${init_args[@]}" -no-color
step "terraform validate" terraform validate -no-color
step "terraform test" terraform test -no-color

# --- Dockerfile lint ----------------------------------------------------------------------------
if command -v hadolint >/dev/null 2>&1; then
  step "hadolint Dockerfile" hadolint "$dockerfile"
elif command -v dockerfilelint >/dev/null 2>&1; then
  step "dockerfilelint Dockerfile" dockerfilelint "$dockerfile"
elif command -v npx >/dev/null 2>&1 && timeout 180 npx --yes dockerfilelint@1.8.0 --version >/dev/null 2>&1; then
  step "dockerfilelint Dockerfile" npx --yes dockerfilelint@1.8.0 "$dockerfile"
else
  echo "SKIPPED: Dockerfile lint (neither hadolint nor dockerfilelint available, npm registry unreachable)"
fi

if ((${#failures[@]})); then
  echo "infra checks FAILED: ${failures[*]}"
  exit 1
fi
echo "infra checks passed"
