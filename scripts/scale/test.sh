#!/usr/bin/env bash
# `make test-scale`: PostgreSQL + Redis on loopback, then tests/scale (two gunicorn console
# instances against one sandbox, sharing the database and the rate-limit storage).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/scripts/scale"
cd "$root"

"$here/install.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/talon-desk-scale.XXXXXX")"
trap '"$here/stop.sh" "$work"' EXIT
"$here/start.sh" "$work"
# shellcheck disable=SC1091
. "$work/env"
export TALON_DESK_SCALE=1
.venv/bin/pytest tests/scale -m scale -p no:cacheprovider "$@"
