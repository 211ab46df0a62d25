"""pywork.py - the Python workload of bench_preload.sh: allocation-heavy,
like parsing and reshaping archive metadata (dicts, strings, lists, json)."""
import json
import sys

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
keep = []
total = 0
for r in range(rounds):
    recs = [{"id": i, "name": "component-%d-%d" % (r, i), "tags": ["a", "b", str(i % 7)],
             "value": i * 1.5, "blob": "x" * (i % 300)} for i in range(5000)]
    text = json.dumps(recs)
    back = json.loads(text)
    total += sum(len(d["name"]) + len(d["blob"]) for d in back)
    keep.append(back[:50])
    keep = keep[-20:]
print(total)
