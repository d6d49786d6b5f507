#!/bin/sh
# Take the app's deploy lock in one round trip: make the app's directory,
# then the lock's directory, which mkdir makes or refuses atomically, and
# record the holder in it. Prints "taken", or "held" when another run has it
# (tasks/lock.yml then reads who).
#
#   lock-take.sh ROOT LOCK HOLDER_JSON_BASE64
set -eu
root=$1 lock=$2 holder=$3
mkdir -p "$root"
chown root:root "$root"
chmod 0755 "$root"
if ! mkdir -m 0700 "$lock" 2>/dev/null; then
    [ -d "$lock" ] || { echo "lock-take.sh: cannot make $lock" >&2; exit 1; }
    echo held
    exit 0
fi
umask 077
printf '%s' "$holder" | base64 -d > "$lock/holder.json.new"
mv "$lock/holder.json.new" "$lock/holder.json"
echo taken
