"""Python's own ast as the judge of "same program" for the pysem1 corpus test.

One long-lived process; reads JSON lines on stdin, writes one JSON line per request on stdout:
  {"op": "dump", "path": P} or {"op": "dump", "src": S}
      -> {"ok": true, "dump": sha256 of the normalised ast.dump} | {"ok": false}
  {"op": "strings", "path": P}
      -> {"ok": true, "values": [every str/bytes Constant (bytes as latin-1), docstrings cleaned]}
  {"op": "mutants", "path": P, "seed": N, "per_kind": K}
      -> {"ok": true, "mutants": [{"kind", "src", "differs"}]}  (only mutants that still parse)

Normalisation of the dump (the documented definition of pysem1's "same program"): docstrings compared
after inspect.cleandoc with trailing spaces per line removed, and Constant.kind ('u' prefix) ignored.
"""
import ast
import hashlib
import inspect
import io
import json
import keyword
import random
import sys
import tokenize
import warnings

warnings.simplefilter("ignore")


def clean(doc):
    return "\n".join(line.rstrip() for line in inspect.cleandoc(doc).split("\n")).strip("\n")


def normalised_tree(source):
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.kind = None
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                first.value.value = clean(first.value.value)
    return tree


def norm_dump(source):
    tree = normalised_tree(source)
    return hashlib.sha256(ast.dump(tree).encode("utf-8", "surrogatepass")).hexdigest()


def try_dump(source):
    try:
        return norm_dump(source)
    except Exception:
        return None


OPS = {"+": "-", "-": "+", "*": "//", "/": "*", "<": ">", ">": "<", "==": "!=", "!=": "==", "<=": ">=",
       ">=": "<=", "%": "+", "|": "&", "&": "|", "+=": "-=", "-=": "+=", "and": "or", "or": "and",
       "is": "is not", "in": "not in", "True": "False", "False": "True", "None": "0"}


def replace_at(lines, start, end, text):
    (r1, c1), (r2, c2) = start, end
    head = lines[r1 - 1][:c1]
    tail = lines[r2 - 1][c2:]
    return lines[: r1 - 1] + [head + text + tail] + lines[r2:]


def token_mutants(src, rng, per_kind):
    lines = src.splitlines(keepends=True)
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except Exception:
        return []
    by_kind = {"rename": [], "number": [], "string": [], "string_tail": [], "operator": []}
    for t in toks:
        if t.type == tokenize.NAME and t.string in OPS:
            by_kind["operator"].append((t, OPS[t.string]))
        elif t.type == tokenize.NAME and not keyword.iskeyword(t.string) and not keyword.issoftkeyword(t.string):
            by_kind["rename"].append((t, t.string + "_m"))
        elif t.type == tokenize.NUMBER and t.string.isdigit():
            by_kind["number"].append((t, str(int(t.string) + 1)))
        elif t.type == tokenize.STRING:
            s = t.string
            i = 0
            while s[i] not in "'\"":
                i += 1
            q = 3 if s[i:i + 3] in ('"""', "'''") else 1
            by_kind["string"].append((t, s[: i + q] + "Z" + s[i + q:]))
            by_kind["string_tail"].append((t, s[: len(s) - q] + "Z" + s[len(s) - q:]))
        elif t.type == tokenize.OP and t.string in OPS:
            by_kind["operator"].append((t, OPS[t.string]))
    out = []
    for kind, cands in by_kind.items():
        for t, new in rng.sample(cands, min(per_kind, len(cands))):
            out.append((kind, "".join(replace_at(lines, t.start, t.end, new))))
    return out


def block_mutants(src, tree, rng, per_kind):
    """Dedent the last statement of a block to its parent's level, and indent the statement after a block into it."""
    lines = src.splitlines(keepends=True)
    dedents, indents = [], []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body or not isinstance(node, ast.stmt):
            continue
        last = body[-1]
        if len(body) >= 2 and last.lineno > node.lineno and not (getattr(node, "orelse", None) or getattr(node, "handlers", None) or getattr(node, "finalbody", None)):
            dedents.append((last, last.col_offset - node.col_offset))
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(parent, field, None)
            if not isinstance(stmts, list):
                continue
            for a, b in zip(stmts, stmts[1:]):
                inner = getattr(a, "body", None)
                if isinstance(inner, list) and inner and not (getattr(a, "orelse", None) or getattr(a, "handlers", None) or getattr(a, "finalbody", None)) and inner[-1].lineno > a.lineno:
                    indents.append((b, inner[-1].col_offset - b.col_offset))
    out = []
    for kind, cands, sign in (("dedent", dedents, -1), ("indent", indents, 1)):
        for stmt, width in rng.sample(cands, min(per_kind, len(cands))):
            if width <= 0:
                continue
            new = list(lines)
            for r in range(stmt.lineno - 1, stmt.end_lineno):
                line = new[r]
                if sign < 0:
                    if line[:width].strip() == "":
                        new[r] = line[width:]
                elif line.strip():
                    new[r] = " " * width + line
            out.append((kind, "".join(new)))
    return out


def main():
    for raw in sys.stdin:
        req = json.loads(raw)
        try:
            if req["op"] == "dump":
                src = req["src"].encode("utf-8", "surrogatepass") if "src" in req else open(req["path"], "rb").read()
                d = try_dump(src)
                res = {"ok": d is not None, "dump": d}
            elif req["op"] == "strings":
                tree = normalised_tree(open(req["path"], "rb").read())
                values = [n.value.decode("latin-1") if isinstance(n.value, bytes) else n.value
                          for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))]
                res = {"ok": True, "values": values}
            elif req["op"] == "mutants":
                src = open(req["path"], encoding="utf-8").read()
                base = norm_dump(src)
                tree = ast.parse(src)
                rng = random.Random(req["seed"])
                muts = token_mutants(src, rng, req["per_kind"]) + block_mutants(src, tree, rng, req["per_kind"])
                res_m = []
                for kind, m in muts:
                    d = try_dump(m)
                    if d is not None:
                        res_m.append({"kind": kind, "src": m, "differs": d != base})
                res = {"ok": True, "mutants": res_m}
            else:
                res = {"ok": False, "error": "unknown op"}
        except Exception as e:  # a file the judge cannot read is skipped, not fatal
            res = {"ok": False, "error": repr(e)}
        sys.stdout.write(json.dumps(res, ensure_ascii=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
