"""A WSGI app for the gunicorn worker tests: answers with the pid and thread that served it."""

import os
import threading


def app(environ, start_response):
    body = f"{os.getpid()} {threading.get_ident()} {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
