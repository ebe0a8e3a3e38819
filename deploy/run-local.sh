#!/usr/bin/env bash
# The production topology on one machine, in the foreground (tests, trials, `make run-prod`):
#
#   front door :PORT  --/socket.io/ (sticky by client address)-->  rooms: gunicorn gevent, one per ROOMS_PORTS
#                     --everything else----------------------->  pages: granian (deploy/pages.py), WEB_PORT
#   job worker: flask lms jobs-worker (the job queue on Redis, and the scheduled work)
#   all of them       --> PostgreSQL (DATABASE_URL), Redis (REDIS_URL: rate limits, the Socket.IO
#                         queue and the job queue)
#
# The front door is nginx with deploy/nginx.conf when nginx is installed (LMS_FRONT=nginx), else
# deploy/router.py, a small gevent path router that does what the topology needs of nginx
# (LMS_FRONT=router, the default: nginx is not part of the project's dependencies). Production
# runs the same pieces as systemd units (deploy/systemd/), with nginx and TLS in front.
#
#   DATABASE_URL=postgresql+psycopg://lms:...@127.0.0.1/lms REDIS_URL=redis://127.0.0.1:6379/0 \
#     deploy/run-local.sh            # then open http://127.0.0.1:8080
#
# Ctrl-C (or SIGTERM) stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL URL (postgresql+psycopg://user:pass@host/db)}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
PORT="${PORT:-8080}"
WEB_PORT="${WEB_PORT:-8000}"
ROOMS_PORTS="${ROOMS_PORTS:-8100}"
LMS_FRONT="${LMS_FRONT:-router}"
BIN="${LMS_BIN:-$( [ -x .venv/bin/gunicorn ] && echo .venv/bin || dirname "$(command -v python3)")}"

export DATABASE_URL FLASK_APP=wsgi.py LMS_CONFIG=production
export SECRET_KEY="${SECRET_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-$REDIS_URL}"
export SOCKETIO_MESSAGE_QUEUE="${SOCKETIO_MESSAGE_QUEUE:-$REDIS_URL}"
export JOBS_QUEUE="${JOBS_QUEUE:-$REDIS_URL}" JOBS_WORKER_IN_PROCESS=0
export PROXY_FIX_X_FOR="${PROXY_FIX_X_FOR:-1}"
# Plain http on one machine: cookies without the Secure flag, no HSTS (production has TLS: keep them).
if [ "${LMS_TLS:-0}" != "1" ]; then
  export LMS_SESSION_COOKIE_SECURE=false LMS_REMEMBER_COOKIE_SECURE=false LMS_HSTS=false
fi

"$BIN/flask" db upgrade

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

LMS_WEB_BIND="127.0.0.1:$WEB_PORT" LMS_SOCKETIO_ASYNC_MODE=threading \
  "$BIN/python" deploy/pages.py &
pids+=($!)

"$BIN/flask" lms jobs-worker --workers "${JOBS_WORKERS:-2}" &
pids+=($!)

rooms=()
for port in $ROOMS_PORTS; do
  LMS_ROOMS_BIND="127.0.0.1:$port" LMS_SOCKETIO_ASYNC_MODE=gevent \
    "$BIN/gunicorn" -c deploy/gunicorn-rooms.conf.py wsgi:app &
  pids+=($!)
  rooms+=("127.0.0.1:$port")
done

if [ "$LMS_FRONT" = "nginx" ]; then
  command -v nginx >/dev/null || { echo "LMS_FRONT=nginx but nginx is not installed" >&2; exit 2; }
  prefix="$(mktemp -d)"
  upstream_rooms=""
  for room in "${rooms[@]}"; do upstream_rooms+="server $room; "; done
  # The site file with local ports and no TLS, wrapped in a minimal main configuration.
  {
    echo "pid $prefix/nginx.pid; error_log stderr; worker_processes 1;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off;"
    mime="$(dirname "$(command -v nginx)")/../../etc/nginx/mime.types"
    for types in /etc/nginx/mime.types "$mime"; do
      if [ -f "$types" ]; then echo "include $types;"; break; fi
    done
    echo "client_body_temp_path $prefix; proxy_temp_path $prefix; fastcgi_temp_path $prefix;"
    echo "uwsgi_temp_path $prefix; scgi_temp_path $prefix;"
    sed -e "s#server 127.0.0.1:8000;#server 127.0.0.1:$WEB_PORT;#" \
        -e "/# rooms:begin/,/# rooms:end/c\\    $upstream_rooms" \
        -e "s#/srv/lms/current#$PWD#g" \
        -e '/# tls:begin/,/# tls:end/d' \
        -e "s@# local: listen 80;@listen 127.0.0.1:$PORT;@" \
        deploy/nginx.conf
    echo "}"
  } >"$prefix/nginx.conf"
  nginx -p "$prefix" -c "$prefix/nginx.conf" -g 'daemon off;' &
else
  "$BIN/python" deploy/router.py --listen "127.0.0.1:$PORT" --web "127.0.0.1:$WEB_PORT" --rooms "${rooms[@]}" &
fi
pids+=($!)

echo "front door on http://127.0.0.1:$PORT (pages :$WEB_PORT, rooms :${ROOMS_PORTS// /, :}, $LMS_FRONT, job worker)"
# Stop everything as soon as one of the processes ends.
wait -n
exit 1
