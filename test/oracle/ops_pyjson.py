"""Ops for Python-compatible JSON: what Python's json module writes and reads.

Values cross in a small wire form of their own (so int/float kinds survive whatever the test
side's float marks do): ["n"], ["b", bool], ["i", "digits"], ["f", "repr"], ["s", str],
["l", [items]], ["d", [[key, value], ...]].
"""
import json


def from_wire(wire):
    tag = wire[0]
    if tag == "n":
        return None
    if tag == "b":
        return bool(wire[1])
    if tag == "i":
        return int(wire[1])
    if tag == "f":
        return float(wire[1])
    if tag == "s":
        return wire[1]
    if tag == "l":
        return [from_wire(item) for item in wire[1]]
    if tag == "d":
        return {key: from_wire(value) for key, value in wire[1]}
    raise ValueError(f"unknown wire tag {tag!r}")


def dumps(case):
    """case: {"wire": value, "indent"?: int, "ensure_ascii"?: bool}; the json.dumps text."""
    return json.dumps(from_wire(case["wire"]), indent=case.get("indent"),
                      ensure_ascii=case.get("ensure_ascii", True))


def loads(case):
    """case: JSON text; json.dumps(json.loads(text)) (the text shows int/float kinds and order)."""
    return json.dumps(json.loads(case))


OPS = {"dumps": dumps, "loads": loads}
