"""Peer: BLAKE2b-256 of whole files with Python's hashlib (the reference's language).

    python3 blake2b_files.py [--threads N] FILE...

Uses hashlib.file_digest (3.11+, 256 KiB readinto buffer, the idiomatic way) and falls back
to 1 MiB chunks on older interpreters. --threads N hashes files on N threads (hashlib releases
the GIL on large updates); the default 1 is what a plain script does.
"""
import hashlib
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from _common import report


def blake2b_file(path: str) -> str:
    with open(path, "rb") as f:
        if hasattr(hashlib, "file_digest"):
            return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=32)).hexdigest()
        h = hashlib.blake2b(digest_size=32)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
        return h.hexdigest()


def main(argv):
    threads = 1
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    files = argv
    t0 = time.perf_counter()
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            digests = dict(zip(files, pool.map(blake2b_file, files)))
    else:
        digests = {f: blake2b_file(f) for f in files}
    seconds = time.perf_counter() - t0
    report(files=len(files), seconds=seconds, digests=digests)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
