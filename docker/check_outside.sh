#!/usr/bin/env bash
# The image's build and start steps, run outside Docker (for a machine with no Docker engine).
# Needs root (a PID namespace, another uid), util-linux, curl, npm, pip >= 22.3 (PIP) and a
# Python 3.11 that uid 10001 can run (PY, default /usr/bin/python3.11).
# Usage: bash docker/check_outside.sh [WORK_DIR]
#
# As the Dockerfile does: a venv without pip from requirements.lock (pip installs into it with
# --python), git's tracked files of backend/, frontend/ and migrations/ under app/, htmx from npm,
# translations compiled. Then as `docker run` does: docker/entrypoint.sh as PID 1 of a new
# PID namespace, uid 10001, a clean environment, DEMO_DATA=1; the Dockerfile's HEALTHCHECK
# command; a one-off command through the entrypoint (the first administrator); SIGTERM to PID 1
# timed, as `docker stop` sends it; a second start on the same var/. Exit 1 at the first failed
# check.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
PY=${PY:-/usr/bin/python3.11}
PIP=${PIP:-pip}
WORK=${1:-$(mktemp -d /tmp/motcua-image.XXXXXX)}
APP=$WORK/app VENV=$WORK/venv
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "build: venv from requirements.lock into $VENV"
rm -rf "$APP" "$VENV" "$WORK/assets" && mkdir -p "$APP" "$WORK/assets"
"$PY" -m venv --without-pip "$VENV"
start=$(date +%s)
# PIP_CONFIG_FILE: this machine's pip settings do not exist in the image.
env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null \
  "$PIP" --python "$VENV/bin/python" install --quiet --no-cache-dir --require-hashes -r requirements.lock
echo "installed in $(($(date +%s) - start)) s"
for tool in pip setuptools wheel; do
  "$VENV/bin/python" -c "import importlib.util as u, sys; sys.exit(u.find_spec('$tool') is None)" \
    && fail "$tool is in the venv"
done
echo "venv: $(du -sm "$VENV" | cut -f1) MB, no pip, setuptools or wheel"

step "build: the app tree (git's tracked files, as they are in the work tree) and htmx from npm"
git ls-files -z backend frontend migrations docker/entrypoint.sh | xargs -0 cp --parents -t "$APP"
cp package.json package-lock.json "$WORK/assets/"
(cd "$WORK/assets" && npm ci --no-audit --no-fund --omit=dev --loglevel=error)
mkdir -p "$APP/frontend/static/vendor"
cp "$WORK/assets/node_modules/htmx.org/dist/htmx.min.js" "$APP/frontend/static/vendor/"
(cd "$APP" && "$VENV/bin/pybabel" compile -d backend/translations -D messages >/dev/null \
  && "$VENV/bin/python" -m compileall -q --invalidation-mode checked-hash backend)
[ -e "$APP/backend/translations/en/LC_MESSAGES/messages.mo" ] || fail "no compiled translations"
chmod -R a+rX "$WORK"
install -d -o 10001 -g 10001 "$WORK/var" "$WORK/home"

PORT=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
# The environment the image sets (Dockerfile ENV), and nothing else.
IMAGE_ENV=(env -i "PATH=$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "PYTHONPATH=$APP" PYTHONUNBUFFERED=1 PICCOLO_CONF=backend.piccolo_conf "VAR_DIR=$WORK/var"
  "PORT=$PORT" "HOME=$WORK/home")
as_image_user() { (cd "$APP" && setpriv --reuid 10001 --regid 10001 --clear-groups "$@"); }
# The Dockerfile's HEALTHCHECK command, exactly as written there (its exec form's argument list).
HEALTHCHECK=$(sed -n 's/^ *CMD \(\[.*\]\)$/\1/p' "$SRC/Dockerfile")
healthcheck() {
  local argv
  mapfile -t argv < <("$PY" -c "import json, sys; print(*json.loads(sys.argv[1]), sep='\n')" "$HEALTHCHECK")
  as_image_user "${IMAGE_ENV[@]}" "${argv[@]}"
}

# The namespace's PID 1, seen from here: the descendant of unshare whose pid inside is 1.
pid_one() {
  local p
  for p in $(pgrep -P "$1"); do
    awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$p/status" && { echo "$p"; return 0; }
    pid_one "$p" && return 0
  done
  return 1
}

step "run: entrypoint as PID 1, uid 10001, DEMO_DATA=1, port $PORT"
LOG=$WORK/server.log
(cd "$APP" && exec unshare --pid --fork --kill-child --mount-proc \
  setpriv --reuid 10001 --regid 10001 --clear-groups \
  "${IMAGE_ENV[@]}" DEMO_DATA=1 WORKERS=2 ./docker/entrypoint.sh) >"$LOG" 2>&1 &
UNSHARE=$!
for _ in $(seq 50); do PID1=$(pid_one $UNSHARE) && break; sleep 0.1; done
[ -n "${PID1:-}" ] || fail "no PID 1 found"
# Killing PID 1 ends the whole namespace (unshare's --kill-child is lost at setpriv's change of uid).
trap 'kill -KILL ${PID1:-} $UNSHARE 2>/dev/null || true' EXIT
healthcheck 2>/dev/null && fail "healthy before the server started"
for _ in $(seq 180); do
  healthcheck 2>/dev/null && break
  kill -0 $UNSHARE 2>/dev/null || { cat "$LOG"; fail "the server stopped"; }
  sleep 1
done
healthcheck || { cat "$LOG"; fail "the HEALTHCHECK command never passed"; }
echo "HEALTHCHECK command: exit 0"
# The same process ran the entrypoint and is now the server: the shell exec'd it.
echo "PID 1 of the namespace (host pid $PID1): $(tr '\0' ' ' </proc/$PID1/cmdline)"
[ "$(stat -c %u /proc/$PID1)" = 10001 ] || fail "PID 1 does not run as uid 10001"
grep -q granian /proc/$PID1/comm /proc/$PID1/cmdline || fail "PID 1 is not granian"
[ "$(stat -c %u "$WORK/var/motcua.sqlite3")" = 10001 ] || fail "the database is not uid 10001's"
grep "^demo data:" "$LOG" || fail "DEMO_DATA=1 loaded nothing"

step "one-off command through the entrypoint: the first administrator"
as_image_user "${IMAGE_ENV[@]}" ./docker/entrypoint.sh python -m backend.accounts create-user \
  --role admin --login quantri --password 'Mot-cua-2024!' --name "Quản trị viên" \
  | tail -1 | tee "$WORK/create-user.out"
grep -q "created admin quantri" "$WORK/create-user.out" || fail "no administrator created"
sign_in() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" \
    -H 'content-type: application/json' -d "{\"login\": \"$1\", \"password\": \"$2\"}"
}
for account in "quantri Mot-cua-2024!" "0912345678 congdan123"; do
  # shellcheck disable=SC2086
  code=$(sign_in $account)
  echo "POST /api/v1/auth/token as ${account%% *}: $code"
  case $code in 200 | 201) ;; *) fail "${account%% *} cannot sign in ($code)" ;; esac
done

step "stop: SIGTERM to PID 1, as docker stop sends it"
start=$(date +%s%N)
kill -TERM "$PID1"
for _ in $(seq 100); do kill -0 $UNSHARE 2>/dev/null || break; sleep 0.05; done
if kill -0 $UNSHARE 2>/dev/null; then
  fail "still running 5 s after SIGTERM"
fi
wait $UNSHARE && status=0 || status=$?
echo "stopped in $((($(date +%s%N) - start) / 1000000)) ms, exit status $status"
[ "$status" -lt 128 ] || fail "ended by a signal ($status)"
healthcheck 2>/dev/null && fail "healthy after the stop"
echo "HEALTHCHECK command after the stop: exit 1"

step "restart on the same var/: migrations and demo data again (both idempotent)"
as_image_user "${IMAGE_ENV[@]}" DEMO_DATA=1 ./docker/entrypoint.sh true | grep "^demo data:" \
  || fail "the second start failed"
echo "OK (work directory: $WORK)"
