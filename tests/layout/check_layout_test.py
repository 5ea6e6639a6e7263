#!/usr/bin/env python3
"""The layout check must be able to fail: a miniature tree with one breach of each kind."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(tree):
    p = subprocess.run([sys.executable, os.path.join(HERE, "check_layout.py"), tree],
                       capture_output=True, text=True)
    return p.returncode, p.stdout


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


README = """# x
## Module map
| module | owns | may include |
|---|---|---|
| `util` | leaf | — |
| `geo` | points | `util` |
| `http` | routes | `geo`, `util` |
## Next
"""


def main():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        write(root, "README.md", README)
        write(root, "src/util/a.cpp", '#include "wangge/util/a.hpp"\n')
        write(root, "include/wangge/util/a.hpp", "#pragma once\n")
        write(root, "src/geo/b.cpp",
              '#include "wangge/util/a.hpp"\n#include "own.hpp"\nnamespace wangge::geo {}\n')
        write(root, "src/geo/own.hpp", "#pragma once\nnamespace wangge::geos {}\n")
        write(root, "src/http/h.cpp",
              '#include "wangge/geo/b.hpp"\nnamespace wangge { class Gate; }\n'
              'namespace wangge::http {\nint f() {\n  return 1;\n}\n}  // namespace wangge::http\n')
        code, out = run(root)
        if code != 0:
            failures.append(f"a clean tree fails ({code}):\n{out}")
        # One breach of each kind.
        write(root, "src/util/bad.cpp", '#include "wangge/geo/b.hpp"\n')
        write(root, "src/geo/up.cpp", '#include "../http/h.hpp"\n')
        write(root, "src/extra/e.cpp", "\n")
        write(root, "src/http/long.cpp", "namespace wangge::http {\nint g() {\n" +
              "  int x = 0;\n" * 120 + "  return x;\n}\n}\n")
        write(root, "src/http/other.cpp", "namespace wangge::geo {\nint k();\n}\n")
        write(root, "src/geo/none.cpp", "int k() {\n  return 0;\n}\n")
        code, out = run(root)
        for expected in ("src/util/bad.cpp:1: util includes wangge/geo/b.hpp",
                         "src/geo/up.cpp:1: \"../http/h.hpp\" is not a header of this folder",
                         "src/extra/: a module folder without a row",
                         "src/http/long.cpp:2: g is 123 lines",
                         "src/http/other.cpp: declares namespace wangge::geo; "
                         "the code of http lives in wangge::http",
                         "src/geo/none.cpp: declares nothing in wangge::geo"):
            if expected not in out:
                failures.append(f"missing: {expected}\n{out}")
        if code != 1:
            failures.append(f"exit {code}, expected 1")
    for f in failures:
        print("FAIL:", f)
    print("layout check self-test:", "failed" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
