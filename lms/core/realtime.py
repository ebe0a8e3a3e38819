"""Socket.IO's Redis message queue, made to ride out a Redis outage.

With `SOCKETIO_MESSAGE_QUEUE` set, every emit is delivered to this process's own clients and then
published to Redis for the other processes. python-socketio's `RedisManager` already delivers
locally first; what it lacks for us:

- While Redis is gone it tries to publish every message twice and logs two errors each time, and
  its listener waits up to 60 s between reconnection attempts, so rooms stay split long after
  Redis is back. Here the listener is the one judge of the queue's health: when it loses Redis the
  process is "split" (messages stay inside it, nothing is published), it retries every 1, 2, 4,
  at most `MAX_RETRY_SECONDS` seconds, and the moment it has subscribed again the rooms are whole.
- Nobody is told. `queue_split` (a blinker signal, sender: the manager, `split=True/False`) lets
  the webinar room tell its moderators that participants on other server processes do not see
  this process's messages for now (lms/webinars/events.py).
"""

from __future__ import annotations

import logging
import threading
import time

import socketio
from blinker import Namespace

logger = logging.getLogger(__name__)

signals = Namespace()
queue_split = signals.signal("socketio-queue-split")

MAX_RETRY_SECONDS = 5


class ResilientRedisManager(socketio.RedisManager):
    """A RedisManager that keeps rooms working inside the process while Redis is away."""

    name = "redis"

    def __init__(self, url: str, channel: str = "flask-socketio", **kwargs):
        options = {"socket_connect_timeout": 2, **kwargs.pop("redis_options", {})}
        super().__init__(url, channel=channel, redis_options=options, **kwargs)
        self.split = False
        self._state_lock = threading.Lock()

    def _set_split(self, split: bool, reason: object = None) -> None:
        with self._state_lock:
            if self.split == split:
                return
            self.split = split
        if split:
            logger.warning(
                "Socket.IO message queue unreachable (%s): rooms work inside each process until it returns",
                reason,
            )
        else:
            logger.info("Socket.IO message queue reachable again: rooms are shared by every process")
        try:
            queue_split.send(self, split=split)
        except Exception:
            logger.exception("a listener of queue_split failed")

    def _publish(self, data):
        if self.split:
            return None  # delivered to this process's clients already; the listener reconnects
        try:
            if not self.connected:
                self._redis_connect()
            return self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as exc:
            self.connected = False
            logger.warning("could not publish to the Socket.IO message queue: %s", exc)
            return None

    def _redis_listen_with_retries(self):
        retry_sleep = 1
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                retry_sleep = 1
                self._set_split(False)
                yield from self.pubsub.listen()
            except Exception as exc:
                self.connected = False
                self._set_split(True, exc)
                time.sleep(retry_sleep)  # cooperative under gevent (monkey-patched)
                retry_sleep = min(retry_sleep * 2, MAX_RETRY_SECONDS)
