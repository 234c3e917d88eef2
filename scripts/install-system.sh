#!/usr/bin/env bash
# Debian packages Summitry needs. Janus is pinned to Debian 12's 1.1.2; Chromium and PostgreSQL follow
# Debian's security updates (the archive keeps only the current security build of Chromium).
set -euo pipefail
JANUS_VERSION="1.1.2-1"
want=(janus coturn redis-server chromium postgresql iproute2 python3-venv python3-dev gettext fonts-dejavu-core ca-certificates)
command -v node >/dev/null 2>&1 || want+=(nodejs)
command -v npm >/dev/null 2>&1 || want+=(npm)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-system: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -o DPkg::Lock::Timeout=300 -qq
  pkgs=()
  for pkg in "${missing[@]}"; do
    if [ "$pkg" = janus ]; then pkgs+=("janus=$JANUS_VERSION"); else pkgs+=("$pkg"); fi
  done
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${pkgs[@]}" >/dev/null
fi
# Debian's packages may start a system Janus, TURN server or Redis that would hold ports; Summitry's tests
# run their own (coturn: the TURN server participants behind firewalls use; Redis: the channel layer when
# several processes serve; docs/DEPLOYMENT.md).
for unit in janus coturn redis-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled "$unit" >/dev/null 2>&1; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
done
exit 0
