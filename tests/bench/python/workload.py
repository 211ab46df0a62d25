"""workload.py - a Python workload shaped like archive processing, for
bench_python.sh: parse key=value text into dicts, JSON round trips,
components that raise and are caught with tracebacks kept briefly, results
kept in a bounded cache.  Prints the CPU seconds the measured loop took (process_time: less noisy than wall time on a shared machine) (after
the tracer's hooks are in place, when a tracer is preloaded)."""
import json
import os
import sys
import time

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1500"))


def make_archive(n):
    lines = []
    for i in range(n):
        lines.append("cluster_id=%08x;node=worker-%d;cpu=%d;mem=%dMi;status=%s"
                     % (i * 2654435761 & 0xffffffff, i % 17, i % 64, 512 + i % 2048,
                        "Ready" if i % 5 else "NotReady"))
    return "\n".join(lines)


def parse(text):
    out = []
    for line in text.split("\n"):
        d = {}
        for part in line.split(";"):
            k, _, v = part.partition("=")
            d[k] = v
        out.append(d)
    return out


class ComponentError(Exception):
    pass


def check_nodes(records):
    bad = [r for r in records if r["status"] != "Ready"]
    if len(bad) > len(records) // 10:
        raise ComponentError("%d nodes not ready" % len(bad))
    return {"bad": len(bad)}


def summarize(records):
    by_node = {}
    for r in records:
        by_node.setdefault(r["node"], []).append(int(r["mem"][:-2]))
    return {k: sum(v) / len(v) for k, v in by_node.items()}


def run(rounds):
    text = make_archive(200)
    cache = []
    errors = 0
    for i in range(rounds):
        records = parse(text)
        blob = json.dumps(records)
        back = json.loads(blob)
        results = {}
        for comp in (check_nodes, summarize):
            try:
                results[comp.__name__] = comp(back)
            except ComponentError as ex:
                results[comp.__name__] = repr(ex)
                tb = ex.__traceback__
                errors += tb is not None
        cache.append(json.dumps(results))
        if len(cache) > 100:
            del cache[:50]
    return errors


def main():
    if "ccxtrace" in os.environ.get("LD_PRELOAD", ""):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "integration", "python"))
        import ccxsnap
        if os.environ.get("CCXTRACE_PYTHON", "1") != "0":
            ccxsnap.wait_ready()
    t0 = time.process_time()
    run(ROUNDS)
    print("%.4f" % (time.process_time() - t0))


main()
