#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real peers (run as root, or with sudo).
# .ci/run uses this list too, so a fresh machine and CI get the same set.
set -euo pipefail
PACKAGES=(sip-tester baresip sox espeak-ng chromium postgresql postgresql-client)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
