#!/usr/bin/env python3
"""moto_server's own application, answering one request at a time.

Usage: moto-serialized.py <port>
moto 5.2.1 applies TransactWriteItems without any lock, and undoes a cancelled transaction by
restoring a copy of the whole table taken when it began: under concurrent requests that
restore also erases the writes other requests made meanwhile. DynamoDB itself serializes
transactions. This server is the real moto with a lock around each request, so each request is
atomic as in DynamoDB. scripts/dev runs it as the local DynamoDB, and the test of concurrent
posts runs against it.
"""
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

LOCK = threading.Lock()
APP = DomainDispatcherApplication(create_backend_app)


def serialized(environ, start_response):
    with LOCK:
        return list(APP(environ, start_response))


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: moto-serialized.py <port>", file=sys.stderr)
        return 2
    run_simple("127.0.0.1", int(sys.argv[1]), serialized, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
