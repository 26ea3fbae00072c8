"""Generated Python sources for the pysem1 differential test, each judged by this python3's `ast`.

Every operator form (binary, boolean, comparison, unary, ternary, lambda, walrus, await, star, and the
postfix primaries) is nested inside every other at two levels, bare and parenthesised, and placed in the
contexts where tree-sitter-python has its own grammar rules (annotations, f-string fields and format specs,
subscripts and slices, arguments, statements); match patterns are nested the same way.

Writes one JSON line per source: {"ctx": name, "src": text, "dump": normalised-dump hash or null,
"compiles": bool} (dump null: Python's parser rejects the source; compiles false: the compiler does, e.g.
`return *a`, which ast.parse accepts). Usage: python3 gen_expressions.py [--stride N] (N > 1 keeps every
N-th nested expression in the secondary contexts; the main context always gets all of them).
"""
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ast_judge import try_dump  # noqa: E402  (same normalisation as the corpus judge)

BINARY = ["+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^"]
BOOLEAN = ["and", "or"]
COMPARE = ["<", ">", "==", ">=", "<=", "!=", "in", "not in", "is", "is not"]
UNARY = ["-", "+", "~", "not "]

# Forms: templates over holes {0} {1} {2}.
FORMS = (
    [f"{{0}} {op} {{1}}" for op in BINARY + BOOLEAN + COMPARE]
    + [f"{op}{{0}}" for op in UNARY]
    + [
        "{0} if {1} else {2}",
        "lambda: {0}",
        "lambda x: {0}",
        "y := {0}",
        "await {0}",
        "*{0}",
        "{0}.attr",
        "{0}(arg)",
        "{0}[idx]",
        "{0} < {1} < {2}",
        "yield {0}",
    ]
)
HOLES = [["p", "q", "r"], ["a", "b", "c"]]


def holes(form):
    return sum(1 for i in range(3) if "{%d}" % i in form)


def fill(form, names):
    return form.format(*names[: holes(form)])


def nested():
    """Every form inside every hole of every form, bare and parenthesised (plus the single forms)."""
    out = [fill(f, HOLES[1]) for f in FORMS]
    for outer in FORMS:
        for i in range(holes(outer)):
            for inner in FORMS:
                e = fill(inner, HOLES[1])
                for sub in (e, f"({e})"):
                    names = list(HOLES[0])
                    names[i] = sub
                    out.append(fill(outer, names))
    return out


def judge(ctx, src):
    dump = try_dump(src)
    try:
        compile(src, "case.py", "exec", dont_inherit=True)
        compiles = True
    except (SyntaxError, ValueError):
        compiles = False
    return json.dumps({"ctx": ctx, "src": src, "dump": dump, "compiles": compiles}) + "\n"


def body(stmt):
    return "async def f():\n" + "".join("    " + line + "\n" for line in stmt.split("\n"))


CONTEXTS = {
    "return": lambda e: body(f"return {e}"),
    "assign": lambda e: body(f"x = {e}"),
    "statement": lambda e: body(e),
    "statement-tuple": lambda e: body(f"{e},"),
    "argument": lambda e: body(f"g({e})"),
    "keyword-argument": lambda e: body(f"g(k={e})"),
    "subscript": lambda e: body(f"x[{e}]"),
    "subscript-tuple": lambda e: body(f"x[{e},]"),
    "slice": lambda e: body(f"x[{e}:]\nx[:{e}]\nx[::{e}]"),
    "list": lambda e: body(f"x = [{e}]"),
    "set-dict": lambda e: body(f"x = {{{e}}}\nx = {{{e}: 1}}"),
    "fstring": lambda e: body(f"x = f'{{{e}}}'"),
    "fstring-spec": lambda e: body(f"x = f'{{v:{{{e}}}}}'"),
    "annotation": lambda e: body(f"x: {e} = 1"),
    "annotation-subscript": lambda e: body(f"x: A[{e}]\nx: A[{e},]"),
    "parameter": lambda e: body(f"def g(x: {e} = 1) -> {e}:\n    pass"),
    "decorator": lambda e: body(f"@{e}\ndef g():\n    pass"),
    "condition": lambda e: body(f"if {e}:\n    pass\nwhile {e}:\n    pass"),
    "for": lambda e: body(f"for x in {e}:\n    pass"),
    "with": lambda e: body(f"with {e}:\n    pass"),
    "comprehension": lambda e: body(f"x = [z for z in {e} if {e}]"),
    "lambda-body": lambda e: body(f"x = lambda: {e}"),
    "assert-raise": lambda e: body(f"assert {e}\nraise {e}"),
}

# Match patterns: every pattern form inside every other, bare and parenthesised.
PATTERNS = ["{0} | {1}", "{0} as z", "[{0}, {1}]", "({0}, {1})", "{0}, {1}", "{0},", "[*rest, {0}]", "{{'k': {0}}}",
            "C({0}, k={1})", "({0})", "[{0}]", "({0},)"]
LEAVES = ["a", "1", "-1", "1 + 2j", "None", "m.n", "_", "'s'"]


def patterns():
    out = set()
    for outer in PATTERNS:
        n = sum(1 for i in range(2) if "{%d}" % i in outer)
        for i in range(n):
            for inner in PATTERNS + LEAVES:
                sub_n = sum(1 for j in range(2) if "{%d}" % j in inner)
                e = inner.format(*["b", "c"][:sub_n])
                for sub in (e, f"({e})"):
                    names = ["p", "q"][:n]
                    names[i] = sub
                    out.add(outer.format(*names))
    for leaf in LEAVES:
        out.add(leaf)
        out.add(f"({leaf})")
    return sorted(out)


def main():
    stride = int(sys.argv[sys.argv.index("--stride") + 1]) if "--stride" in sys.argv else 1
    exprs = nested()
    seen = set()
    for ctx, wrap in CONTEXTS.items():
        chosen = exprs if ctx == "return" else exprs[: len(FORMS)] + exprs[len(FORMS):: stride]
        for e in chosen:
            src = wrap(e)
            if src in seen:
                continue
            seen.add(src)
            sys.stdout.write(judge(ctx, src))
    for p in patterns():
        for src in (f"match x:\n    case {p}:\n        pass\n", f"match x:\n    case {p} if g:\n        pass\n"):
            sys.stdout.write(judge("match", src))


if __name__ == "__main__":
    main()
