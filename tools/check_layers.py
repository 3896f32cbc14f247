#!/usr/bin/env python3
"""Checks that every folder includes only the folders below it (docs/architecture.md).

Each product folder is one layer; a subfolder belongs to its parent's layer unless it is a layer of its
own (output/parquet is part of the output library; output/report is the report library above it). A
project include ("dns/resolver.h") may name only the file's own layer or a layer listed as allowed for
it, so no folder can include a folder that includes it back. Foreign headers are checked too: only the
layers that drive a library may include it (uv.h stays in the engine and dns/, STYLE.md rule 1).

Usage: tools/check_layers.py [ROOT]   exit 0 when clean, 1 with one line per violation.
"""
import pathlib
import re
import sys

# layer -> layers it may include (its own is always allowed).
ALLOWED = {
    "core": [],
    "dns": ["core"],
    "http": ["core"],
    "output": ["core"],
    "output/report": ["core", "output"],
    "scanner": ["core", "dns", "http", "output", "output/report"],
    "tools": ["core"],
    "bench": ["core", "dns", "http", "output", "output/report", "scanner", "bench"],
    "tests": ["core", "dns", "http", "output", "output/report", "scanner", "tests", "tools"],
}

# Foreign headers (a prefix of the <...> name) and the files that may include them. The error map
# (core/error_map.cc) reads every library's error constants; nothing else in core/ touches them.
FOREIGN = {
    "uv.h": ("dns/", "scanner/", "tools/", "tests/", "bench/"),
    "ares": ("dns/", "tests/", "bench/"),
    # scanner/sha256.cc: the journal's input digest and salted secrets (OpenSSL's EVP SHA-256 and RAND).
    "openssl/": ("http/", "scanner/sha256.", "tools/", "tests/", "bench/"),
    "llhttp": ("http/", "tools/", "tests/", "bench/"),
    "nghttp2/": ("http/", "tools/", "tests/", "bench/"),
}
ERROR_MAP = "core/error_map.cc"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = (".h", ".cc", ".c", ".inc")


def layer_of(rel: str) -> str | None:
    parts = rel.split("/")
    for depth in (2, 1):
        name = "/".join(parts[:depth])
        if len(parts) > depth and name in ALLOWED:
            return name
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    problems = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in SOURCES or rel.startswith(("build", ".")) or "/node_modules/" in rel:
            continue
        layer = layer_of(rel)
        if layer is None:
            continue
        for number, text in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(text)
            if not m:
                continue
            kind, name = m.groups()
            if kind == '"':
                if "/" not in name:
                    continue
                target = layer_of(name)
                if target is None:
                    continue  # absl/..., a generated or third-party header
                if target != layer and target not in ALLOWED[layer]:
                    problems.append(f"{rel}:{number}: layer '{layer}' may not include '{name}' (layer '{target}')")
            else:
                for prefix, allowed in FOREIGN.items():
                    if name.startswith(prefix) and rel != ERROR_MAP and not rel.startswith(allowed):
                        problems.append(f"{rel}:{number}: layer '{layer}' may not include <{name}>")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
