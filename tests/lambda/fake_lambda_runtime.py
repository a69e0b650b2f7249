"""A fake of the AWS Lambda Runtime API (version 2018-06-01), for tests only.

No emulator of the Runtime API exists here, so this one follows the public protocol: it queues
events, hands them out on GET /runtime/invocation/next with the Lambda-Runtime-* headers, and
records what the runtime posts to /response, /error and /runtime/init/error (answering 202).
"""

import http.server
import json
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

API = "/2018-06-01"


@dataclass
class Report:
    """What the runtime posted for one invocation (or for its init)."""

    kind: str  # "response", "error" or "init_error"
    body: bytes
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A runtime that is stopped mid-request resets its connection: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeLambdaRuntime:
    """Serves the Runtime API on 127.0.0.1:<free port> from a background thread."""

    def __init__(self):
        self._events = queue.Queue()
        self._reports = {}
        self._init_errors = []
        self._pending = set()
        self._changed = threading.Condition()
        self._server = _QuietServer(("127.0.0.1", 0), self._make_handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self):
        """The value for AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def invoke(self, payload, deadline_ms=None, trace_id=None):
        """Queues one event (bytes or a JSON-able object); returns its request id.

        `deadline_ms` is epoch milliseconds (default now + 30 s); "" leaves the header out.
        """
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        request_id = str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 30_000
        if trace_id is None:
            trace_id = (f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};"
                        f"Parent={uuid.uuid4().hex[:16]};Sampled=0")
        with self._changed:
            self._pending.add(request_id)
        self._events.put((request_id, payload, deadline_ms, trace_id))
        return request_id

    def report(self, request_id, timeout=60, alive=lambda: True):
        """Waits for the runtime's report of `request_id`; raises when it never comes."""
        return self._wait(lambda: self._reports.get(request_id), timeout, alive,
                          f"no report for invocation {request_id}")

    def init_error(self, timeout=60, alive=lambda: True):
        return self._wait(lambda: self._init_errors[0] if self._init_errors else None, timeout,
                          alive, "no init error was posted")

    def _wait(self, probe, timeout, alive, message):
        end = time.monotonic() + timeout
        with self._changed:
            while (found := probe()) is None:
                left = end - time.monotonic()
                if left <= 0 or not alive():
                    raise AssertionError(message)
                self._changed.wait(min(left, 0.2))
        return found

    def _record(self, request_id, report):
        with self._changed:
            if request_id is None:
                self._init_errors.append(report)
            elif request_id in self._pending:
                self._pending.discard(request_id)
                self._reports[request_id] = report
            else:
                return False
            self._changed.notify_all()
        return True

    def _make_handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API
            disable_nagle_algorithm = True  # headers and body are separate writes

            def log_message(self, *args):
                pass

            def _answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{API}/runtime/invocation/next":
                    return self._answer(404, b'{"errorType":"NotFound"}')
                request_id, payload, deadline_ms, trace_id = fake._events.get()
                headers = [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:123456789012:function:cruddur-post-confirmation"),
                    ("Lambda-Runtime-Trace-Id", trace_id),
                ]
                if deadline_ms != "":
                    headers.append(("Lambda-Runtime-Deadline-Ms", str(deadline_ms)))
                self._answer(200, payload, headers)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                parts = self.path.removeprefix(API).strip("/").split("/")
                if parts == ["runtime", "init", "error"]:
                    fake._record(None, Report("init_error", body, headers))
                elif (len(parts) == 4 and parts[:2] == ["runtime", "invocation"]
                      and parts[3] in ("response", "error")):
                    if not fake._record(parts[2], Report(parts[3], body, headers)):
                        return self._answer(400, b'{"errorType":"InvalidRequestID"}')
                else:
                    return self._answer(404, b'{"errorType":"NotFound"}')
                self._answer(202, b'{"status":"OK"}')

        return Handler
