#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (test/web.browser.test.ts, scripts/screenshots.ts).
#
#   bash scripts/browser/ensure-chromium.sh      # prints /usr/bin/chromium
#
# Idempotent: when the browser is there it only prints its path. Otherwise, as root on a machine
# with apt, it installs Debian's `chromium` package (no recommends; `apt-get update` first only if
# the package is unknown), waiting for and retrying around another apt/dpkg run that holds the lock.
# playwright's own browser download (`npx playwright install`) is not used: it needs the internet
# beyond the Debian and npm mirrors. LIKENESS_CHROMIUM=/path/to/chrome uses that binary instead.
# Exit status 0 with the path on stdout; 1 with one line "cannot install chromium: <reason>" on
# stderr. Progress goes to stderr.
set -uo pipefail

log() { echo "[chromium] $*" >&2; }
die() { echo "cannot install chromium: $*" >&2; exit 1; }

if [ -n "${LIKENESS_CHROMIUM:-}" ]; then
  [ -x "$LIKENESS_CHROMIUM" ] || die "LIKENESS_CHROMIUM=$LIKENESS_CHROMIUM is not an executable file"
  echo "$LIKENESS_CHROMIUM"
  exit 0
fi

BIN=/usr/bin/chromium
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "$BIN is absent and this is not root (run: sudo apt-get install chromium)"
command -v apt-get >/dev/null || die "$BIN is absent and there is no apt-get on this machine"

# One run of this script at a time (several test processes may call it at once).
LOCK=/tmp/likeness-ensure-chromium.lock
exec 9>"$LOCK"
flock -w 900 9 || die "timed out waiting for another run of this script ($LOCK)"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

export DEBIAN_FRONTEND=noninteractive
# apt waits up to 5 minutes for dpkg's lock held by another apt run, then we retry a few times.
# /tmp/likeness-apt.lock: one apt run at a time across the project's scripts (the PostgreSQL one too).
APT=(flock -w 900 /tmp/likeness-apt.lock apt-get -o DPkg::Lock::Timeout=300 -y -qq)
APT_LOG="$(mktemp /tmp/likeness-chromium-apt.XXXXXX)"
trap 'rm -f "$APT_LOG"' EXIT
attempt() {
  if ! apt-cache show chromium >/dev/null 2>&1; then
    log "apt-get update"
    "${APT[@]}" update >>"$APT_LOG" 2>&1 || return 1
  fi
  log "apt-get install chromium (first time only; about 100 MB)"
  "${APT[@]}" install --no-install-recommends chromium >>"$APT_LOG" 2>&1
}
ok=0
for i in 1 2 3; do
  if attempt; then ok=1; break; fi
  [ "$i" -lt 3 ] || break
  log "attempt $i failed; retrying in $((i * 10)) s"
  sleep $((i * 10))
  # a stale package list is the usual cause of a failed download
  "${APT[@]}" update >>"$APT_LOG" 2>&1 || true
done
if [ "$ok" -ne 1 ]; then
  tail -n 15 "$APT_LOG" | sed 's/^/[chromium] apt: /' >&2
  die "apt-get install chromium failed: $(grep -E '^(E|W):' "$APT_LOG" | tail -n 1 || echo 'see the apt output above')"
fi
[ -x "$BIN" ] || die "$BIN is absent after installing the chromium package"
log "installed $("$BIN" --version 2>/dev/null || echo chromium)"
echo "$BIN"
