"""gunicorn for the Socket.IO rooms: `gunicorn -c deploy/gunicorn-rooms.conf.py wsgi:app`.

One gevent worker holds thousands of idle websockets; run one such process per core (systemd
template lms-rooms@.service, one port each) behind the proxy with sticky sessions for /socket.io/.
Rooms are shared by every process through Redis (SOCKETIO_MESSAGE_QUEUE), and keep working inside
each process while Redis is away (lms/core/realtime.py).

No preload: gevent patches the standard library in the worker, before the application is imported.
"""

import os

bind = os.environ.get("LMS_ROOMS_BIND", "127.0.0.1:8100")
worker_class = "gevent"
workers = 1
# gunicorn's default of 1,000 connections would make even plain HTTP hang past it.
worker_connections = int(os.environ.get("LMS_ROOMS_CONNECTIONS", "10000"))
preload_app = False
timeout = 60
graceful_timeout = int(os.environ.get("LMS_ROOMS_GRACEFUL_TIMEOUT", "10"))
keepalive = 75
accesslog = os.environ.get("LMS_ROOMS_ACCESSLOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
raw_env = ["SOCKETIO_ASYNC_MODE=gevent"]
# gunicorn 24+ opens a control socket at one fixed path per user: several processes on one machine
# would take it from each other, and the units' ProtectHome hides it anyway.
control_socket_disable = True
