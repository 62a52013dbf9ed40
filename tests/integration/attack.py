#!/usr/bin/env python3
"""attack.py - hostile clients for the exporter's HTTP server, and a probe
that scrapes beside them. Used by tests/integration/test_web.sh and
tests/soak/soak.sh; plain HTTP or HTTPS, loopback only.

  attack.py trickle HOST PORT --count N --sources 127.0.0.2-11 --every S --seconds T
      N connections, spread over the source addresses, each sending a
      request one header line every S seconds and never finishing it;
      a connection the server cuts is opened again. Prints JSON: how many
      were cut while trickling, the longest one trickled, and how many the
      server closed before their second line ("refused": refused at once,
      or cut to make room for another address).
  attack.py logins URL --parallel P --seconds T [--sources ...]
      P loops of logins with a wrong password. Prints JSON: the count of
      each status.
  attack.py oversize HOST PORT --seconds T
      requests with a 64 KiB header, again and again. Prints JSON.
  attack.py probe URL --seconds T --every S [--source IP] [--keepalive]
      [--user U --password P] [--cacert F]
      scrapes every S seconds; prints JSON: answered, failed, p50, p99,
      max (seconds) and the statuses.

Every loop is bounded by --seconds; sockets time out.
"""
import argparse
import base64
import http.client
import json
import selectors
import socket
import ssl
import sys
import threading
import time
import urllib.parse


def sources(spec):
    """127.0.0.2-11 -> ['127.0.0.2', ..., '127.0.0.11']; a,b,c also works."""
    out = []
    for part in spec.split(","):
        if "-" in part:
            base, last = part.rsplit("-", 1)
            prefix, first = base.rsplit(".", 1)
            out += ["%s.%d" % (prefix, i) for i in range(int(first), int(last) + 1)]
        elif part:
            out.append(part)
    return out


def trickle(args):
    srcs = sources(args.sources)
    sel = selectors.DefaultSelector()
    conns = {}  # sock -> [born, next_send, lines_sent, src]
    stats = {"opened": 0, "cut": 0, "refused": 0, "longest_trickle": 0.0, "cut_after": []}
    end = time.monotonic() + args.seconds
    i = 0

    def open_one(src):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex((args.host, args.port))
        except OSError:
            s.close()
            stats["refused"] += 1
            reopen.append(time.monotonic() + 0.2)
            return
        now = time.monotonic()
        conns[s] = [now, now, 0, src]
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    reopen = []  # when the slots of closed connections may open again

    def close_one(s, cut):
        born = conns[s][0]
        lived = time.monotonic() - born
        if cut:
            if conns[s][2] > 1:  # it was accepted and had been trickling
                stats["cut"] += 1
                stats["cut_after"].append(round(lived, 2))
                reopen.append(time.monotonic())
            else:
                stats["refused"] += 1
                reopen.append(time.monotonic() + 0.2)  # not a busy loop
        sel.unregister(s)
        s.close()
        del conns[s]

    while len(conns) < args.count:
        open_one(srcs[i % len(srcs)])
        i += 1
    while time.monotonic() < end:
        now = time.monotonic()
        for s, st in list(conns.items()):
            if now >= st[1]:
                line = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" if st[2] == 0 else b"X-Slow-%d: 1\r\n" % st[2]
                try:
                    s.send(line)
                    st[2] += 1
                    st[1] = now + args.every
                    stats["longest_trickle"] = max(stats["longest_trickle"], now - st[0])
                except BlockingIOError:
                    st[1] = now + 0.1  # not connected yet
                except OSError:
                    close_one(s, True)
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data or data.startswith(b"HTTP/"):
                close_one(s, True)
        now = time.monotonic()
        due = [t for t in reopen if t <= now]
        reopen[:] = [t for t in reopen if t > now]
        for _ in due:
            if len(conns) < args.count:
                open_one(srcs[i % len(srcs)])
                i += 1
    for s in list(conns):
        close_one(s, False)
    stats["cut_after"] = sorted(stats["cut_after"])[-5:]
    stats["longest_trickle"] = round(stats["longest_trickle"], 2)
    print(json.dumps(stats))


def request(conn, path, headers):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status == 429 and not (r.getheader("Retry-After") or "").isdigit():
        return "429 without Retry-After"
    return r.status


def connect(u, args, source=None, timeout=5):
    port = u.port or (443 if u.scheme == "https" else 80)
    sa = (source, 0) if source else None
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=args.cacert)
        return http.client.HTTPSConnection(u.hostname, port, timeout=timeout, context=ctx,
                                           source_address=sa)
    return http.client.HTTPConnection(u.hostname, port, timeout=timeout, source_address=sa)


def logins(args):
    u = urllib.parse.urlparse(args.url)
    srcs = sources(args.sources) if args.sources else [None]
    counts = {}
    lock = threading.Lock()
    end = time.monotonic() + args.seconds

    def loop(n):
        k = 0
        while time.monotonic() < end:
            src = srcs[(n + k) % len(srcs)]
            k += 1
            cred = base64.b64encode(b"user%d:wrong-%d" % (n, k)).decode()
            try:
                c = connect(u, args, src)
                st = request(c, u.path or "/", {"Authorization": "Basic " + cred})
                c.close()
            except (OSError, http.client.HTTPException):
                st = "error"
            with lock:
                counts[str(st)] = counts.get(str(st), 0) + 1
            if st == 429:
                time.sleep(0.01)  # a hostile client would not wait longer

    ts = [threading.Thread(target=loop, args=(n,)) for n in range(args.parallel)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps(counts))


def oversize(args):
    end = time.monotonic() + args.seconds
    counts = {}
    big = b"X-Big: " + b"a" * 65536 + b"\r\n"
    while time.monotonic() < end:
        try:
            s = socket.create_connection((args.host, args.port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
            st = s.recv(64).split(b" ")[1].decode()
            s.close()
        except (OSError, IndexError):
            st = "error"
        counts[st] = counts.get(st, 0) + 1
        time.sleep(0.05)
    print(json.dumps(counts))


def probe(args):
    u = urllib.parse.urlparse(args.url)
    headers = {"Accept-Encoding": "gzip"}
    if args.user:
        cred = base64.b64encode(("%s:%s" % (args.user, args.password)).encode()).decode()
        headers["Authorization"] = "Basic " + cred
    lat, statuses = [], {}
    failed = 0
    end = time.monotonic() + args.seconds
    conn = None
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = connect(u, args, args.source, timeout=args.timeout)
            st = request(conn, u.path or "/", headers)
            if not args.keepalive:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            st = "error:" + type(e).__name__
            if conn is not None:
                conn.close()
            conn = None
        took = time.monotonic() - t0
        statuses[str(st)] = statuses.get(str(st), 0) + 1
        if st == 200:
            lat.append(took)
        else:
            failed += 1
        rest = args.every - took
        if rest > 0:
            time.sleep(rest)
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 4) if lat else None

    print(json.dumps({"answered": len(lat), "failed": failed, "p50": pct(0.5), "p99": pct(0.99),
                      "max": round(lat[-1], 4) if lat else None, "statuses": statuses}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("trickle")
    t.add_argument("host")
    t.add_argument("port", type=int)
    t.add_argument("--count", type=int, default=200)
    t.add_argument("--sources", default="127.0.0.2-11")
    t.add_argument("--every", type=float, default=1.0)
    t.add_argument("--seconds", type=float, default=10)
    lo = sub.add_parser("logins")
    lo.add_argument("url")
    lo.add_argument("--parallel", type=int, default=6)
    lo.add_argument("--seconds", type=float, default=10)
    lo.add_argument("--sources", default="")
    lo.add_argument("--cacert")
    o = sub.add_parser("oversize")
    o.add_argument("host")
    o.add_argument("port", type=int)
    o.add_argument("--seconds", type=float, default=10)
    p = sub.add_parser("probe")
    p.add_argument("url")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--every", type=float, default=0.1)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--source")
    p.add_argument("--keepalive", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--cacert")
    args = ap.parse_args()
    {"trickle": trickle, "logins": logins, "oversize": oversize, "probe": probe}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
