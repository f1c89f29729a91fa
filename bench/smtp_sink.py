"""A lean SMTP server for benchmarks: it speaks enough SMTP for smtplib (and Django's SMTP
backend) and counts the messages and distinct Message-IDs it receives.

aiosmtpd, which the tests use, reads a message line by line: about 2.7 ms of CPU per letter on
the two cores the benchmark shares with the worker, a production mail relay's work on a machine
of its own. This server finds the end of each message in bulk.
"""

import asyncio
import re
import threading

MESSAGE_ID = re.compile(
    rb"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE
)  # may be folded


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=0):
        self.host, self.port = host, port
        self.count = 0
        self.message_ids = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self):
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(lambda: _Session(self), self.host, self.port), self._loop
        ).result()
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        return self

    def stop(self):
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def received(self, message):
        self.count += 1
        found = MESSAGE_ID.search(message)
        if found:
            self.message_ids.add(found.group(1))


class _Session(asyncio.Protocol):
    def __init__(self, sink):
        self.sink = sink
        self.buffer = bytearray()
        self.scanned = 0  # the buffer before this holds no end of line / end of message
        self.in_data = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 bench ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while not self.transport.is_closing():
            end_mark = b"\r\n.\r\n" if self.in_data else b"\r\n"
            end = self.buffer.find(end_mark, self.scanned)
            if end < 0:
                self.scanned = max(0, len(self.buffer) - len(end_mark) + 1)
                return
            chunk = bytes(self.buffer[:end])
            del self.buffer[: end + len(end_mark)]
            self.scanned = 0
            if self.in_data:
                self.in_data = False
                self.sink.received(chunk)
                self.transport.write(b"250 OK queued\r\n")
            else:
                self._command(chunk)

    def _command(self, line):
        verb = line[:4].upper()
        if verb == b"EHLO":
            self.transport.write(b"250-bench\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            self.in_data = True
            self.buffer[:0] = b"\r\n"  # an empty message still ends with CRLF . CRLF
            self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
        elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            self.transport.write(b"250 OK\r\n")
        else:
            self.transport.write(b"502 Command not implemented\r\n")
