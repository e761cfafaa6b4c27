#!/usr/bin/env python3
"""Checks an executed notebook (stdlib only): every code cell has an execution count, no output is an
error, every cell tagged "image" has an image/png output, and there is at least one image. Prints one line
and exits 1 on the first problem; prints a summary and exits 0 otherwise."""
import base64
import json
import sys

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def first_line(src):
    text = "".join(src) if isinstance(src, list) else src
    return (text.strip().splitlines() or [""])[0][:70]


def check(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    code_cells = [(i, c) for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"]
    if not code_cells:
        return f"{path}: no code cells"
    images = 0
    tagged = 0
    for i, cell in code_cells:
        where = f"{path}: cell {i} ({first_line(cell.get('source', ''))!r})"
        if not isinstance(cell.get("execution_count"), int):
            return f"{where} did not run (no execution_count)"
        outputs = cell.get("outputs", [])
        for out in outputs:
            if out.get("output_type") == "error":
                return f"{where} failed: {out.get('ename', '?')}: {out.get('evalue', '')}".splitlines()[0][:300]
        pngs = [o["data"]["image/png"] for o in outputs
                if o.get("output_type") in ("execute_result", "display_data") and "image/png" in o.get("data", {})]
        for p in pngs:
            data = base64.b64decode("".join(p) if isinstance(p, list) else p)
            if not data.startswith(PNG_MAGIC):
                return f"{where} has image/png output that is not a PNG"
        images += len(pngs)
        if "image" in cell.get("metadata", {}).get("tags", []):
            tagged += 1
            if not pngs:
                return f"{where} is tagged 'image' but has no image/png output"
    if images == 0 or images < tagged:
        return f"{path}: expected at least {max(1, tagged)} image/png outputs, found {images}"
    print(f"notebook: {path}: {len(code_cells)} code cells ran, no errors, {images} image(s)")
    return None


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: notebook_check.py EXECUTED.ipynb...", file=sys.stderr)
        sys.exit(2)
    for p in sys.argv[1:]:
        problem = check(p)
        if problem:
            print(f"notebook: FAIL: {problem}", file=sys.stderr)
            sys.exit(1)
