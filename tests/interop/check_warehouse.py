"""Opens every dataset of a juesuan warehouse with the plain calls of CONTRACT.md and checks
types, row counts against _manifest.json and exact values. Usage: check_warehouse.py WAREHOUSE"""

import decimal
import json
import pathlib
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

wh = pathlib.Path(sys.argv[1])
manifest = json.loads((wh / "_manifest.json").read_text())
assert (wh / "_SUCCESS").is_file(), "no _SUCCESS"

MONEY = ["actual", "basic", "project", "budget_initial", "budget_final"]
D = decimal.Decimal

for name, info in manifest["datasets"].items():
    path = wh / name
    if info["rows"] == 0:
        continue
    glob = f"{path}/**/*.parquet"

    t = ds.dataset(path, partitioning="hive", format="parquet").to_table()
    assert t.num_rows == info["rows"], (name, t.num_rows, info["rows"])
    assert t.schema.field("year").type == pa.int32(), t.schema.field("year").type

    p = pl.scan_parquet(glob, hive_partitioning=True).collect()
    assert p.height == info["rows"]
    assert p.schema["year"] == pl.Int64, p.schema["year"]

    con = duckdb.connect()
    n = con.execute(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)").fetchone()[0]
    assert n == info["rows"]
    year_type = con.execute(f"select typeof(year) from read_parquet('{glob}', hive_partitioning=true) limit 1").fetchone()[0]
    assert year_type == "BIGINT", year_type

    df = pd.read_parquet(path)
    assert len(df) == info["rows"]

    if name == "expenditure":
        for col in MONEY:
            assert t.schema.field(col).type == pa.decimal128(18, 2), (col, t.schema.field(col).type)
            assert p.schema[col] == pl.Decimal(18, 2), (col, p.schema[col])
            ty = con.execute(f"select typeof({col}) from read_parquet('{glob}', hive_partitioning=true) limit 1").fetchone()[0]
            assert ty == "DECIMAL(18,2)", (col, ty)
            assert df[col].dropna().map(type).eq(D).all(), col  # pandas keeps decimal.Decimal objects
        key = dict(year=2023, unit_id="110102-xinjiekou", fund="general_public", code="201")
        row = t.filter(
            (pa.compute.field("year") == 2023)
            & (pa.compute.field("unit_id") == key["unit_id"])
            & (pa.compute.field("fund") == key["fund"])
            & (pa.compute.field("code") == key["code"])
        ).to_pylist()
        assert len(row) == 1 and row[0]["actual"] == D("117241100.00"), row
        pv = p.filter(
            (pl.col("year") == 2023) & (pl.col("unit_id") == key["unit_id"]) & (pl.col("fund") == key["fund"]) & (pl.col("code") == key["code"])
        )["actual"].to_list()
        assert pv == [D("117241100.00")], pv
        dv = con.execute(
            f"select sum(actual) from read_parquet('{glob}', hive_partitioning=true) "
            "where year = 2023 and unit_id = '110102-xinjiekou' and fund = 'general_public' and level = 1"
        ).fetchone()[0]
        assert dv == D("399656100.00"), dv
        pdv = df[(df.unit_id == key["unit_id"]) & (df.fund == "all") & (df.level == 1) & (df.year.astype(int) == 2023)]["actual"].sum()
        assert pdv == D("399858300.00"), pdv
    print(f"{name}: {info['rows']} rows, pyarrow/polars/duckdb/pandas ok")

print("all readers agree")
