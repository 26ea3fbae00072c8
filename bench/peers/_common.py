"""Shared plumbing of the Python peers: file lists and the JSON report line.

Every peer prints exactly one JSON object on stdout:
  {"files", "bytes", "errors", "seconds" (work only, after imports), "maxrss_kb", "digests"?}
so bench/run.mjs can report "cold start excluded" (seconds) next to its own wall clock
("cold start included").
"""
import json
import resource
import sys


def read_file_list(argv):
    """`--list FILE` (one path per line) or paths as arguments."""
    if len(argv) >= 2 and argv[0] == "--list":
        with open(argv[1], encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f if line.strip()], argv[2:]
    return [a for a in argv if not a.startswith("--")], [a for a in argv if a.startswith("--")]


def report(**fields):
    # ru_maxrss is KiB on Linux.
    fields["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps(fields, sort_keys=True) + "\n")


def time_digests(files, flags, digest, errors):
    """Digest every file with `digest(path)`, timed; a file raising one of `errors` is counted, not fatal."""
    import os
    import time

    t0 = time.perf_counter()
    total, failed, digests = 0, 0, {}
    for f in files:
        total += os.path.getsize(f)
        try:
            digests[f] = digest(f)
        except errors:
            failed += 1
    out = dict(files=len(files), bytes=total, errors=failed, seconds=time.perf_counter() - t0)
    if "--digests" in flags:
        out["digests"] = digests
    report(**out)
    return 0
