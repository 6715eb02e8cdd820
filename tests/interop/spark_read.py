"""Spark in local mode reads every dataset of a local juesuan warehouse with
spark.read.parquet and no options: money columns are decimal(18,2), `year` is the integer
partition column, and the row counts are the manifest's.

usage: spark_read.py WAREHOUSE
prints: "<dataset> rows N" for each dataset, then "spark agrees".
"""
import json
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql.types import DecimalType, IntegerType

warehouse = os.path.realpath(sys.argv[1])
with open(os.path.join(warehouse, "_manifest.json"), encoding="utf-8") as f:
    manifest = json.load(f)
spark = (SparkSession.builder.master("local[1]").appName("juesuan-interop")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.sql.session.timeZone", "UTC")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
# Money columns of the datasets of figures (findings' `actual` is the text as printed).
money = {"actual", "budget_initial", "budget_final", "basic", "project"}
figures = {"expenditure", "execution", "economic_expenditure"}
for name, entry in manifest["datasets"].items():
    df = spark.read.parquet(os.path.join(warehouse, name))
    fields = {f.name: f.dataType for f in df.schema.fields}
    assert isinstance(fields["year"], IntegerType), (name, fields["year"])
    if name in figures:
        assert fields["actual"] == DecimalType(18, 2), (name, fields["actual"])
        for column in money & fields.keys():
            assert fields[column] == DecimalType(18, 2), (name, column, fields[column])
    # Every decimal anywhere is money: decimal(18,2).
    for column, kind in fields.items():
        if isinstance(kind, DecimalType):
            assert kind == DecimalType(18, 2), (name, column, kind)
    rows = df.count()
    assert rows == entry["rows"], (name, rows, entry["rows"])
    print(f"{name} rows {rows}")
    if name == "expenditure":
        total = df.agg({"actual": "sum"}).collect()[0][0]
        print(f"expenditure actual {total}")
spark.stop()
print("spark agrees")
