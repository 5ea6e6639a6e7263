#!/usr/bin/env python3
"""Lists the functions of C++ sources longest first, or fails when one is over a limit.

    functions.py [--max N] [--top K] FILE_OR_DIR...

A function is a brace block whose head ends like a definition (a ')' possibly followed by
const, noexcept, override, a trailing return type or a constructor's initialisers) and which
opens directly inside a namespace, class, struct or the file: a lambda or a block counts toward
the function around it, as a reader sees it. Its length runs from the first line of its head
to its closing brace. Comments, strings and character literals are skipped. Exit 1 when
--max is given and a function is longer, naming each one as file:line: name (lines).
"""
import os
import re
import sys

CONTAINER = re.compile(r"\b(namespace|class|struct|union|enum)\b[^;{}()]*$|\bextern\s+\"C\"\s*$")


def strip(text):
    """Text with comments, strings and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j])); i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" "); i += 1; continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(path):
    text = strip(open(path, encoding="utf-8", errors="replace").read())
    text = re.sub(r"(?m)^\s*#.*$", "", text)  # preprocessor lines
    stack = []  # (kind, start line, name)
    head_start = 0  # offset where the current statement began
    found = []
    for m in re.finditer(r"[{};]", text):
        ch, pos = m.group(), m.start()
        if ch == ";":
            head_start = pos + 1
            continue
        if ch == "}":
            if stack:
                kind, line, name = stack.pop()
                if kind == "function":
                    found.append((text.count("\n", 0, pos) + 1 - line + 1, path, line, name))
            head_start = pos + 1
            continue
        head = text[head_start:pos]
        inside_code = any(k in ("function", "block") for k, _, _ in stack)
        kind = "block"
        if not inside_code:
            h = " ".join(head.split())
            if CONTAINER.search(h):
                kind = "container"
            elif re.search(r"\)\s*(const|noexcept|override|final|mutable|\s|->\s*[\w:<>,\s*&]+)*$", h) or \
                    re.search(r"\)\s*:\s*\w", h):
                kind = "function"
            elif h.endswith("=") or re.search(r"[=(,]\s*$", h) or h == "":
                kind = "block"
            else:
                kind = "container"  # e.g. an initialiser list or a type we do not know
        offset = head_start + len(head) - len(head.lstrip())
        line = text.count("\n", 0, offset) + 1
        name = ""
        if kind == "function":
            mm = re.search(r"([~\w:]+(?:operator\s*\S+)?)\s*\(", " ".join(head.split()))
            name = mm.group(1) if mm else "?"
        stack.append((kind, line, name))
        head_start = pos + 1
    return found


def sources(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, files in os.walk(a):
                for f in sorted(files):
                    if f.endswith((".cpp", ".hpp", ".cpp.in")):
                        yield os.path.join(root, f)
        else:
            yield a


def functions_in(paths):
    """(length, path, line, name) of every function under @p paths."""
    return [f for p in sources(paths) for f in functions(p)]


def main(argv):
    limit, top, paths = None, 10, []
    it = iter(argv)
    for a in it:
        if a == "--max":
            limit = int(next(it))
        elif a == "--top":
            top = int(next(it))
        else:
            paths.append(a)
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    found = sorted(functions_in(paths), reverse=True)
    if limit is None:
        for length, path, line, name in found[:top]:
            print(f"{length:5d}  {path}:{line}: {name}")
        return 0
    over = [f for f in found if f[0] > limit]
    for length, path, line, name in over:
        print(f"{path}:{line}: {name} is {length} lines, over the limit of {limit}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
