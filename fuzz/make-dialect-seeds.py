#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-dialect (fuzz/corpus/fuzz-dialect/).

One seed per top-level function or module of the dialect and conversion
tests and of the examples, with comment lines removed: small inputs that
each reach one op, one verifier check or one lowering. The hand-added
`regress*` inputs (each once crashed a target) are kept.

    fuzz/make-dialect-seeds.py    (from the repository root)
"""
import hashlib
import pathlib
import re

SOURCES = sorted(pathlib.Path("test/Dialect").rglob("*.mlir")) + sorted(
    pathlib.Path("test/Conversion").rglob("*.mlir")) + sorted(
        pathlib.Path("examples").glob("*.mlir"))
OUT = pathlib.Path("fuzz/corpus/fuzz-dialect")
MAX_BYTES = 8192  # scripts/fuzz.sh's -max_len for this target
REGRESSION_PREFIX = "regress"


def chunks(text):
    """Top-level functions and modules, without comment lines."""
    lines = [l for l in text.splitlines() if not l.lstrip().startswith("//")]
    current = []
    for line in lines:
        if re.match(r"(func\.func|module|gpu\.module)\b", line) and current:
            yield "\n".join(current).strip() + "\n"
            current = []
        if line.strip() or current:
            current.append(line)
    if current:
        yield "\n".join(current).strip() + "\n"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # Seeds of earlier runs go; the inputs that once crashed a target
    # (regress*, added by hand) stay.
    for old in OUT.iterdir():
        if not old.name.startswith(REGRESSION_PREFIX):
            old.unlink()
    for source in SOURCES:
        for i, chunk in enumerate(chunks(source.read_text())):
            if len(chunk) > MAX_BYTES:
                continue
            digest = hashlib.sha1(chunk.encode()).hexdigest()[:8]
            name = f"{source.stem}-{i:03d}-{digest}.mlir"
            (OUT / name).write_text(chunk)


if __name__ == "__main__":
    main()
