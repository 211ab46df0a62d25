"""hmonitor.py - a stand-in for a service module such as ccx_messaging.monitor:
module-level containers that keep objects alive (used by wl_holders.py)."""

_errors = []          # exceptions kept "for the metrics": the leak
_cache = {}           # sessions by user key


def record_error(ex):
    _errors.append(ex)


def remember(key, session):
    _cache[key] = session
