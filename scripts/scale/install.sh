#!/usr/bin/env bash
# Install PostgreSQL and Redis from Debian's packages, if they are missing.
# Only the binaries are needed: start.sh runs throwaway servers of its own, so the packages'
# own services (which apt may try to start) are neither needed nor touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

missing=()
pg_bin >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "scale: installing ${missing[*]} from Debian's packages"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "scale: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
pg_bin >/dev/null
command -v redis-server >/dev/null
