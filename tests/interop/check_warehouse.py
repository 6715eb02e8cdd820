"""Opens every dataset of a juesuan warehouse with the plain calls of CONTRACT.md, in
pyarrow, polars, DuckDB and pandas, and checks each column's type against the committed data
dictionary (data/SCHEMA.md, itself checked against `juesuan schema`), the row counts against
_manifest.json, and exact values. Usage: check_warehouse.py WAREHOUSE SCHEMA_MD"""

import decimal
import json
import pathlib
import re
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

D = decimal.Decimal
wh = pathlib.Path(sys.argv[1])
manifest = json.loads((wh / "_manifest.json").read_text())
assert (wh / "_SUCCESS").is_file(), "no _SUCCESS"

# dataset -> {column: type} from the data dictionary.
dictionary, current = {}, None
for line in pathlib.Path(sys.argv[2]).read_text().splitlines():
    if m := re.match(r"^## `(\w+)`", line):
        current = dictionary.setdefault(m.group(1), {})
    elif current is not None and (m := re.match(r"^\| (\w+) \| ([^|]+) \|", line)) and m.group(1) not in ("column", "year"):
        current[m.group(1)] = m.group(2).strip()

ARROW = {"string": (pa.string(), pa.large_string()), "int8": (pa.int8(),), "int32": (pa.int32(),), "float64": (pa.float64(),), "decimal(18,2)": (pa.decimal128(18, 2),)}
POLARS = {"string": pl.String, "int8": pl.Int8, "int32": pl.Int32, "float64": pl.Float64, "decimal(18,2)": pl.Decimal(18, 2)}
DUCK = {"string": "VARCHAR", "int8": "TINYINT", "int32": "INTEGER", "float64": "DOUBLE", "decimal(18,2)": "DECIMAL(18,2)"}

assert set(dictionary) == set(manifest["datasets"]), (sorted(dictionary), sorted(manifest["datasets"]))
con = duckdb.connect()
tables = {}
for name, columns in dictionary.items():
    path = wh / name
    rows = manifest["datasets"][name]["rows"]
    glob = f"{path}/**/*.parquet"

    t = ds.dataset(path, partitioning="hive", format="parquet").to_table()
    assert t.num_rows == rows, (name, t.num_rows, rows)
    assert t.schema.field("year").type == pa.int32(), t.schema.field("year").type
    assert [f for f in t.schema.names if f != "year"] == list(columns), (name, t.schema.names)
    for col, ty in columns.items():
        assert t.schema.field(col).type in ARROW[ty], (name, col, t.schema.field(col).type, ty)

    p = pl.scan_parquet(glob, hive_partitioning=True).collect()
    assert p.height == rows and p.schema["year"] == pl.Int64, (name, p.height, p.schema["year"])
    for col, ty in columns.items():
        assert p.schema[col] == POLARS[ty], (name, col, p.schema[col], ty)

    described = {r[0]: r[1] for r in con.execute(f"describe select * from read_parquet('{glob}', hive_partitioning=true)").fetchall()}
    assert described["year"] == "BIGINT", described["year"]
    for col, ty in columns.items():
        assert described[col] == DUCK[ty], (name, col, described[col], ty)
    assert con.execute(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)").fetchone()[0] == rows

    df = pd.read_parquet(path)
    assert len(df) == rows
    for col, ty in columns.items():
        if ty == "decimal(18,2)":
            assert df[col].dropna().map(type).eq(D).all(), (name, col)  # pandas keeps decimal.Decimal
    tables[name] = t
    print(f"{name}: {rows} rows, {len(columns)} columns: pyarrow, polars, duckdb, pandas agree with the dictionary")

# Exact values, each read by a different reader.
key = (pc.field("year") == 2023) & (pc.field("unit_id") == "110102-xinjiekou")
e = tables["expenditure"].filter(key & (pc.field("fund") == "general_public") & (pc.field("source") == "table05") & (pc.field("code") == "201")).to_pylist()
assert len(e) == 1 and e[0]["actual"] == D("117241100.00") and e[0]["budget_initial"] == D("124658000.00"), e
assert e[0]["unit_code"] == "110102003", e  # the 统计用区划代码, a string in every reader
codes = con.execute(f"select distinct unit_code from read_parquet('{wh}/units/**/*.parquet', hive_partitioning=true) "
                    "where unit_id = '110102-xinjiekou'").fetchall()
assert codes == [("110102003",)], codes
pv = pl.scan_parquet(f"{wh}/units/**/*.parquet", hive_partitioning=True).filter(
    (pl.col("year") == 2023) & (pl.col("unit_id") == "110102-xinjiekou")).select("income_total", "basic", "project").collect().row(0)
assert pv == (D("399858300.00"), D("107958600.00"), D("291899700.00")), pv
dv = con.execute(f"select rate_initial from read_parquet('{wh}/execution/**/*.parquet', hive_partitioning=true) "
                 "where year = 2023 and unit_id = '110102-xinjiekou' and fund = 'general_public' and code = '201'").fetchone()[0]
assert abs(dv - 117241100 / 124658000) < 1e-12, dv
df = pd.read_parquet(wh / "expenditure")
pdv = df[(df.unit_id == "110102-xinjiekou") & (df.source == "table03") & (df.level == 1) & (df.year.astype(int) == 2023)]["actual"].sum()
assert pdv == D("399858300.00"), pdv
print("all readers agree")
