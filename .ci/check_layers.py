#!/usr/bin/env python3
"""Checks that the folders of tlsprobe stay a pipeline (ARCHITECTURE.md).

Every folder below is one static library `tlsprobe_<folder>` and one namespace
`tlsprobe::<folder>`. For every tracked .cpp/.hpp in those folders (`git ls-files`) this
script checks:

  1. includes: each `#include "x/y.hpp"` (or <x/y.hpp>) of one of our own headers goes in an
     allowed direction of ALLOWED below: the folder itself, a folder listed for it, or a
     single header listed for it;
  2. namespaces: the file declares only in `tlsprobe::<folder>` (and namespaces nested in
     it: anonymous, detail, wire::ext ...); `namespace tlsprobe { namespace <folder> {` is
     the same thing spelled twice. Namespace aliases (`namespace asio = boost::asio;`)
     declare nothing; `using namespace` outside the namespace is fine in a .cpp, not in a
     header; `static_assert` is fine anywhere. Exceptions, each justified:
       - cli/*.hpp may open `namespace CLI` to forward-declare CLI11 classes
         (`class App;`) so the command headers do not pull in CLI11; only
         `class X;` / `struct X;` may appear in that block;
       - cli/main.cpp defines `int main` at global scope, where C++ requires it;
  3. CMake: the folder has a CMakeLists.txt that defines `tlsprobe_<folder>` with
     add_library, and its target_link_libraries name only tlsprobe_<folder> libraries of
     allowed folders (a single-header exception does not allow linking the whole library).

tests/ and bench/ may use everything; they are not checked. A folder with tracked C++
sources that is in none of the tables fails the check, so a new folder needs a row here.

Usage: python3 .ci/check_layers.py [--root DIR] [--self-test]
Exit code 0: OK (one summary line); 1: violations (file:line, what, rule); 2: usage error.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

# Which of our headers each library folder may include, besides its own folder.
# An entry is a folder ("core": any header in core/) or one header ("engine/http_check.hpp").
# Keep it a DAG; ARCHITECTURE.md draws the same graph.
ALLOWED = {
    "core":   [],
    "wire":   ["core"],
    "x509":   ["core"],
    "engine": ["core", "wire", "x509"],
    "probe":  ["core", "wire", "x509", "engine"],
    "judge":  ["core", "wire", "x509", "probe", "engine/http_check.hpp"],
    "scan":   ["core", "wire", "x509", "engine", "probe", "judge"],
    "report": ["core", "wire", "x509", "probe", "judge", "scan", "engine/http_check.hpp"],
    "lab":    ["core", "wire", "x509"],
    "cli":    ["core", "wire", "x509", "engine", "probe", "judge", "scan", "report", "lab"],
}
# Folders that may use everything and are not libraries: not checked.
UNCHECKED = ["tests", "bench"]
# Folders without C++ sources of ours (or not C++ at all): ignored.
IGNORED = ["scripts", "testcerts", "build", ".ci"]

# Namespaces other than tlsprobe::<folder> a file may open, by (folder, file suffix).
EXTRA_NAMESPACES = {("cli", ".hpp"): ["CLI"]}  # CLI11 forward declarations only
GLOBAL_MAIN_ALLOWED = {"cli/main.cpp"}         # int main(...) lives at global scope

SOURCE_EXTS = (".cpp", ".hpp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


# --------------------------------------------------------------------------- reading C++

def strip_code(text):
    """Returns (code, directives): `code` is `text` with comments, string and character
    literals and preprocessor directives blanked (newlines kept, so offsets map to the
    same lines); `directives` maps a line number to the raw text of a directive."""
    out = list(text)
    directives = {}
    i, n, line = 0, len(text), 1
    at_line_start = True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            at_line_start = True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if at_line_start and c == "#":
            start, start_line = i, line
            while i < n and text[i] != "\n":
                if text.startswith("/*", i):  # a block comment inside a directive
                    end = text.find("*/", i + 2)
                    end = n if end < 0 else end + 2
                    line += text.count("\n", i, end)
                    i = end
                    continue
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    line += 1
                    i += 2
                    continue
                i += 1
            directives[start_line] = text[start:i]
            blank(start, i)
            continue
        at_line_start = False
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            blank(i, end)
            i = end
            continue
        if c == '"':
            # Raw string literal: R"delim( ... )delim", with an optional u8/u/U/L prefix.
            m = re.search(r"(?:u8|u|U|L)?R$", text[max(0, i - 3):i])
            if m and (i - len(m.group(0)) == 0 or not _ident(text[i - len(m.group(0)) - 1])):
                paren = text.find("(", i)
                delim = text[i + 1:paren]
                end = text.find(")" + delim + '"', paren)
                end = n if end < 0 else end + len(delim) + 2
            else:
                end = _quoted_end(text, i, '"')
            line += text.count("\n", i, end)
            blank(i + 1, end - 1)
            i = end
            continue
        if c == "'":
            # A digit separator (1'000, 0xff'ff) is not a character literal.
            j = i
            while j > 0 and _ident(text[j - 1]):
                j -= 1
            if j < i and text[j].isdigit():
                i += 1
                continue
            end = _quoted_end(text, i, "'")
            blank(i + 1, end - 1)
            i = end
            continue
        i += 1
    return "".join(out), directives


def _ident(ch):
    return ch.isalnum() or ch == "_"


def _quoted_end(text, i, quote):
    j = i + 1
    while j < len(text) and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, len(text))


TOKEN_RE = re.compile(r"[A-Za-z_]\w*|::|[{};=()]|\S")


def namespace_problems(path, code, folder):
    """Yields (line, message) for each namespace `path` opens, or declaration it makes,
    outside tlsprobe::<folder>."""
    own = ["tlsprobe", folder]
    extra = EXTRA_NAMESPACES.get((folder, os.path.splitext(path)[1]), [])
    tokens, line = [], 1
    last = 0
    for m in TOKEN_RE.finditer(code):
        line += code.count("\n", last, m.start())
        last = m.start()
        tokens.append((m.group(0), line))
    # Scope stack: (kind, qualified namespace name) with kind "ns", "extern" or "block".
    stack = []
    statement = []  # tokens of the current declaration outside tlsprobe::<folder>

    def current_ns():
        return stack[-1][1] if stack else []

    def outside_own():
        # Global scope, `namespace tlsprobe {` (opened to nest <folder>), extern "C" {.
        return all(kind == "extern" or (kind == "ns" and len(ns) < len(own) and own[:len(ns)] == ns)
                   for kind, ns in stack)

    i = 0
    while i < len(tokens):
        tok, line = tokens[i]
        prev = tokens[i - 1][0] if i else ""
        if tok == "namespace" and prev != "using":
            j, name = i + 1, []
            while j < len(tokens) and tokens[j][0] not in ("{", ";", "="):
                if tokens[j][0] not in ("::", "inline"):
                    name.append(tokens[j][0])
                j += 1
            if j >= len(tokens) or tokens[j][0] != "{":  # alias or malformed: declares nothing
                while j < len(tokens) and tokens[j][0] != ";":
                    j += 1
                i = j + 1
                continue
            parent = current_ns()
            full = parent + (name if name else ["(anonymous)"])
            if not _namespace_allowed(parent, full, own, extra):
                yield line, (f"declares namespace {'::'.join(full)}; files in {folder}/ declare "
                             f"only tlsprobe::{folder}")
            elif not parent and full[0] in extra:
                yield from _forward_declarations_only(tokens, j, f"namespace {full[0]}")
            stack.append(("ns", full))
            statement = []
            i = j + 1
            continue
        if tok == "{":
            kind = "extern" if prev == "extern" else "block"
            if kind == "block" and outside_own() and statement:
                yield from _outside_declaration(path, statement, folder)
                statement = []
            stack.append((kind, current_ns()))
        elif tok == "}":
            if stack:
                stack.pop()
        elif outside_own():
            if tok == ";":
                if statement:
                    yield from _outside_declaration(path, statement, folder)
                statement = []
            elif not (tok == "extern" and i + 1 < len(tokens) and tokens[i + 1][0] == "{"):
                statement.append((tok, line))
        i += 1
    if stack:
        yield tokens[-1][1], "unbalanced braces after blanking comments and literals; cannot check namespaces"


def _namespace_allowed(parent, full, own, extra):
    if full[:len(own)] == own:
        return True                      # tlsprobe::<folder> and anything nested in it
    if not parent and full == own[:len(full)]:
        return True                      # `namespace tlsprobe {` opened to nest <folder>
    return bool(full) and full[0] in extra and not parent


def _forward_declarations_only(tokens, brace, what):
    j, depth = brace + 1, 1
    decl = []
    while j < len(tokens) and depth:
        tok, line = tokens[j]
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                break
        if tok == ";":
            words = [t for t, _ in decl]
            if not (len(words) == 2 and words[0] in ("class", "struct")):
                yield decl[0][1], f"{what} may only forward-declare (`class X;`), found: {' '.join(words)}"
            decl = []
        elif depth == 1 and tok != "}":
            decl.append((tok, line))
        j += 1


def _outside_declaration(path, statement, folder):
    words = [t for t, _ in statement]
    if path in GLOBAL_MAIN_ALLOWED and "main" in words and "(" in words:
        return
    if words[:2] == ["using", "namespace"] and path.endswith(".cpp"):
        return                           # a .cpp may use a namespace; a header may not
    if words[:1] == ["static_assert"]:
        return
    shown = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
    yield statement[0][1], (f"declares outside tlsprobe::{folder} ({shown}); files in "
                            f"{folder}/ declare only tlsprobe::{folder}")


# --------------------------------------------------------------------------- the check

def tracked_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                         capture_output=True, text=True).stdout
    return [p for p in out.split("\0") if p]


def rule_text(folder):
    allowed = ALLOWED[folder]
    return f"{folder}/ may include {folder}/" + "".join(f", {a}" for a in allowed)


def include_allowed(folder, header):
    target = header.split("/", 1)[0]
    if target == folder:
        return True
    return any(entry == target if "/" not in entry else entry == header
               for entry in ALLOWED[folder])


def check_cmake(root, folder, problems):
    path = f"{folder}/CMakeLists.txt"
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        problems.append(f"{path}: missing; every library folder is one CMake library tlsprobe_{folder}")
        return
    with open(full, encoding="utf-8") as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    if not re.search(r"\badd_library\s*\(\s*tlsprobe_%s\b" % re.escape(folder), text):
        problems.append(f"{path}: does not define tlsprobe_{folder} (add_library)")
    for m in re.finditer(r"\btarget_link_libraries\s*\(\s*tlsprobe_%s\b([^)]*)\)" % re.escape(folder), text):
        for dep in re.findall(r"\btlsprobe_(\w+)", m.group(1)):
            if dep in ALLOWED and dep != folder and dep not in ALLOWED[folder]:
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{path}:{line}: tlsprobe_{folder} links tlsprobe_{dep}; "
                                f"rule: {rule_text(folder)}")


def check(root):
    """Returns (problems, n_files, n_includes)."""
    problems, n_files, n_includes = [], 0, 0
    files = tracked_files(root)
    tracked = set(files)
    folders_with_sources = set()
    for path in files:
        if "/" in path and path.endswith(SOURCE_EXTS):
            folders_with_sources.add(path.split("/", 1)[0])
    for folder in sorted(folders_with_sources - set(ALLOWED) - set(UNCHECKED) - set(IGNORED)):
        problems.append(f"{folder}/: C++ sources in a folder that is not in ALLOWED of "
                        f".ci/check_layers.py; add its row (and ARCHITECTURE.md)")
    for folder in ALLOWED:
        if any(p.startswith(folder + "/") for p in files):
            check_cmake(root, folder, problems)

    for path in files:
        folder = path.split("/", 1)[0] if "/" in path else ""
        if folder not in ALLOWED or not path.endswith(SOURCE_EXTS):
            continue
        n_files += 1
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        code, directives = strip_code(text)
        for line, directive in sorted(directives.items()):
            m = INCLUDE_RE.match(directive)
            if not m:
                continue
            header = m.group(2).strip()
            if "/" not in header:
                # "x.hpp" next to the file: its own folder (if it is ours at all).
                if os.path.join(folder, header) in tracked:
                    n_includes += 1
                continue
            if header.split("/", 1)[0] not in set(ALLOWED) | set(UNCHECKED):
                continue                  # a third-party header (<boost/...>, <fmt/...>)
            if m.group(1) == "<" and header not in tracked:
                continue
            n_includes += 1
            if header.split("/", 1)[0] in UNCHECKED or not include_allowed(folder, header):
                problems.append(f'{path}:{line}: #include "{header}"; rule: {rule_text(folder)}')
        for line, message in namespace_problems(path, code, folder):
            problems.append(f"{path}:{line}: {message}")
    return problems, n_files, n_includes


# --------------------------------------------------------------------------- self-test

GOOD_TREE = {
    "core/CMakeLists.txt": "add_library(tlsprobe_core STATIC version.cpp)\n",
    "core/version.hpp": "#pragma once\n#include <string>\nnamespace tlsprobe::core {\nstruct V {};\n}\n",
    "core/version.cpp": ('#include "core/version.hpp"\n// #include "probe/x.hpp" in a comment\n'
                         'namespace tlsprobe::core {\nnamespace {\nint k = 1\'000;\n'
                         'const char* s = "namespace evil {";\n}\n}\n'),
    "engine/CMakeLists.txt": ("add_library(tlsprobe_engine STATIC http_check.cpp engines.cpp)\n"
                              "target_link_libraries(tlsprobe_engine PUBLIC tlsprobe_core PRIVATE tlsprobe_flags)\n"),
    "engine/http_check.hpp": '#pragma once\n#include "core/version.hpp"\nnamespace tlsprobe::engine {\nstruct HttpCheck {};\n}\n',
    "engine/engines.hpp": "#pragma once\nnamespace tlsprobe::engine {\nnamespace asio = boost::asio;\nstruct Engines;\n}\n",
    "probe/CMakeLists.txt": "add_library(tlsprobe_probe STATIC p.cpp)\ntarget_link_libraries(tlsprobe_probe PUBLIC tlsprobe_engine)\n",
    "probe/p.hpp": ('#pragma once\n#include "engine/engines.hpp"\n'
                    "namespace tlsprobe {\nnamespace probe::detail {\nint f();\n}\n}\n"),
    "judge/CMakeLists.txt": "add_library(tlsprobe_judge STATIC j.cpp)\n",
    "judge/j.cpp": ('#include "probe/p.hpp"\n#include "engine/http_check.hpp"\n'
                    'using namespace std::chrono;\nnamespace tlsprobe::judge {\n'
                    'static auto css = R"x(namespace no {)x";\n}\n'),
    "cli/CMakeLists.txt": "add_library(tlsprobe_cli STATIC main.cpp)\n",
    "cli/c.hpp": '#pragma once\n#include "probe/p.hpp"\nnamespace CLI {\nclass App;\n}\nnamespace tlsprobe::cli {\n}\n',
    "cli/main.cpp": '#include "cli/c.hpp"\nint main(int argc, char** argv) {\n    return 0;\n}\n',
    "tests/t.cpp": '#include "cli/c.hpp"\n#include "support.hpp"\nint helper() { return 1; }\n',
}

# name -> (files to add or replace, text every expected problem line must contain)
BAD_CASES = {
    "upward include (core -> probe)": (
        {"core/version.cpp": '#include "probe/p.hpp"\nnamespace tlsprobe::core {\n}\n'},
        'core/version.cpp:1: #include "probe/p.hpp"'),
    "judge includes engine/engines.hpp (only http_check.hpp is allowed)": (
        {"judge/j.cpp": '#include "engine/engines.hpp"\nnamespace tlsprobe::judge {\n}\n'},
        'judge/j.cpp:1: #include "engine/engines.hpp"'),
    "angle-bracket include of our header": (
        {"engine/engines.hpp": "#pragma once\n#include <probe/p.hpp>\nnamespace tlsprobe::engine {\n}\n"},
        'engine/engines.hpp:2: #include "probe/p.hpp"'),
    "library includes tests/": (
        {"judge/j.cpp": '#include "tests/t.hpp"\nnamespace tlsprobe::judge {\n}\n',
         "tests/t.hpp": "#pragma once\n"},
        'judge/j.cpp:1: #include "tests/t.hpp"'),
    "wrong namespace (judge file in tlsprobe::probe)": (
        {"judge/j.cpp": "namespace tlsprobe::probe {\nint x;\n}\n"},
        "judge/j.cpp:1: declares namespace tlsprobe::probe"),
    "nested wrong namespace (tlsprobe { engine { )": (
        {"probe/p.hpp": "#pragma once\nnamespace tlsprobe {\nnamespace engine {\n}\n}\n"},
        "probe/p.hpp:3: declares namespace tlsprobe::engine"),
    "declaration at global scope": (
        {"core/version.hpp": "#pragma once\nstruct Leak {};\nnamespace tlsprobe::core {\n}\n"},
        "core/version.hpp:2: declares outside tlsprobe::core (struct Leak)"),
    "declaration directly in namespace tlsprobe": (
        {"probe/p.hpp": "#pragma once\nnamespace tlsprobe {\nint g();\nnamespace probe {\n}\n}\n"},
        "probe/p.hpp:3: declares outside tlsprobe::probe (int g ( ))"),
    "using namespace at global scope in a header": (
        {"core/version.hpp": "#pragma once\nusing namespace std;\nnamespace tlsprobe::core {\n}\n"},
        "core/version.hpp:2: declares outside tlsprobe::core (using namespace std)"),
    "anonymous namespace at global scope": (
        {"core/version.cpp": "namespace {\nint x;\n}\nnamespace tlsprobe::core {\n}\n"},
        "core/version.cpp:1: declares namespace (anonymous)"),
    "namespace CLI outside cli/ headers": (
        {"cli/main.cpp": "namespace CLI {\nclass App;\n}\nint main() { return 0; }\n"},
        "cli/main.cpp:1: declares namespace CLI"),
    "namespace CLI with more than forward declarations": (
        {"cli/c.hpp": "#pragma once\nnamespace CLI {\nclass App;\nint helper();\n}\n"},
        "cli/c.hpp:4: namespace CLI may only forward-declare"),
    "main() outside cli/main.cpp": (
        {"judge/j.cpp": "int main() { return 0; }\n"},
        "judge/j.cpp:1: declares outside tlsprobe::judge (int main"),
    "missing CMakeLists.txt": (
        {"judge/CMakeLists.txt": None},
        "judge/CMakeLists.txt: missing"),
    "CMakeLists.txt without tlsprobe_<folder>": (
        {"judge/CMakeLists.txt": "add_library(tlsprobe_verdict STATIC j.cpp)\n"},
        "judge/CMakeLists.txt: does not define tlsprobe_judge"),
    "upward link in CMake": (
        {"engine/CMakeLists.txt": ("add_library(tlsprobe_engine STATIC e.cpp)\n"
                                   "target_link_libraries(tlsprobe_engine\n  PUBLIC tlsprobe_probe)\n")},
        "engine/CMakeLists.txt:2: tlsprobe_engine links tlsprobe_probe"),
    "folder missing from the table": (
        {"newstage/x.cpp": "namespace tlsprobe::newstage {\n}\n"},
        "newstage/: C++ sources in a folder that is not in ALLOWED"),
}


def _make_tree(base, files):
    os.makedirs(base)
    for path, text in files.items():
        if text is None:
            continue
        full = os.path.join(base, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", base], check=True, env=env)
    subprocess.run(["git", "-C", base, "add", "-A"], check=True, env=env)


def self_test():
    failures = []
    with tempfile.TemporaryDirectory(prefix="check_layers.") as tmp:
        good = os.path.join(tmp, "good")
        _make_tree(good, GOOD_TREE)
        problems, n_files, _ = check(good)
        if problems or n_files == 0:
            failures.append("good tree: expected no problems, got:\n    " + "\n    ".join(problems))
        for k, (name, (changes, expected)) in enumerate(BAD_CASES.items()):
            base = os.path.join(tmp, f"bad{k}")
            _make_tree(base, {**GOOD_TREE, **changes})
            problems, _, _ = check(base)
            if not any(expected in p for p in problems):
                failures.append(f"{name}: expected a problem containing {expected!r}, got:\n    "
                                + ("\n    ".join(problems) or "(none)"))
            elif len(problems) != 1:
                failures.append(f"{name}: expected exactly one problem, got:\n    "
                                + "\n    ".join(problems))
    if failures:
        print("layers self-test FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"layers self-test: 1 good tree and {len(BAD_CASES)} bad trees behave as expected")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                        help="repository root (default: the one holding this script)")
    parser.add_argument("--self-test", action="store_true",
                        help="check this script against small synthetic trees")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems, n_files, n_includes = check(os.path.abspath(args.root))
    if problems:
        print(f"layers: {len(problems)} violation(s) (see ARCHITECTURE.md):", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"layers: {n_files} files, {n_includes} includes, all in the allowed direction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
