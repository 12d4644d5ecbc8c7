#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python web application of the `pyweb` profile (normal behaviour).

A small JSON API over an SQLite catalogue, the kind of service a
container commonly runs: Python's http.server (one thread per request)
and sqlite3, nothing outside the standard library.

  GET  /items/N    one item by id                    (read)
  GET  /search/N   items whose name has the word N   (read, LIKE scan)
  GET  /order/N    records an order for item N       (write, commit)
  GET  /health     liveness for health checks
  GET  /report     totals, for the operator's cron-like job

It creates the catalogue at start (2000 items, seeded), writes its pid to
/tmp/pyweb.pid, logs one line per request to /tmp/pyweb.log and reopens
the log on SIGHUP (log rotation).
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ["red", "blue", "green", "steel", "oak", "linen", "glass", "stone",
         "paper", "wool", "cotton", "brass", "clay", "silk", "pine", "slate"]
LOG_PATH = "/tmp/pyweb.log"
PID_PATH = "/tmp/pyweb.pid"


class App:
    def __init__(self, db_path):
        self.db_path = db_path
        self.local = threading.local()
        self.log_lock = threading.Lock()
        self.log = open(LOG_PATH, "a", buffering=1)
        self.create()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.db_path, timeout=5)
            # WAL with NORMAL sync, as web applications commonly run
            # SQLite: a commit does not wait for the disk every time.
            c.execute("PRAGMA synchronous=NORMAL")
            self.local.conn = c
        return c

    def create(self):
        c = sqlite3.connect(self.db_path)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY,"
                  " name TEXT, price REAL, stock INTEGER)")
        c.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY,"
                  " item INTEGER, qty INTEGER, ts REAL)")
        if c.execute("SELECT count(*) FROM items").fetchone()[0] == 0:
            rng = random.Random(7)
            rows = [(i, "%s %s %d" % (rng.choice(WORDS), rng.choice(WORDS), i),
                     round(rng.uniform(1, 500), 2), rng.randint(0, 1000))
                    for i in range(1, 2001)]
            c.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", rows)
        c.commit()
        c.close()

    def reopen_log(self, *_):
        with self.log_lock:
            self.log.close()
            self.log = open(LOG_PATH, "a", buffering=1)

    def write_log(self, line):
        with self.log_lock:
            self.log.write(line + "\n")

    def handle(self, path):
        parts = [p for p in path.split("/") if p]
        if parts == ["health"]:
            return 200, {"status": "ok"}
        if parts == ["report"]:
            c = self.conn()
            n, total = c.execute("SELECT count(*), coalesce(sum(qty), 0)"
                                 " FROM orders").fetchone()
            return 200, {"orders": n, "units": total}
        if len(parts) != 2 or not parts[1].isdigit():
            return 404, {"error": "not found"}
        n = int(parts[1])
        c = self.conn()
        if parts[0] == "items":
            row = c.execute("SELECT id, name, price, stock FROM items"
                            " WHERE id = ?", (n % 2000 + 1,)).fetchone()
            return 200, {"id": row[0], "name": row[1], "price": row[2],
                         "stock": row[3]}
        if parts[0] == "search":
            word = WORDS[n % len(WORDS)]
            rows = c.execute("SELECT id, name FROM items WHERE name LIKE ?"
                             " LIMIT 20", ("%" + word + "%",)).fetchall()
            return 200, {"q": word, "hits": [r[0] for r in rows]}
        if parts[0] == "order":
            c.execute("INSERT INTO orders (item, qty, ts) VALUES (?, ?, ?)",
                      (n % 2000 + 1, n % 5 + 1, time.time()))
            c.commit()
            return 201, {"ok": True}
        return 404, {"error": "not found"}


def make_handler(app):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: without this, Nagle and
        # delayed ACKs hold every keep-alive response for 40 ms.
        disable_nagle_algorithm = True

        def do_GET(self):
            try:
                status, body = app.handle(self.path.split("?")[0])
            except sqlite3.Error as e:
                status, body = 503, {"error": str(e)}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            app.write_log("%s %s" % (self.address_string(), fmt % args))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--db", default="/tmp/catalogue.db")
    args = ap.parse_args()
    app = App(args.db)
    signal.signal(signal.SIGHUP, app.reopen_log)
    with open(PID_PATH, "w") as f:
        f.write("%d\n" % os.getpid())
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(app))
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(
        target=srv.shutdown).start())
    srv.serve_forever()


if __name__ == "__main__":
    main()
