#!/usr/bin/env python3
"""Generate the BSON codec fixtures in Fixtures/bson from an independent encoder.

The Swift BSON module is tested against bytes produced by pymongo's `bson`
package (a different implementation from libbson), so a byte-exact round trip
proves the Swift codec agrees with another encoder, not merely with itself.

Dev tool only; the generated fixtures are committed and tests never run Python.

    python3 -m venv /tmp/bsonvenv && /tmp/bsonvenv/bin/pip install pymongo
    /tmp/bsonvenv/bin/python scripts/gen-bson-fixtures.py

Outputs, for each fixture set NAME (types, legacy):
    NAME.bson                  the documents, concatenated (mongodump layout)
    NAME.canonical.jsonl       one canonical extended JSON document per line
    NAME.names.txt             one case name per line, in the same order

types: every type pymongo can encode; the expected JSON is pymongo's
json_util in canonical mode.
legacy: deprecated types pymongo decodes but cannot encode (undefined, symbol,
DBPointer); their bytes are packed by hand with `struct` and checked by
decoding them with pymongo, and their expected JSON is written out here from
the MongoDB Extended JSON v2 specification, because pymongo's json_util maps
them to other types (None, str, DBRef).
"""

import datetime
import hashlib
import os
import struct
import sys
import uuid

import bson
from bson import SON, json_util
from bson.binary import Binary
from bson.code import Code
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.json_util import CANONICAL_JSON_OPTIONS
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "bson")
UTC = datetime.timezone.utc

# Depth counted the way the Swift decoder counts it: the top-level document is
# level 1 and every embedded document or array adds one level.
MAX_DEPTH = 100


def nested(levels):
    """A document that is `levels` levels deep in total."""
    doc = SON([("leaf", "bottom")])
    for level in range(levels - 1, 0, -1):
        doc = SON([("level", level), ("child", doc)])
    return doc


def big_document():
    """About 100 KiB of mixed small fields, the size of a busy Juju document."""
    fields = []
    for i in range(2500):
        kind = i % 5
        if kind == 0:
            fields.append(("s%04d" % i, "value-%d" % i))
        elif kind == 1:
            fields.append(("i%04d" % i, i * 7919))
        elif kind == 2:
            fields.append(("l%04d" % i, Int64(i * 1_000_000_007)))
        elif kind == 3:
            fields.append(("d%04d" % i, i / 7.0))
        else:
            fields.append(("a%04d" % i, [i, str(i), SON([("n", i)])]))
    return SON(fields)


def type_cases():
    return [
        ("empty", SON()),
        ("field-order", SON([("z", 1), ("a", 2), ("m", 3), ("b", 4)])),
        ("double", SON([
            ("one", 1.0), ("frac", 0.1), ("neg", -2.5), ("negzero", -0.0),
            ("nan", float("nan")), ("inf", float("inf")), ("ninf", float("-inf")),
            ("big", 1e300), ("tiny", 5e-324), ("max", sys.float_info.max),
        ])),
        ("string", SON([
            ("ascii", "hello"), ("empty", ""), ("latin", "héllo wörld ✓"),
            ("cjk", "日本語のテキスト"), ("emoji", "🎉👍🏽"), ("nul", "a\x00b"),
            ("escapes", "tab\tnewline\n\"quote\" \\ back \x01 \x7f"),
        ])),
        ("unicode-keys", SON([
            ("ключ", "значение"), ("日本", 1), ("🎉", True), ("", "empty key"),
            ("a.b", 2), ("$dollar", 3), ("ü", "ü"),
        ])),
        ("document", SON([
            ("a", SON([("b", SON([("c", SON([("d", "deep")]))]))])),
            ("empty", SON()),
            ("sibling", SON([("x", 1), ("y", SON([("z", None)]))])),
        ])),
        ("array", SON([
            ("empty", []), ("ints", [1, 2, 3]),
            ("mixed", [1, "two", 3.0, None, True, SON([("x", 1)]), [1, [2, [3]]]]),
            ("docs", [SON([("k", i)]) for i in range(12)]),
        ])),
        ("binary", SON([
            ("generic", Binary(b"\x00\x01\x02\xff", 0)),
            ("empty", Binary(b"", 0)),
            ("function", Binary(b"fn", 1)),
            ("old", Binary(b"old binary", 2)),
            ("uuid-old", Binary(bytes(range(16)), 3)),
            ("uuid", Binary(uuid.UUID("0d7c7d3e-6b7e-4c1a-9f3b-2a1e5d4c3b2a").bytes, 4)),
            ("md5", Binary(hashlib.md5(b"quorum").digest(), 5)),
            ("user", Binary(b"custom payload", 0x80)),
            ("user-ff", Binary(b"\xff", 0xFF)),
        ])),
        ("objectid", SON([
            ("_id", ObjectId("5f1d7a2b9c8e4a3b2c1d0e0f")),
            ("zero", ObjectId("000000000000000000000000")),
            ("ff", ObjectId("ffffffffffffffffffffffff")),
        ])),
        ("bool", SON([("t", True), ("f", False)])),
        ("datetime", SON([
            ("epoch", DatetimeMS(0)),
            ("moon", datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)),
            ("millis", datetime.datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=UTC)),
            ("year1", datetime.datetime(1, 1, 1, tzinfo=UTC)),
            ("year9999", datetime.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
            ("far-future", DatetimeMS(253402300800001)),
            ("min", DatetimeMS(-(2 ** 63))),
            ("max", DatetimeMS(2 ** 63 - 1)),
            ("before-1970", DatetimeMS(-1)),
        ])),
        ("null", SON([("n", None)])),
        ("regex", SON([
            ("plain", Regex("^abc$", "")),
            ("i", Regex("a", "i")),
            ("all", Regex("x.*y", "ilmsux")),
            ("slash", Regex("a/b\\d+", "m")),
            ("unicode", Regex("ü+", "u")),
            ("empty", Regex("", "")),
        ])),
        ("int32", SON([
            ("zero", 0), ("one", 1), ("neg", -1),
            ("min", -(2 ** 31)), ("max", 2 ** 31 - 1),
        ])),
        ("timestamp", SON([
            ("zero", Timestamp(0, 0)),
            ("typical", Timestamp(1700000000, 7)),
            ("max", Timestamp(2 ** 32 - 1, 2 ** 32 - 1)),
        ])),
        ("int64", SON([
            ("zero", Int64(0)), ("neg", Int64(-1)),
            ("min", Int64(-(2 ** 63))), ("max", Int64(2 ** 63 - 1)),
            ("above-int32", 2 ** 31), ("below-int32", -(2 ** 31) - 1),
        ])),
        ("decimal128", SON([
            ("simple", Decimal128("1.23")), ("neg", Decimal128("-0.0001")),
            ("zero", Decimal128("0")), ("negzero", Decimal128("-0")),
            ("nan", Decimal128("NaN")), ("inf", Decimal128("Infinity")),
            ("ninf", Decimal128("-Infinity")),
            ("max", Decimal128("9.999999999999999999999999999999999E+6144")),
            ("tiny", Decimal128("1E-6176")),
            ("digits", Decimal128("1234567890123456789012345678901234")),
            ("exp", Decimal128("1.5E+10")),
        ])),
        ("minmax", SON([("min", MinKey()), ("max", MaxKey())])),
        ("code", SON([
            ("code", Code("function() { return 1; }")),
            ("scoped", Code("function() { return x; }", SON([("x", 1), ("y", SON([("z", "w")]))]))),
            ("empty-scope", Code("f()", SON())),
        ])),
        ("juju-machine", SON([
            ("_id", "5b1c2f0e-8a4d-4e6b-9c3a-1f2e3d4c5b6a:0"),
            ("machineid", "0"),
            ("model-uuid", "5b1c2f0e-8a4d-4e6b-9c3a-1f2e3d4c5b6a"),
            ("life", 0),
            ("jobs", [2, 1]),
            ("series", "jammy"),
            ("addresses", [
                SON([("value", "10.0.0.4"), ("addresstype", "ipv4"), ("networkscope", "local-cloud")]),
                SON([("value", "fe80::1"), ("addresstype", "ipv6"), ("networkscope", "link-local")]),
            ]),
            ("hasvote", True),
            ("wantsvote", True),
            ("txn-revno", Int64(17)),
            ("txn-queue", ["65a0f1c2d3e4f5a6b7c8d9e0_8f2a1b3c"]),
            ("updated", datetime.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ])),
        ("deep-max", nested(MAX_DEPTH)),
        ("big", big_document()),
    ]


def legacy_element(type_byte, key, payload):
    return bytes([type_byte]) + key.encode() + b"\x00" + payload


def bson_string(text):
    data = text.encode() + b"\x00"
    return struct.pack("<i", len(data)) + data


def legacy_document(elements):
    body = b"".join(elements) + b"\x00"
    return struct.pack("<i", 4 + len(body)) + body


def legacy_cases():
    """(name, bytes, expected canonical extended JSON) for types pymongo cannot encode."""
    oid = bytes.fromhex("5f1d7a2b9c8e4a3b2c1d0e0f")
    return [
        ("undefined",
         legacy_document([legacy_element(0x06, "u", b"")]),
         '{"u": {"$undefined": true}}'),
        ("symbol",
         legacy_document([legacy_element(0x0E, "s", bson_string("sym")),
                          legacy_element(0x0E, "empty", bson_string(""))]),
         '{"s": {"$symbol": "sym"}, "empty": {"$symbol": ""}}'),
        ("dbpointer",
         legacy_document([legacy_element(0x0C, "p", bson_string("db.machines") + oid)]),
         '{"p": {"$dbPointer": {"$ref": "db.machines", "$id": {"$oid": "5f1d7a2b9c8e4a3b2c1d0e0f"}}}}'),
    ]


def decode_options():
    # DATETIME_MS keeps every datetime (even outside Python's year range) as milliseconds.
    return CodecOptions(document_class=SON, datetime_conversion=DatetimeConversion.DATETIME_MS)


def write_set(name, entries):
    """entries: (case name, bson bytes, canonical json) triples."""
    with open(os.path.join(OUT_DIR, name + ".bson"), "wb") as out:
        out.write(b"".join(raw for _, raw, _ in entries))
    with open(os.path.join(OUT_DIR, name + ".canonical.jsonl"), "w", encoding="utf-8") as out:
        out.writelines(text + "\n" for _, _, text in entries)
    with open(os.path.join(OUT_DIR, name + ".names.txt"), "w", encoding="utf-8") as out:
        out.writelines(case + "\n" for case, _, _ in entries)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    types = []
    for case, doc in type_cases():
        raw = bson.encode(doc)
        decoded = bson.decode(raw, codec_options=decode_options())
        text = json_util.dumps(decoded, json_options=CANONICAL_JSON_OPTIONS)
        assert "\n" not in text, case
        types.append((case, raw, text))
    write_set("types", types)

    legacy = []
    for case, raw, text in legacy_cases():
        bson.decode(raw)  # an independent decoder must accept the hand-packed bytes
        legacy.append((case, raw, text))
    write_set("legacy", legacy)
    print("wrote %d type cases and %d legacy cases to %s"
          % (len(types), len(legacy), os.path.normpath(OUT_DIR)))


if __name__ == "__main__":
    main()
