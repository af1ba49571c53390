"""A tiny real web service for the cycle tests: one fast, one slow, one failing endpoint.

``python service.py --work-ms 30 [--port N]`` serves on 127.0.0.1 (a free
port unless given, printed on the first line of stdout): ``/fast`` answers at once, ``/slow`` burns
``--work-ms`` of CPU in :func:`render_report` (so py-spy sees it), ``/error``
answers 500. The work size is the switch a test flips between baseline and
after, by restarting the service on the same port as a deploy would.
"""

from __future__ import annotations

import argparse
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def render_report(work_ms: float) -> bytes:
    """CPU work of ``work_ms`` milliseconds: the hot path of the slow endpoint."""
    end = time.perf_counter() + work_ms / 1000.0
    total = 0
    while time.perf_counter() < end:
        total += sum(range(200))
    return str(total).encode()


class Handler(BaseHTTPRequestHandler):
    work_ms = 0.0

    def do_GET(self) -> None:  # noqa: N802 - the http.server spelling
        if self.path.startswith("/error"):
            self._send(500, b"failed")
        elif self.path.startswith("/slow"):
            self._send(200, render_report(self.work_ms))
        else:
            self._send(200, b"ok")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # locust stopped a user mid-request

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a connection reset by a stopped user is not news


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work-ms", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    Handler.work_ms = args.work_ms
    server = QuietServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
