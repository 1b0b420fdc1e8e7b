"""A live legacy environment seen through a real MongoDB driver (pymongo).

Usage: mongo_interop.py COMMAND SEED [ARGS...]; prints one JSON object on stdout.
  topology SEED N          wait until N members are known with a primary; the members, their roles,
                           replSetGetStatus and replSetGetConfig (through admin.command)
  write SEED KEY           insert_one({_id: KEY}) with w:"majority" (retryable writes), then find_one
  read SEED KEY...         find_one for each key (primary read)
  secondary SEED HOST      wait until the driver sees HOST as a secondary
  failover SEED PID        SIGKILL PID (the primary's agent); seconds until a majority write succeeds
Every wait is bounded (30 s); a failure exits non-zero with the error in the JSON.
"""
import json
import sys
import time

import pymongo
from pymongo import MongoClient
from pymongo.write_concern import WriteConcern


def client(seed):
    return MongoClient(f"mongodb://{seed}/?replicaSet=juju", serverSelectionTimeoutMS=30000,
                       connectTimeoutMS=2000, heartbeatFrequencyMS=500, retryWrites=True)


def topology(seed, count):
    c = client(seed)
    deadline = time.time() + 30
    while True:
        c.admin.command("ping")
        nodes = sorted(f"{h}:{p}" for h, p in c.nodes)
        secondaries = sorted(f"{h}:{p}" for h, p in c.secondaries)
        if len(nodes) >= count and c.primary is not None and len(secondaries) == count - 1:
            break
        if time.time() > deadline:
            raise RuntimeError(f"topology incomplete: nodes {nodes}, secondaries {secondaries}")
        time.sleep(0.2)
    status = c.admin.command("replSetGetStatus")
    config = c.admin.command("replSetGetConfig")["config"]
    return {
        "version": pymongo.version,
        "nodes": nodes,
        "primary": "%s:%d" % c.primary,
        "secondaries": secondaries,
        "status": sorted([m["name"], m["stateStr"]] for m in status["members"]),
        "votes": sorted([m["host"], m.get("votes", 1)] for m in config["members"]),
    }


def write(seed, key):
    c = client(seed)
    coll = c.interop.get_collection("items", write_concern=WriteConcern(w="majority", wtimeout=30000))
    start = time.time()
    result = coll.insert_one({"_id": key, "at": start})
    found = coll.find_one({"_id": key})
    return {"version": pymongo.version, "acknowledged": result.acknowledged, "found": found is not None,
            "seconds": time.time() - start, "primary": "%s:%d" % c.primary}


def read(seed, keys):
    c = client(seed)
    coll = c.interop.items
    return {"found": [k for k in keys if coll.find_one({"_id": k}) is not None]}


def secondary(seed, host):
    c = client(seed)
    deadline = time.time() + 30
    while time.time() < deadline:
        c.admin.command("ping")
        if host in {f"{h}:{p}" for h, p in c.secondaries}:
            return {"secondary": host}
        time.sleep(0.2)
    raise RuntimeError(f"{host} is not a secondary: secondaries {sorted(c.secondaries)}")


def failover(seed, pid):
    """SIGKILL the primary's agent (pid) with a warm driver; seconds until a write succeeds."""
    import os
    import signal
    c = client(seed)
    coll = c.interop.get_collection("bench", write_concern=WriteConcern(w="majority", wtimeout=30000))
    coll.insert_one({"warm": time.time()})
    start = time.time()
    os.kill(pid, signal.SIGKILL)
    while True:
        try:
            coll.insert_one({"after": start})
            return {"seconds": time.time() - start, "killed_at": start}
        except pymongo.errors.PyMongoError:
            if time.time() - start > 60:
                raise
            time.sleep(0.01)


def main():
    command, seed, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        if command == "topology":
            out = topology(seed, int(args[0]))
        elif command == "write":
            out = write(seed, args[0])
        elif command == "read":
            out = read(seed, args)
        elif command == "failover":
            out = failover(seed, int(args[0]))
        elif command == "secondary":
            out = secondary(seed, args[0])
        else:
            raise SystemExit(f"unknown command {command}")
    except Exception as error:  # reported to the Swift test, which asserts on it
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
