#!/usr/bin/env bash
# The seed's CLI wrapper: sets AITBC_URL and the client's API key, then runs the aitbc command.
#
#   scripts/aitbc-cli.sh submit inference --prompt "What is machine learning?" \
#       --model llama3.2:latest --wait
#
# AITBC_URL defaults to http://127.0.0.1:8000. CLIENT_API_KEY (and ADMIN_API_KEY, AITBC_NODE_URL,
# AITBC_WALLET_DIR) come from the environment when set, else from the local devnet's
# .devnet/devnet.json when there is one (AITBC_DEVNET_DIR names another devnet directory).
# AITBC_BIN overrides the aitbc executable (default: build/bin/aitbc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
aitbc=${AITBC_BIN:-$root/build/bin/aitbc}
devnet=${AITBC_DEVNET_DIR:-$root/.devnet}

if [[ ! -x "$aitbc" ]]; then
  echo "aitbc-cli.sh: $aitbc not found: run scripts/build first" >&2
  exit 1
fi
if [[ -f "$devnet/devnet.json" ]]; then
  # Exports only what is not already set (an explicit CLIENT_API_KEY wins).
  eval "$("$aitbc" devnet env --dir "$devnet")"
fi
export AITBC_URL=${AITBC_URL:-http://127.0.0.1:8000}
export CLIENT_API_KEY=${CLIENT_API_KEY:-}
export CLIENT_KEY=$CLIENT_API_KEY  # the seed's name for it
exec "$aitbc" "$@"
