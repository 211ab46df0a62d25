#!/usr/bin/env python3
"""snapcheck.py - reads ccxtrace snapshots for the preload's integration tests.

  snapcheck.py valid FILE...            every file is a complete version-1 snapshot
  snapcheck.py site FILE SYMBOL         sums of the sites whose stack holds a
                                        native frame with that symbol, as
                                        "live_bytes live_blocks live_samples
                                        alloc_bytes alloc_calls"
  snapcheck.py field FILE PATH          a value, e.g. totals.live_bytes
  snapcheck.py frames FILE              "module-basename symbol" per native frame
"""
import json
import os
import sys

SITE_KEYS = ("live_bytes", "live_blocks", "live_samples", "alloc_bytes", "alloc_calls")
TOP_KEYS = ("format", "version", "host", "pid", "start_time", "exe", "cmdline", "seq", "reason",
            "label", "time", "uptime_s", "sampling", "totals", "tracer", "process", "python",
            "modules", "frames", "stacks", "sites")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_valid(path):
    d = load(path)
    missing = [k for k in TOP_KEYS if k not in d]
    if missing:
        raise SystemExit("%s: missing %s" % (path, missing))
    if d["format"] != "ccxtrace-snapshot" or d["version"] != 1:
        raise SystemExit("%s: bad format/version" % path)
    nf, ns = len(d["frames"]), len(d["stacks"])
    for i, fr in enumerate(d["frames"]):
        if fr["id"] != i or fr["kind"] not in ("native", "python"):
            raise SystemExit("%s: bad frame %r" % (path, fr))
    for st in d["stacks"]:
        if any(not 0 <= x < nf for x in st["frames"]):
            raise SystemExit("%s: stack %r refers to a missing frame" % (path, st))
    for s in d["sites"]:
        if not 0 <= s["stack"] < ns or s["layer"] not in ("libc", "python", "mmap"):
            raise SystemExit("%s: bad site %r" % (path, s))
        if any(s[k] < 0 for k in SITE_KEYS):
            raise SystemExit("%s: negative counter %r" % (path, s))
    name = os.path.basename(path)
    want = "ccxtrace.%s.%d.%d.%d.json" % (d["host"], d["pid"], d["start_time"], d["seq"])
    if name != want:
        raise SystemExit("%s: name does not match its content (%s)" % (path, want))


def site_sums(d, symbol):
    frames = d["frames"]
    stacks = {s["id"]: s["frames"] for s in d["stacks"]}
    tot = dict.fromkeys(SITE_KEYS, 0)
    for s in d["sites"]:
        if any(frames[i].get("symbol") == symbol for i in stacks[s["stack"]]):
            for k in SITE_KEYS:
                tot[k] += s[k]
    return tot


def main(argv):
    cmd = argv[1]
    if cmd == "valid":
        for p in argv[2:]:
            check_valid(p)
        print("%d valid" % len(argv[2:]))
    elif cmd == "site":
        t = site_sums(load(argv[2]), argv[3])
        print(" ".join(str(t[k]) for k in SITE_KEYS))
    elif cmd == "field":
        v = load(argv[2])
        for part in argv[3].split("."):
            v = v[int(part)] if isinstance(v, list) else v[part]
        print(json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)
    elif cmd == "frames":
        d = load(argv[2])
        mods = {m["id"]: os.path.basename(m["path"]) for m in d["modules"]}
        for fr in d["frames"]:
            if fr["kind"] == "native":
                print(mods.get(fr["module"], "?"), fr.get("symbol"))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
