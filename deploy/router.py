"""A tiny front door for one machine when nginx is not installed (deploy/run-local.sh uses it).

It does the three things deploy/nginx.conf does that the topology needs, and nothing else (no TLS,
no static files, no buffering): `/socket.io/` goes to a room process chosen by the client's
address (like nginx's `ip_hash`: long-polling requests of one client always reach the process that
holds its session), websocket upgrades are passed through, every other request goes to the page
workers. Each proxied request gets `X-Forwarded-For` and `X-Forwarded-Proto`.

Plain requests are sent upstream with `Connection: close`, so one client connection carries one
request and the next one is routed afresh; an upgraded connection is piped both ways until either
side closes. Production uses nginx (deploy/nginx.conf); this is for tests and trials.

    python deploy/router.py --listen 127.0.0.1:8080 --web 127.0.0.1:8000 --rooms 127.0.0.1:8100
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after the monkey patching, as gevent requires
import contextlib  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
import zlib  # noqa: E402

import gevent  # noqa: E402
from gevent.server import StreamServer  # noqa: E402

logger = logging.getLogger("lms.router")

MAX_HEAD = 64 * 1024
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"x-forwarded-for", b"x-forwarded-proto"}


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The request head (up to the blank line) and whatever body bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(16384)
        if not chunk:
            return None
        data += chunk
        if len(data) > MAX_HEAD:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (target, source):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Router:
    def __init__(self, web: tuple[str, int], rooms: list[tuple[str, int]]):
        self.web, self.rooms = web, rooms

    def backend(self, path: bytes, client_ip: str) -> tuple[str, int]:
        if path.startswith(b"/socket.io/") and self.rooms:
            return self.rooms[zlib.crc32(client_ip.encode()) % len(self.rooms)]
        return self.web

    def handle(self, client: socket.socket, peer: tuple[str, int]) -> None:
        upstream = None
        try:
            found = read_head(client)
            if found is None:
                return
            head, rest = found
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                return
            headers = [line for line in lines[1:] if line]
            names = {line.partition(b":")[0].strip().lower(): line for line in headers}
            upgrade = b"upgrade" in names and b"upgrade" in names.get(b"connection", b"").lower()
            kept = [line for line in headers if line.partition(b":")[0].strip().lower() not in HOP_BY_HOP]
            kept.append(b"X-Forwarded-For: " + peer[0].encode())
            kept.append(b"X-Forwarded-Proto: http")
            kept.append(b"Connection: Upgrade" if upgrade else b"Connection: close")
            try:
                upstream = socket.create_connection(self.backend(parts[1], peer[0]), timeout=10)
            except OSError:
                client.sendall(
                    b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nRetry-After: 5\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )
                return
            upstream.settimeout(None)
            upstream.sendall(b"\r\n".join([lines[0], *kept]) + b"\r\n\r\n" + rest)
            back = gevent.spawn(pipe, upstream, client)
            pipe(client, upstream)
            back.join()
        except OSError:
            pass
        finally:
            for sock in (upstream, client):
                if sock is not None:
                    sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, type=address)
    parser.add_argument("--web", required=True, type=address)
    parser.add_argument("--rooms", nargs="*", default=[], type=address)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    router = Router(args.web, args.rooms)
    server = StreamServer(args.listen, router.handle)
    logger.info("front door on %s:%s -> pages %s, rooms %s", *args.listen, args.web, args.rooms)
    server.serve_forever()


if __name__ == "__main__":
    main()
