#!/usr/bin/env bash
# Copy the served index version to another app host; its instances switch to it without a
# restart and never see a half-copied version.
#
#   deploy/sync-index.sh SRC_INDEX_DIR DEST_INDEX_DIR
#   deploy/sync-index.sh /srv/clinicbot/data/index app2.internal:/srv/clinicbot/data/index
#
# DEST is a local directory or HOST:DIR (reached with ssh and rsync; the remote needs bash,
# rsync and util-linux's flock). The steps, each safe to repeat after a failure:
#   1. rsync versions/<id>/ into DEST/.incoming-<id>/  (a name the app never reads)
#   2. rename it to DEST/versions/<id>                  (atomic on one filesystem)
#   3. write DEST/CURRENT.tmp-sync, then mv it over DEST/CURRENT (atomic: the switch)
# Steps 2-3 hold DEST/.lock, the lock `ingest.py` takes, so they never race a local ingest.
# Exit status: 0 done (or already current), 1 failure (DEST still serves what it served).
set -euo pipefail

usage() { echo "usage: $0 SRC_INDEX_DIR [HOST:]DEST_INDEX_DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
src=${1%/}
dest=$2

version=$(tr -d '[:space:]' < "$src/CURRENT")
if [[ ! $version =~ ^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$ ]]; then
    echo "error: $src/CURRENT does not name a version ($version)" >&2
    exit 1
fi
[[ -f $src/versions/$version/manifest.json ]] || {
    echo "error: $src/versions/$version is missing or incomplete" >&2
    exit 1
}

if [[ $dest == *:* ]]; then
    host=${dest%%:*}
    dir=${dest#*:}
    on_dest() { ssh -o BatchMode=yes "$host" bash -s -- "$@"; }
    rsync_dest="$host:$dir"
else
    host=""
    dir=$dest
    on_dest() { bash -s -- "$@"; }
    rsync_dest=$dir
fi

# shellcheck disable=SC2016  # expanded on the destination
state=$(on_dest "$dir" "$version" <<'EOF'
set -eu
mkdir -p "$1/versions"
current=$(cat "$1/CURRENT" 2>/dev/null || true)
if [ "$current" = "$2" ]; then echo current
elif [ -d "$1/versions/$2" ]; then echo present
else echo missing
fi
EOF
)
if [[ $state == current ]]; then
    echo "$dest already serves $version"
    exit 0
fi

if [[ $state == missing ]]; then
    # --delete: a copy left by an earlier, interrupted run is completed, not trusted.
    rsync -a --delete "$src/versions/$version/" "$rsync_dest/.incoming-$version/"
fi

# shellcheck disable=SC2016  # expanded on the destination
on_dest "$dir" "$version" <<'EOF'
set -eu
cd "$1"
exec 9>>.lock
flock -w 120 9
if [ ! -d "versions/$2" ]; then
    sync
    mv ".incoming-$2" "versions/$2"
fi
printf '%s\n' "$2" > CURRENT.tmp-sync
sync
mv -f CURRENT.tmp-sync CURRENT
sync
EOF
echo "$dest now serves $version${host:+ (on $host)}"
