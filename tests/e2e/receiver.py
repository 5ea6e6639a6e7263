"""A webhook receiver on loopback for the notification tests and the benchmark: records every
POST (path, headers, body, the status it answered), and answers 500 on demand."""
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every POST; answers 500 to the first `fail_next` requests, and always on paths
    listed in `failing`."""

    def __init__(self, delay=0.0):
        self.delay = delay  # seconds each answer takes (deliveries in flight when a test strikes)
        self.lock = threading.Lock()
        self.posts = []  # (path, headers, body bytes, status answered)
        self.arrivals = []  # time.time() of each post, in the order of self.posts
        self.fail_next = 0
        self.failing = set()
        # Paths whose answers wait until `release` is set (a gateway that hangs; the test lets
        # it go).
        self.stalled = set()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer and no Nagle: keep-alive posts are not held by delayed ACKs.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                path = urllib.parse.urlsplit(self.path).path
                with receiver.lock:
                    status = 200
                    if path in receiver.failing:
                        status = 500
                    elif receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = 500
                    receiver.posts.append((self.path, dict(self.headers), body, status))
                    receiver.arrivals.append(time.time())
                if receiver.delay:
                    time.sleep(receiver.delay)  # a slow receiver, not synchronisation
                if path in receiver.stalled:
                    receiver.release.wait(60)
                answer = b'{"errcode":0,"errmsg":"ok"}' if status == 200 else b"down"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def delivered(self, path_prefix):
        """Successful posts to a path, as (path, headers, body)."""
        with self.lock:
            return [(p, h, b) for p, h, b, s in self.posts if p.startswith(path_prefix) and s == 200]

    def delivered_at(self, path_prefix):
        """Successful posts to a path, as (arrival time, path, headers, body)."""
        with self.lock:
            return [(t, p, h, b) for (p, h, b, s), t in zip(self.posts, self.arrivals)
                    if p.startswith(path_prefix) and s == 200]

    def all(self, path_prefix):
        with self.lock:
            return [(p, h, b, s) for p, h, b, s in self.posts if p.startswith(path_prefix)]

    def wait_for(self, path_prefix, count, seconds=20):
        """Polls until `count` successful posts to the path arrived (or the time is up)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            got = self.delivered(path_prefix)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.delivered(path_prefix)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
