"""A byte tap: a TCP relay that keeps every byte it passes on, and the HTTP/1.1 exchanges read from them.

compat/proxy_check.py puts one between the SDKs and `coze-mock proxy` and one between the proxy and its
upstream, so what a client received and what the upstream sent are judged from the wire, not from the
proxy's word. `python compat/byte_tap.py` checks the HTTP reader on hand-made messages.
"""

import contextlib
import socket
import threading

# Headers of one connection, not of the message (RFC 9110 7.6.1): a proxy may change them.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "proxy-authenticate", "proxy-authorization"}

class Connection:
    """The bytes of one relayed connection, each way."""

    def __init__(self):
        self.sent = bytearray()      # client -> server
        self.received = bytearray()  # server -> client


class Tap:
    """A TCP relay on 127.0.0.1 port 0 to `target` (host, port) that keeps every byte it passes on.

    An end that closes (or resets) is passed on as a close of the other side's writing half, so a
    connection the upstream drops reaches the proxy as a dropped connection."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.connections = []
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            conn = Connection()
            with self.lock:
                self.connections.append(conn)
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, conn.sent), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, conn.received), daemon=True).start()

    def _pump(self, src, dst, kept):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            with self.lock:
                kept += data
            try:
                dst.sendall(data)
            except OSError:
                return

    def exchanges(self):
        """Every HTTP/1.1 exchange that passed, as (request, response) pairs in order per connection."""
        with self.lock:
            snapshot = [(bytes(c.sent), bytes(c.received)) for c in self.connections]
        pairs = []
        for sent, received in snapshot:
            requests = parse_messages(sent, responses=False)
            answers = parse_messages(received, responses=True)
            pairs += list(zip(requests, answers + [None] * (len(requests) - len(answers))))
        return pairs

    def stop(self):
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.close()


class Message:
    """One HTTP/1.1 request or response: its first line, headers (lower-case names) and decoded body."""

    def __init__(self, first_line, headers, body, complete):
        self.first_line = first_line
        self.headers = headers
        self.body = body
        self.complete = complete
        self.frames = []  # after a WebSocket upgrade: its data frames, (opcode, payload)

    def header(self, name):
        return next((v for k, v in self.headers if k == name), None)

    @property
    def status(self):
        return int(self.first_line.split(" ")[1])

    @property
    def target(self):
        """A request's method and target (`POST /v1/audio/voices/clone`)."""
        return " ".join(self.first_line.split(" ")[:2])

    def end_to_end_headers(self, *also_ignored):
        return sorted((k, v) for k, v in self.headers if k not in HOP_BY_HOP and k not in also_ignored)


def dechunk(data, pos):
    """The chunked body starting at `pos`: (body, end, complete)."""
    body = bytearray()
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            return bytes(body), len(data), False
        size = int(data[pos:line_end].split(b";")[0], 16)
        pos = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", pos - 2)
            return bytes(body), (trailer_end + 4 if trailer_end >= 0 else len(data)), trailer_end >= 0
        body += data[pos:pos + size]
        if pos + size + 2 > len(data):
            return bytes(body), len(data), False
        pos += size + 2


def websocket_frames(data):
    """The data frames (text, binary, continuation) in one direction of a WebSocket, as (opcode, payload)
    with the payload unmasked. Control frames (close, ping, pong) belong to one connection: left out."""
    frames, pos = [], 0
    while pos + 2 <= len(data):
        opcode, masked, length, at = data[pos] & 0x0F, data[pos + 1] & 0x80, data[pos + 1] & 0x7F, pos + 2
        if length in (126, 127):
            size = 2 if length == 126 else 8
            length, at = int.from_bytes(data[at:at + size], "big"), at + size
        key, at = (data[at:at + 4], at + 4) if masked else (None, at)
        if at + length > len(data):
            break
        payload = bytes(data[at:at + length])
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        if opcode in (0, 1, 2):
            frames.append((opcode, payload))
        pos = at + length
    return frames


def parse_messages(data, responses):
    """The HTTP/1.1 messages in one direction of a connection. After a 101 answer or a WebSocket upgrade
    request the rest is WebSocket frames: the message's `frames`."""
    messages, pos = [], 0
    while pos < len(data):
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0:
            break
        lines = data[pos:head_end].decode("latin-1").split("\r\n")
        headers = [(k.strip().lower(), v.strip()) for k, v in (line.split(":", 1) for line in lines[1:])]
        pos = head_end + 4
        message = Message(lines[0], headers, b"", True)
        status = message.status if responses else None
        upgrade = not responses and "websocket" in (message.header("upgrade") or "").lower()
        if status == 101 or upgrade:
            message.frames = websocket_frames(data[pos:])
            messages.append(message)
            break
        if status is not None and (100 <= status < 200 or status in (204, 304)):
            if status >= 200:
                messages.append(message)
            continue
        chunked = "chunked" in (message.header("transfer-encoding") or "").lower()
        length = message.header("content-length")
        if chunked:
            message.body, pos, message.complete = dechunk(data, pos)
        elif length is not None:
            message.body = bytes(data[pos:pos + int(length)])
            message.complete = len(message.body) == int(length)
            pos += int(length)
        elif responses:  # to the close
            message.body, pos = bytes(data[pos:]), len(data)
        messages.append(message)
    return messages


def _self_test():
    """The reader on a keep-alive connection: a sized answer, a chunked one, a 100 Continue, a 101."""
    answers = (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-tt-logid: A\r\n\r\nhello"
               b"HTTP/1.1 100 Continue\r\n\r\n"
               b"HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
               b"HTTP/1.1 204 No Content\r\n\r\n"
               b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n\x81\x02hi")
    got = parse_messages(answers, responses=True)
    assert [(m.status, m.body, m.complete) for m in got] == [
        (200, b"hello", True), (400, b"abcde", True), (204, b"", True), (101, b"", True)], got
    assert got[0].header("x-tt-logid") == "A" and got[1].end_to_end_headers() == []
    requests = parse_messages(b"POST /v1/a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                              b"GET /v1/b HTTP/1.1\r\nhost: h\r\n\r\n", responses=False)
    assert [(m.target, m.body) for m in requests] == [("POST /v1/a?x=1", b"abc"), ("GET /v1/b", b"")]
    assert requests[0].end_to_end_headers("host") == [("content-length", "3")]
    cut = parse_messages(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhalf", responses=True)
    assert [(m.body, m.complete) for m in cut] == [(b"half", False)]
    masked = bytes(b ^ k for b, k in zip(b"hey", b"\x01\x02\x03"))
    upgraded = parse_messages(b"GET /s HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"
                              b"\x81\x83\x01\x02\x03\x04" + masked + b"\x88\x80\x00\x00\x00\x00", responses=False)
    assert [m.frames for m in upgraded] == [[(1, b"hey")]], upgraded[0].frames
    long = parse_messages(b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x82\x7e\x01\x00" + bytes(256) + b"\x81\x05cut",
                          responses=True)
    assert [m.frames for m in long] == [[(2, bytes(256))]]
    to_close = parse_messages(b"HTTP/1.1 200 OK\r\n\r\nall of it", responses=True)
    assert [(m.body, m.complete) for m in to_close] == [(b"all of it", True)]
    print("byte_tap: the HTTP reader reads sized, chunked, 1xx, 204, 101, cut and to-the-close messages, "
          "and WebSocket data frames, masked or long")


if __name__ == "__main__":
    _self_test()
