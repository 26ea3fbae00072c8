"""Peer: Python's own notion of "same program": ast.parse + ast.dump (+ BLAKE2b of the dump).

    python3 ast_dump.py [--list FILES.txt | FILE...] [--digests]

This is what a Python user would write to hash code semantically. Files that do not parse
(CPython ships a few deliberately broken ones) are counted in "errors".
"""
import ast
import hashlib
import sys
import warnings

from _common import read_file_list, time_digests


def ast_digest(raw: bytes) -> str:
    # ast.parse accepts bytes and honours PEP 263 coding cookies, as the interpreter does.
    tree = ast.parse(raw)
    return hashlib.blake2b(ast.dump(tree).encode("utf-8"), digest_size=32).hexdigest()


def main(argv):
    files, flags = read_file_list(argv)
    warnings.simplefilter("ignore")  # invalid escape sequences in old stdlib files
    def digest(path):
        with open(path, "rb") as fh:
            return ast_digest(fh.read())

    return time_digests(files, flags, digest, (SyntaxError, ValueError))

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
