#!/usr/bin/env python3
"""Every target declares what it imports and imports only what it declares.

Reads Package.swift's targets (name, dependencies, path) and the `import` lines of each
target's Swift files; prints every module a target imports without declaring it, and every
dependency it declares but never imports. Exit 1 when there is any. System modules
(Foundation, Glibc, Testing, ...) are not dependencies and are ignored.
"""
import os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM = {"Foundation", "FoundationXML", "FoundationNetworking", "Glibc", "Dispatch", "Testing",
          "XCTest", "PackageDescription", "Synchronization", "os"}

def blocks(text, opener):
    """The text inside each `opener(...)` call, parentheses balanced."""
    out = []
    for m in re.finditer(re.escape(opener) + r"\(", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end():i - 1])
    return out

def targets():
    text = open(os.path.join(ROOT, "Package.swift")).read()
    text = re.sub(r"//[^\n]*", "", text)
    found = []
    for kind, base in ((".target", "Sources"), (".executableTarget", "Sources"), (".testTarget", "Tests")):
        for body in blocks(text, kind):
            name = re.search(r'name:\s*"([^"]+)"', body).group(1)
            deps = set()
            d = re.search(r"dependencies:\s*\[", body)
            if d:
                depth, i = 1, d.end()
                while depth:
                    depth += {"[": 1, "]": -1}.get(body[i], 0)
                    i += 1
                listed = body[d.end():i - 1]
                deps |= set(re.findall(r'\.product\(name:\s*"([^"]+)"', listed))
                deps |= set(re.findall(r'"([^"]+)"', re.sub(r"\.product\([^)]*\)", "", listed)))
            p = re.search(r'path:\s*"([^"]+)"', body)
            found.append((name, deps, p.group(1) if p else f"{base}/{name}"))
    return found

def imports(path):
    mods = set()
    for dirpath, _, files in os.walk(os.path.join(ROOT, path)):
        if "/Fixtures" in dirpath:
            continue
        for f in files:
            if f.endswith(".swift"):
                for line in open(os.path.join(dirpath, f)):
                    # Imports open a file: stop at its first declaration (so that the text of
                    # a string literal, a Python script in a test, is never read as one).
                    t = line.strip()
                    if t and not t.startswith(("//", "import", "@testable", "@_exported", "@preconcurrency", "#if", "#else", "#endif")):
                        break
                    m = re.match(r"\s*(?:@testable\s+|@_exported\s+|@preconcurrency\s+)*import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?(\w+)", line)
                    if m:
                        mods.add(m.group(1))
    return mods - SYSTEM

problems = 0
for name, deps, path in targets():
    used = imports(path)
    for m in sorted(used - deps):
        print(f"{name}: imports {m} without declaring it"); problems += 1
    for m in sorted(deps - used):
        print(f"{name}: declares {m} but never imports it"); problems += 1
sys.exit(1 if problems else 0)
