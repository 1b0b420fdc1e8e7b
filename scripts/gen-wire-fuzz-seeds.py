#!/usr/bin/env python3
"""Writes the seed inputs of the two wire fuzz targets (Fixtures/fuzz/mongo-wire and
Fixtures/fuzz/dqlite-wire): messages as drivers and Dqlite nodes send them, and a few that
must be refused (named reject-…). Run from the repository root."""
import os
import struct


def bson(fields):
    """A BSON document from (name, type, payload-bytes) triples."""
    body = b"".join(bytes([t]) + name.encode() + b"\0" + payload for name, t, payload in fields)
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def bstr(s):
    return struct.pack("<i", len(s.encode()) + 1) + s.encode() + b"\0"


def i32(v):
    return struct.pack("<i", v)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def frame(request_id, op, payload, response_to=0):
    return struct.pack("<iiii", 16 + len(payload), request_id, response_to, op) + payload


def op_msg(request_id, body, flags=0, sequences=(), checksum=False):
    if checksum:
        flags |= 1
    payload = struct.pack("<I", flags) + b"\0" + body
    for identifier, docs in sequences:
        section = identifier.encode() + b"\0" + b"".join(docs)
        payload += b"\1" + i32(4 + len(section)) + section
    if not checksum:
        return frame(request_id, 2013, payload)
    message = frame(request_id, 2013, payload + b"\0\0\0\0")[:-4]
    return message + struct.pack("<I", crc32c(message))


def op_query(request_id, namespace, command):
    payload = i32(0) + namespace.encode() + b"\0" + i32(0) + i32(-1) + command
    return frame(request_id, 2004, payload)


def mongo_seeds():
    hello = bson([("hello", 0x10, i32(1)), ("$db", 0x02, bstr("admin"))])
    insert = bson([("insert", 0x02, bstr("keys")), ("$db", 0x02, bstr("juju")),
                   ("writeConcern", 0x03, bson([("w", 0x02, bstr("majority"))]))])
    docs = [bson([("_id", 0x10, i32(n)), ("value", 0x02, bstr("v%d" % n))]) for n in range(3)]
    ismaster = bson([("isMaster", 0x10, i32(1)), ("client", 0x03, bson([("driver", 0x02, bstr("pymongo"))]))])
    wrapped = bson([("$query", 0x03, bson([("ismaster", 0x10, i32(1))])),
                    ("$readPreference", 0x03, bson([("mode", 0x02, bstr("primaryPreferred"))]))])
    bad_checksum = bytearray(op_msg(7, hello, checksum=True))
    bad_checksum[-1] ^= 0xFF
    return {
        "op-msg-hello.bin": op_msg(1, hello),
        "op-msg-insert-sequence-checksum.bin": op_msg(2, insert, sequences=[("documents", docs)], checksum=True),
        "op-msg-exhaust-allowed.bin": op_msg(3, hello, flags=1 << 16),
        "op-query-ismaster.bin": op_query(4, "admin.$cmd", ismaster),
        "op-query-read-preference.bin": op_query(5, "admin.$cmd", wrapped),
        "pipelined-two-messages.bin": op_msg(6, hello) + op_msg(7, insert, sequences=[("documents", docs[:1])]),
        "reject-bad-checksum.bin": bytes(bad_checksum),
        "reject-length-over-max.bin": struct.pack("<iiii", 48_000_001, 1, 0, 2013) + b"\0" * 8,
        "reject-op-compressed.bin": frame(8, 2012, b"\0" * 9),
        "reject-two-bodies.bin": frame(9, 2013, struct.pack("<I", 0) + b"\0" + hello + b"\0" + hello),
    }


def words(b):
    return b + b"\0" * (-len(b) % 8)


def text(s):
    return words(s.encode() + b"\0")


def u64(v):
    return struct.pack("<Q", v)


def response(kind, body):
    body = words(body)
    return struct.pack("<IBBH", len(body) // 8, kind, 0, 0) + body


def row(values):
    """values: (type, encoded) pairs; a row is its 4-bit type header, padded, then values."""
    header = bytearray((len(values) + 1) // 2)
    for i, (t, _) in enumerate(values):
        header[i // 2] |= t if i % 2 == 0 else t << 4
    return words(bytes(header)) + b"".join(v for _, v in values)


def dqlite_seeds():
    done, part = u64(0xFFFFFFFFFFFFFFFF), u64(0xEEEEEEEEEEEEEEEE)
    columns = u64(8) + b"".join(text(c) for c in ["i", "f", "t", "b", "n", "u", "d", "bool"])
    every_type = row([(1, u64(42)), (2, struct.pack("<d", 2.5)), (3, text("controller")), (4, u64(3) + words(b"\1\2\3")),
                      (5, u64(0)), (9, u64(1700000000)), (10, text("2026-11-22T09:00:00Z")), (11, u64(1))])
    one_column = u64(1) + text("controller_id")
    servers = u64(3) + b"".join(u64(n) + text("127.0.0.%d:17666" % (10 + n)) + u64(r) for n, r in [(1, 0), (2, 0), (3, 1)])
    return {
        "leader.bin": response(1, u64(1) + text("127.0.0.11:17666")),
        "cluster-three-nodes.bin": response(3, servers),
        "rows-every-type.bin": response(7, columns + every_type + done),
        "rows-two-batches.bin": response(7, one_column + row([(3, text("0"))]) + part)
        + response(7, one_column + row([(3, text("1"))]) + row([(3, text("2"))]) + done),
        "handshake-open-exec.bin": response(2, u64(0)) + response(4, struct.pack("<II", 0, 0)) + response(6, u64(7) + u64(1))
        + response(8, u64(0)),
        "describe-dump.bin": response(10, u64(0) + u64(0)) + response(9, u64(2) + text("controller.db") + u64(4) + words(b"SQLi")
                                                                       + text("controller.db-wal") + u64(0)),
        "failure-not-leader.bin": response(0, u64(10250) + text("not leader")),
        "reject-rows-part-then-nothing.bin": response(7, one_column + row([(3, text("0"))]) + part),
        "reject-unknown-response-type.bin": response(42, u64(0)),
        "reject-blob-longer-than-message.bin": response(7, u64(1) + text("b") + row([(4, u64(1 << 62))]) + done),
        "reject-rows-without-columns.bin": response(7, u64(0) + u64(1) + done),
    }


def write(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


write("Fixtures/fuzz/mongo-wire", mongo_seeds())
write("Fixtures/fuzz/dqlite-wire", dqlite_seeds())
