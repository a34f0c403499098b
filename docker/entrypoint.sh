#!/bin/sh
# The image's entrypoint: bring the database up to date, load the demo data when DEMO_DATA=1,
# then replace this shell with the command (the app server by default). `exec` matters: the
# server becomes PID 1 and gets `docker stop`'s SIGTERM itself, so it stops in under a second
# instead of being killed after 10 s. A command given to `docker run IMAGE ...` runs the same
# way after the migrations (the first administrator: README, "Docker").
set -eu

case "${DEMO_DATA:-0}" in
  1 | true | yes) demo=1 ;;
  0 | false | no | "") demo=0 ;;
  *) echo "DEMO_DATA must be 1 or 0, not '${DEMO_DATA}'" >&2; exit 64 ;;
esac

piccolo migrations forwards all
if [ "$demo" = 1 ]; then
  python -m backend.demo
fi

if [ "$#" -eq 0 ]; then
  # --interface asgi: granian's default (RSGI) answers the Litestar app with 500s.
  set -- granian --interface asgi --host 0.0.0.0 --port "${PORT:-8000}" \
    --workers "${WORKERS:-2}" backend.app:app
fi
exec "$@"
