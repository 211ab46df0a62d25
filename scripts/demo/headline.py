"""headline.py - the demo's answer in a few lines, from ccx-analyze's JSON.

    python3 headline.py TREND_JSON [ROOT]

Reads `ccx-analyze trend --format json` output and prints the top steadily
growing site with its rate and its Python stack, the process's growth and
the census of Broker objects from the first to the last snapshot.  Paths
under ROOT are shown relative to it.  Standard library only.
"""

import json
import sys


def mib_h(v):
    return "%+.1f MiB/h" % (v / 2**20) if abs(v) < 2**30 else "%+.2f GiB/h" % (v / 2**30)


def main():
    trend = json.load(open(sys.argv[1]))
    root = (sys.argv[2].rstrip("/") + "/") if len(sys.argv) > 2 else None

    def rel(s):
        return s.replace(root, "") if root else s

    head = trend["headline"]
    rows = trend.get("rows", [])
    steady = [r for r in rows if r.get("class") == "steady"]
    if steady:
        top = steady[0]
        print("   %d site%s grow%s steadily; the top one holds %.0f%% of the growth:"
              % (head["steady_sites"], "" if head["steady_sites"] == 1 else "s",
                 "s" if head["steady_sites"] == 1 else "", 100 * top.get("share", 0)))
        print("     %s" % rel(top["label"]))
        print("     %s (+-%s), %+.1f MiB over the run"
              % (mib_h(top["rate_bytes_per_h"]), mib_h(top["rate_se_bytes_per_h"]).lstrip("+"),
                 top["fitted_growth_bytes"] / 2**20))
        py = [rel(f) for f in top.get("stack", []) if ".py:" in f or "<frozen" in f]
        if py:
            print("     Python stack, innermost first:")
            for f in py[:8]:
                print("       %s" % f)
    else:
        print("   no site grows steadily: none passes the significance rule in the trend's header")
    print("   traced live memory %s, process RSS %s"
          % (mib_h(head["live_rate_bytes_per_h"]), mib_h(head["rss_rate_bytes_per_h"])))
    for t in trend.get("python_types", []):
        if t["type"] == "Broker":
            print("   Broker objects (census): %d at the first snapshot, %d at the last"
                  % (t["first_count"], t["last_count"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
