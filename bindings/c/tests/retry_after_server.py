#!/usr/bin/env python3
"""A kie-shaped HTTP server on 127.0.0.1 that answers one endpoint with an error and a
hostile Retry-After, for hostile.c's retry_after cases.

    python3 retry_after_server.py        # prints http://127.0.0.1:PORT on its first line

The case is in the path prefix, so one server serves every case at once:

    /ra/<endpoint>/<status>/<hex of the Retry-After value>/<the API path>

<endpoint> is upload, create or poll. That endpoint answers <status> (429 or 503) with
`Retry-After: <value>` and a kie envelope {"code": <status>, "msg": ...}, every time;
the others succeed (upload: a downloadUrl; create: a taskId; poll: a running task), so
the job reaches the failing endpoint and stays there. Any other path is a 404.
Request bodies are read to the end (Content-Length or chunked) before replying.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PATHS = {
    "upload": ("POST", "/api/file-stream-upload"),
    "create": ("POST", "/api/v1/jobs/createTask"),
    "poll": ("GET", "/api/v1/jobs/recordInfo"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet; errors still go to stderr
        pass

    def read_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def reply(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method: str) -> None:
        if method == "POST":
            self.read_body()
        parts = self.path.split("?", 1)[0].split("/", 5)  # "", "ra", endpoint, status, hex, rest
        if len(parts) != 6 or parts[1] != "ra" or parts[2] not in API_PATHS:
            self.reply(404, {"code": 404, "msg": f"no such path {self.path}"})
            return
        failing, status_text, hex_value, rest = parts[2], parts[3], parts[4], "/" + parts[5]
        here = next((name for name, (m, p) in API_PATHS.items() if m == method and p == rest), None)
        if here is None:
            self.reply(404, {"code": 404, "msg": f"no such API path {rest}"})
            return
        if here == failing:
            status = int(status_text)
            value = bytes.fromhex(hex_value).decode()
            self.reply(status, {"code": status, "msg": f"hostile Retry-After test: {status}"}, {"Retry-After": value})
        elif here == "upload":
            self.reply(200, {"code": 200, "msg": "success", "success": True,
                             "data": {"downloadUrl": "https://files.example.invalid/input.png", "fileName": "input.png"}})
        elif here == "create":
            self.reply(200, {"code": 200, "msg": "success", "data": {"taskId": "retry-after-task"}})
        else:
            self.reply(200, {"code": 200, "msg": "success",
                             "data": {"taskId": "retry-after-task", "state": "generating", "resultJson": ""}})

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
