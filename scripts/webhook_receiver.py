"""A webhook receiver for scripts/webhook-test.sh: verifies each delivery's Standard Webhooks signature, answers
503 to the first N deliveries, then 200, and appends every delivery (id, signature check, body, arrival time) to a
JSON-lines file. Usage: webhook_receiver.py PORT SECRET_FILE OUT_FILE FAIL_FIRST"""
import base64, hashlib, hmac, json, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret_file, out_file, fail_first = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
count = 0
out = open(out_file, "a")


def verify(msg_id, timestamp, body, header):
    secret = open(secret_file).read().strip()
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return any(hmac.compare_digest(part.split(",", 1)[-1].encode(), expected) for part in header.split(" "))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # The head and the body go out in two writes: without this, Nagle's algorithm holds the body for the
        # client's delayed ACK (40 ms a response).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        msg_id = self.headers.get("webhook-id", "")
        ok = verify(msg_id, self.headers.get("webhook-timestamp", ""), body, self.headers.get("webhook-signature", ""))
        with lock:
            count += 1
            status = 503 if count <= fail_first else 200
            out.write(json.dumps({"id": msg_id, "verified": ok, "status": status, "arrived": time.time(),
                                  "event": json.loads(body)}) + "\n")
            out.flush()
        reply = b"ok" if status == 200 else b"busy"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
