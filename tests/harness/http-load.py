#!/usr/bin/env python3
"""Bounded, self-stopping HTTP load on a loopback server: N requests all in flight at once.

usage: http-load.py URL [N] [--token T] [--timeout S]
Opens N TCP connections together, sends one GET on each (Connection: close), reads each whole
answer and prints a JSON summary: {"requests", "ok", "errors", "statuses", "seconds",
"max_latency"}. Exits 0 when every answer was 200, else 1. Refuses any host but loopback:
this is a test of our own server, never traffic to another machine.
"""
import asyncio, ipaddress, json, socket, sys, time
from urllib.parse import urlsplit

def parse(argv):
    args = {"n": 1000, "token": None, "timeout": 60.0}
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--token": args["token"] = argv[i + 1]; i += 2
        elif argv[i] == "--timeout": args["timeout"] = float(argv[i + 1]); i += 2
        else: rest.append(argv[i]); i += 1
    args["url"] = rest[0]
    if len(rest) > 1: args["n"] = int(rest[1])
    return args

async def one(host, port, path, token, deadline):
    t0 = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    if token: head += f"Authorization: Bearer {token}\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(-1), timeout=max(0.1, deadline - time.monotonic()))
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return status, time.monotonic() - t0, len(body)

async def main():
    a = parse(sys.argv[1:])
    u = urlsplit(a["url"])
    host = socket.gethostbyname(u.hostname)
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit(f"http-load: {host} is not a loopback address")
    path = u.path + ("?" + u.query if u.query else "")
    t0 = time.monotonic()
    deadline = t0 + a["timeout"]
    results = await asyncio.gather(*(one(host, u.port, path, a["token"], deadline) for _ in range(a["n"])),
                                   return_exceptions=True)
    statuses, errors, latencies = {}, [], []
    for r in results:
        if isinstance(r, BaseException):
            errors.append(type(r).__name__ + ": " + str(r))
            continue
        statuses[str(r[0])] = statuses.get(str(r[0]), 0) + 1
        latencies.append(r[1])
        if r[0] == 200 and r[2] == 0: errors.append("empty body")
    ok = statuses.get("200", 0) - sum(1 for e in errors if e == "empty body")
    out = {"requests": a["n"], "ok": ok, "errors": len(errors), "first_errors": errors[:5],
           "statuses": statuses, "seconds": round(time.monotonic() - t0, 3),
           "max_latency": round(max(latencies), 3) if latencies else None}
    print(json.dumps(out))
    sys.exit(0 if ok == a["n"] else 1)

asyncio.run(main())
