"""Peer: the reference's R1 `token_hash` (reference-spec.md §2.2), reproduced exactly.

    python3 token_hash.py [--list FILES.txt | FILE...] [--digests]
    python3 token_hash.py --selftest token_hash_vectors.json

Faithful to the reference, including its quirks: text-mode read (universal newlines,
BOM kept), generic token ids of the running interpreter, ENDMARKER/ERRORTOKEN kept,
TokenError -> BLAKE2b of the normalised text, UnicodeDecodeError -> bare SHA-256 of the
bytes. One deviation, for the benchmark only: the reference lets IndentationError/TabError
escape (a traceback); here the file is counted in "errors" and the run goes on.
"""
import hashlib
import io
import json
import sys
import tokenize
from pathlib import Path

from _common import read_file_list, report, time_digests

SKIP_TOKENS = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
}


def digest_bytes(b: bytes) -> str:
    return hashlib.blake2b(b, digest_size=32).hexdigest()


def file_hash(path: Path) -> str:
    # R1 hashing.file_hash: SHA-256 in 8192-byte chunks, bare hex.
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8192), b""):
            h.update(chunk)
    return h.hexdigest()


def token_hash_source(src: str) -> str:
    try:
        tokens = [
            (tok.type, tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(src).readline)
            if tok.type not in SKIP_TOKENS
        ]
    except tokenize.TokenError:
        return digest_bytes(src.encode("utf-8"))
    payload = json.dumps(tokens, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return digest_bytes(payload.encode("utf-8"))


def token_hash(path: Path) -> str:
    try:
        src = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return file_hash(path)
    return token_hash_source(src)


def selftest(vectors_file: str) -> int:
    """Check this peer against the reference vectors of the running interpreter's minor version,
    through real files (so the text-mode read and the fallbacks are exercised too)."""
    import tempfile

    vectors = json.loads(Path(vectors_file).read_text(encoding="utf-8"))["by_python"]
    minor = "%d.%d." % sys.version_info[:2]
    python = next((v for v in vectors if v.startswith(minor)), None)
    if python is None:
        report(checked=0, failed=[], python=None, skipped=f"no vectors for Python {minor[:-1]}")
        return 0
    checked, failed = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for name, v in sorted(vectors[python].items()):
            raw = bytes.fromhex(v["source_hex"]) if "source_hex" in v else v["source"].encode("utf-8")
            f = Path(tmp) / f"{name}.py"
            f.write_bytes(raw)
            checked += 1
            if token_hash(f) != v["digest"]:
                failed.append(name)
    report(checked=checked, failed=failed, python=python)
    return 1 if failed else 0


def main(argv):
    if argv and argv[0] == "--selftest":
        return selftest(argv[1])
    files, flags = read_file_list(argv)
    return time_digests(files, flags, lambda f: token_hash(Path(f)), (IndentationError, SyntaxError))

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
