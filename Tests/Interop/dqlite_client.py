#!/usr/bin/env python3
"""An independent Dqlite wire-protocol client (standard library only), used to check that a
live Quorum environment is a real Dqlite cluster. It shares no code with Quorum's Swift client.

Usage:
  dqlite_client.py leader ADDR...            -> prints "ID ADDRESS" of the leader, exit 2 if none
  dqlite_client.py cluster ADDR...           -> prints one "ID ADDRESS ROLE" line per node
  dqlite_client.py query DB SQL ADDR...      -> prints the rows as JSON (one list per row)

Every ADDR is host:port; the leader is found by asking each address (LEADER) in turn.
"""
import json
import socket
import struct
import sys

PROTOCOL_VERSION = 1
REQ_LEADER, REQ_CLIENT, REQ_OPEN, REQ_QUERY_SQL, REQ_CLUSTER = 0, 1, 3, 9, 16
RESP_FAILURE, RESP_SERVER, RESP_WELCOME, RESP_SERVERS, RESP_DB, RESP_ROWS = 0, 1, 2, 3, 4, 7
ROLES = {0: "voter", 1: "stand-by", 2: "spare"}
DONE, PART = 0xFFFFFFFFFFFFFFFF, 0xEEEEEEEEEEEEEEEE


class DqliteFailure(Exception):
    def __init__(self, code, message):
        super().__init__("%d: %s" % (code, message))
        self.code = code


def text(s):
    raw = s.encode() + b"\0"
    return raw + b"\0" * (-len(raw) % 8)


class Reader:
    def __init__(self, body):
        self.body, self.pos = body, 0

    def u64(self):
        (v,) = struct.unpack_from("<Q", self.body, self.pos)
        self.pos += 8
        return v

    def i64(self):
        (v,) = struct.unpack_from("<q", self.body, self.pos)
        self.pos += 8
        return v

    def f64(self):
        (v,) = struct.unpack_from("<d", self.body, self.pos)
        self.pos += 8
        return v

    def text(self):
        end = self.body.index(b"\0", self.pos)
        s = self.body[self.pos:end].decode()
        self.pos = (end + 1 + 7) // 8 * 8
        return s

    def raw(self, n):
        b = self.body[self.pos:self.pos + n]
        self.pos += n
        return b


class Connection:
    def __init__(self, address, timeout=2.0):
        host, port = address.rsplit(":", 1)
        self.address = address
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.sendall(struct.pack("<Q", PROTOCOL_VERSION))

    def close(self):
        self.sock.close()

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed by " + self.address)
            data += chunk
        return data

    def send(self, kind, body):
        body = body or struct.pack("<Q", 0)
        self.sock.sendall(struct.pack("<IBBH", len(body) // 8, kind, 0, 0) + body)

    def recv(self):
        words, kind, _schema, _extra = struct.unpack("<IBBH", self._recv_exact(8))
        r = Reader(self._recv_exact(words * 8))
        if kind == RESP_FAILURE:
            code = r.u64()
            raise DqliteFailure(code, r.text())
        return kind, r

    def request(self, kind, body, expect):
        self.send(kind, body)
        got, r = self.recv()
        if got != expect:
            raise ValueError("expected response %d, got %d" % (expect, got))
        return r

    def leader(self):
        r = self.request(REQ_LEADER, struct.pack("<Q", 0), RESP_SERVER)
        return r.u64(), r.text()

    def cluster(self):
        r = self.request(REQ_CLUSTER, struct.pack("<Q", 1), RESP_SERVERS)
        return [(r.u64(), r.text(), ROLES.get(r.u64(), "?")) for _ in range(r.u64())]

    def open(self, name):
        self.request(REQ_OPEN, text(name) + struct.pack("<Q", 0) + text("volatile"), RESP_DB)

    def query(self, sql):
        # Database 0, the SQL, an empty parameter tuple (count byte 0, padded to a word).
        r = self.request(REQ_QUERY_SQL, struct.pack("<Q", 0) + text(sql) + b"\0" * 8, RESP_ROWS)
        rows = []
        while True:
            ncols = r.u64()
            for _ in range(ncols):
                r.text()
            while True:
                (marker,) = struct.unpack_from("<Q", r.body, r.pos)
                if marker in (DONE, PART):
                    r.pos += 8
                    break
                header = r.raw((ncols + 1) // 2)
                r.pos = (r.pos + 7) // 8 * 8
                row = []
                for i in range(ncols):
                    kind = (header[i // 2] >> (4 * (i % 2))) & 0x0F
                    if kind in (1, 9):
                        row.append(r.i64())
                    elif kind == 2:
                        row.append(r.f64())
                    elif kind in (3, 10):
                        row.append(r.text())
                    elif kind == 4:
                        n = r.u64()
                        row.append(r.raw(n).hex())
                        r.pos = (r.pos + 7) // 8 * 8
                    elif kind == 5:
                        r.u64()
                        row.append(None)
                    elif kind == 11:
                        row.append(bool(r.u64()))
                    else:
                        raise ValueError("unknown column type %d" % kind)
                rows.append(row)
            if marker == DONE:
                return rows
            _, r = self.recv()


def find_leader(addresses):
    """go-dqlite's connector: ask each node; a node naming itself is the leader."""
    for address in addresses:
        try:
            c = Connection(address)
        except OSError:
            continue
        try:
            node_id, leader = c.leader()
            if leader and leader != address:
                c.close()
                c = Connection(leader)
                node_id, leader2 = c.leader()
                if leader2 != leader:
                    c.close()
                    continue
                leader = leader2
            if leader:
                c.request(REQ_CLIENT, struct.pack("<Q", 0), RESP_WELCOME)
                return c, node_id
            c.close()
        except (OSError, ValueError, DqliteFailure):
            c.close()
    return None, None


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    command = argv[1]
    if command == "query":
        db, sql, addresses = argv[2], argv[3], argv[4:]
    else:
        addresses = argv[2:]
    c, node_id = find_leader(addresses)
    if c is None:
        print("no leader among " + ", ".join(addresses), file=sys.stderr)
        return 2
    try:
        if command == "leader":
            print(node_id, c.address)
        elif command == "cluster":
            for nid, address, role in c.cluster():
                print(nid, address, role)
        elif command == "query":
            c.open(db)
            for row in c.query(sql):
                print(json.dumps(row))
        else:
            print("unknown command " + command, file=sys.stderr)
            return 64
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
