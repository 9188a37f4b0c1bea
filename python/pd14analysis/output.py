"""CSV tables and JSON documents, written the same way by every tool.

CSV: one row per dict, floats with 6 significant digits, None as an empty
cell. JSON: indented by one space, numpy numbers and arrays as plain JSON,
ending in a newline; "-" as the destination prints to stdout.
"""

import csv
import json


def write_csv(path, rows, columns=None):
    """Write dicts as CSV rows. columns: the header, in order (keys not in
    it are left out); by default every key of the rows, in first-seen order."""
    if columns is None:
        columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _csv_value(row.get(c)) for c in columns})


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def write_json(obj, dest):
    """Write obj as JSON to the file dest, or to stdout if dest is "-"."""
    text = json.dumps(obj, indent=1, default=_json_default)
    if dest == "-":
        print(text)
    else:
        with open(dest, "w") as f:
            f.write(text + "\n")


def _json_default(obj):
    # numpy scalars and arrays (tolist gives Python numbers and lists); the
    # tools need no numpy import for that.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(type(obj).__name__)
