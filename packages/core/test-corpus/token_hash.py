"""The reference's R1 token hash (reference-spec §2.2), timed over files given on stdin (one path a line).

Prints one JSON line: {"files", "bytes", "seconds"}. Used by bench-pysem.ts as the baseline.
"""
import hashlib
import io
import json
import sys
import time
import tokenize

SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def token_hash(path):
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except UnicodeDecodeError:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    try:
        toks = [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.type not in SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return hashlib.blake2b(src.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()
    payload = json.dumps(toks, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def main():
    paths = [l.rstrip("\n") for l in sys.stdin if l.strip()]
    total = 0
    t0 = time.perf_counter()
    for p in paths:
        with open(p, "rb") as f:
            total += len(f.read())
        token_hash(p)
    print(json.dumps({"files": len(paths), "bytes": total, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
