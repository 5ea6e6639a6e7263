#!/usr/bin/env python3
"""The layering the build enforces: checks the tree against the README's module map.

    check_layout.py ROOT

1. The modules of the README's "Module map" table are exactly the folders of src/ and
   include/wangge/ (a new folder needs its row; a row needs its folder).
2. Every `#include "wangge/<module>/…"` in src/<m>/ and include/wangge/<m>/ names <m> itself or
   a module the table's "may include" column lists for <m>; a quoted include without the
   `wangge/` prefix is a private header of the same folder (never "../").
3. Every file of a module <m> other than util declares its code in namespace wangge::<m> (or
   one nested in it), and in no other of ours (a block of forward declarations aside): one
   namespace root per module. geo's RAII wrappers of GEOS and GDAL are wangge::geos and
   wangge::gdal.
4. No function in src/http/ is longer than 100 lines (a handler parses, validates, calls one
   service and renders; see tests/layout/functions.py for what counts as a function).

Prints every breach as file:line: what and why, and exits 1 when there is any.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import functions  # noqa: E402

HTTP_FUNCTION_LIMIT = 100
# Namespace roots a module may use besides wangge::<module> (util's root is wangge itself).
EXTRA_ROOTS = {"geo": ("wangge::geos", "wangge::gdal")}
NAMESPACE = re.compile(r"^\s*namespace\s+(wangge(?:::\w+)*)\s*\{", re.M)
# A block of forward declarations only (`namespace wangge::x { class Y; }`) names another
# module's type without declaring anything in it.
FORWARD_ONLY = re.compile(
    r"^\s*namespace\s+wangge(?:::\w+)*\s*\{\s*(?:(?:class|struct)\s+\w+;\s*)+\}[^\n]*$", re.M)


def namespace_breach(module, text):
    """What is wrong with the namespaces a file of @p module declares, or None."""
    if module == "util":
        return None
    roots = (f"wangge::{module}",) + EXTRA_ROOTS.get(module, ())
    declared = NAMESPACE.findall(FORWARD_ONLY.sub("", text))
    if not declared:
        return f"declares nothing in {roots[0]}"
    for ns in declared:
        if not any(ns == r or ns.startswith(r + "::") for r in roots):
            return f"declares namespace {ns}; the code of {module} lives in {' or '.join(roots)}"
    return None


def module_map(readme):
    """{module: set of modules it may include} from the README's module map table."""
    text = open(readme, encoding="utf-8").read()
    m = re.search(r"^## Module map\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        raise SystemExit(f"{readme}: no '## Module map' section")
    table = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        table[name] = set(re.findall(r"`([a-z_]+)`", cells[-1]))
    if not table:
        raise SystemExit(f"{readme}: the module map has no rows")
    return table


def main(root):
    table = module_map(os.path.join(root, "README.md"))
    breaches = []
    on_disk = set()
    for base in ("src", "include/wangge"):
        for d in sorted(os.listdir(os.path.join(root, base))):
            if os.path.isdir(os.path.join(root, base, d)):
                on_disk.add(d)
                if d not in table:
                    breaches.append(f"{base}/{d}/: a module folder without a row in the README's module map")
    for name in sorted(set(table) - on_disk):
        breaches.append(f"README.md: the module map names '{name}', which has no folder in src/ or include/wangge/")
    for name, allowed in table.items():
        for other in sorted(allowed - set(table)):
            breaches.append(f"README.md: '{name}' may include '{other}', which is not a module")

    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    checked = 0
    for base in ("src", "include/wangge"):
        for module in sorted(on_disk & set(table)):
            folder = os.path.join(root, base, module)
            if not os.path.isdir(folder):
                continue
            for dirpath, _, files in os.walk(folder):
                for f in sorted(files):
                    path = os.path.join(dirpath, f)
                    rel = os.path.relpath(path, root)
                    checked += 1
                    why = namespace_breach(module, open(path, encoding="utf-8", errors="replace").read())
                    if why:
                        breaches.append(f"{rel}: {why}")
                    for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
                        m = include.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target.startswith("wangge/"):
                            other = target.split("/")[1]
                            if other != module and other not in table[module]:
                                may = ", ".join(sorted(table[module])) or "nothing of ours"
                                breaches.append(f"{rel}:{n}: {module} includes {target}; "
                                                f"the module map lets {module} include {may}")
                        elif ".." in target.split("/") or not os.path.exists(
                                os.path.join(dirpath, target)):
                            breaches.append(f"{rel}:{n}: \"{target}\" is not a header of this folder "
                                            f"(another module's header goes through wangge/<module>/)")
    for length, path, line, name in functions.functions_in([os.path.join(root, "src", "http")]):
        if length > HTTP_FUNCTION_LIMIT:
            breaches.append(f"{os.path.relpath(path, root)}:{line}: {name} is {length} lines; "
                            f"functions in http/ stay within {HTTP_FUNCTION_LIMIT}")
    for b in breaches:
        print(b)
    print(f"checked {checked} files of {len(table)} modules: {len(breaches)} breach(es)")
    return 1 if breaches else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
