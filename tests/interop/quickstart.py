"""Runs the analyst quickstart snippets of README.md exactly as written (polars, pandas,
DuckDB) against a warehouse, and checks that every rate they compute equals the one
`juesuan compare --format json` reports. Usage: quickstart.py README WAREHOUSE COMPARE_JSON"""

import json
import math
import re
import sys

readme, warehouse, compare_json = sys.argv[1:4]
text = open(readme, encoding="utf-8").read()
snippets = re.findall(r"<!-- quickstart: (\w+) -->\s*```python\n(.*?)```", text, re.S)
assert [name for name, _ in snippets] == ["polars", "pandas", "duckdb"], [n for n, _ in snippets]

expected = {}
for unit in json.load(open(compare_json, encoding="utf-8"))["units"]:
    for code, cell in unit["cells"].items():
        if cell["rate"] is not None:
            expected[(unit["unit_name"], code)] = cell["rate"]
assert len({u for u, _ in expected}) == 15, "compare shows 15 街道"

for name, code in snippets:
    scope = {"wh": warehouse}
    exec(code, scope)
    rates = scope["rates"]
    rows = rates.to_dicts() if name == "polars" else rates.to_dict("records")
    got = {(r["unit_name"], r["code"]): float(r["rate"]) for r in rows}
    assert set(got) == set(expected), (name, sorted(set(got) ^ set(expected))[:5])
    for key, rate in expected.items():
        assert math.isclose(got[key], rate, rel_tol=1e-12), (name, key, got[key], rate)
    print(f"{name}: {len(got)} rates agree with juesuan compare")
print("quickstart snippets agree")
