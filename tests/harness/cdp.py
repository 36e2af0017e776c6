#!/usr/bin/env python3
"""Open a page in headless Chromium and read it through the DevTools protocol (stdlib only).

usage: cdp.py URL --until JS_EXPR [--timeout S] [--dom FILE] [--screenshot FILE.png]
              [--eval JS_EXPR] [--size WxH]

Starts `chromium --headless --no-sandbox` with a fresh profile, opens URL, evaluates JS_EXPR
every 200 ms until it is truthy (the page has loaded live data, a guest shows as stopped),
then writes the DOM and/or a PNG screenshot, prints the value of --eval (JSON) if given, and
closes the browser. Exits 0 when the condition came true, 2 on timeout (the DOM and the
screenshot are still written, to show what the page showed), 1 on other failures.
--dump-dom cannot do this: a page with an open EventSource never lets virtual time run out.
"""
import base64, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request


def args(argv):
    a = {"url": argv[0], "until": "true", "timeout": 60.0, "dom": None, "screenshot": None, "eval": None, "size": "1280,1600"}
    i = 1
    while i < len(argv):
        k = argv[i].lstrip("-")
        a[k] = float(argv[i + 1]) if k == "timeout" else argv[i + 1]
        i += 2
    return a


class Socket:
    """A WebSocket client, as much as the DevTools protocol needs (text frames, masking)."""

    def __init__(self, url):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: " + head.decode(errors="replace"))
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                  bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                                  bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        while True:
            msg = json.loads(self.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise RuntimeError("browser closed the connection")
            b += chunk
        return b

    def recv(self):
        parts = []
        while True:
            b0, b1 = self.exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.exact(8))[0]
            payload = self.exact(n)
            if b0 & 0x0F in (0x9, 0xA):   # ping/pong: not expected, skipped
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()


def main():
    a = args(sys.argv[1:])
    profile = tempfile.mkdtemp(prefix="tbctl-chromium-")
    w, h = a["size"].split(",")
    browser = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={w},{h}",
                                "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.time() + 30
        while port is None and time.time() < deadline:
            line = browser.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif line == "" and browser.poll() is not None:
                raise RuntimeError("chromium exited before it listened")
        # A blank tab, then navigate: /json/new would drop the URL's #fragment (#token=...).
        req = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
        target = json.load(urllib.request.urlopen(req, timeout=10))
        ws = Socket(target["webSocketDebuggerUrl"])
        ws.send("Page.navigate", url=a["url"])
        ok = False
        deadline = time.time() + a["timeout"]
        while time.time() < deadline:
            r = ws.send("Runtime.evaluate", expression=f"!!({a['until']})", returnByValue=True)
            if r.get("result", {}).get("value") is True:
                ok = True
                break
            time.sleep(0.2)
        if a["eval"]:
            r = ws.send("Runtime.evaluate", expression=a["eval"], returnByValue=True)
            print(json.dumps(r.get("result", {}).get("value")))
        if a["dom"]:
            r = ws.send("Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True)
            with open(a["dom"], "w") as f:
                f.write(r["result"]["value"])
        if a["screenshot"]:
            r = ws.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            with open(a["screenshot"], "wb") as f:
                f.write(base64.b64decode(r["data"]))
        if not ok:
            print(f"cdp: `{a['until']}` was not true within {a['timeout']} s", file=sys.stderr)
            return 2
        return 0
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        print(f"cdp: {e}", file=sys.stderr)
        sys.exit(1)
