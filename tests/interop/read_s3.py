"""Reads the warehouse juesuan published to S3 the way an analyst would: resolve the pointer
(_juesuan/current.json), then open every dataset of that version with pyarrow's
S3FileSystem and hive partitioning. Money must arrive as decimal128(18, 2).

usage: read_s3.py ENDPOINT BUCKET PREFIX
prints: "<dataset> rows N" for each dataset and "expenditure rows N actual SUM".
"""
import json
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyarrow import fs

endpoint, bucket, prefix = sys.argv[1:4]
scheme, host = endpoint.split("://", 1)
s3 = fs.S3FileSystem(
    endpoint_override=host,
    scheme=scheme,
    access_key="testing",
    secret_key="testing",
    region="us-east-1",
)
with s3.open_input_stream(f"{bucket}/{prefix}/_juesuan/current.json") as f:
    version = json.load(f)["version"]
root = f"{bucket}/{prefix}/versions/{version}"
for name in ["expenditure", "execution", "units", "economic_expenditure",
             "performance_projects", "findings", "rejects"]:
    table = ds.dataset(f"{root}/{name}", filesystem=s3, format="parquet",
                       partitioning="hive").to_table()
    print(f"{name} rows {table.num_rows}")
    if name == "expenditure":
        assert table.schema.field("actual").type == pa.decimal128(18, 2), table.schema
        assert pa.types.is_integer(table.schema.field("year").type), table.schema
        total = pc.sum(table["actual"]).as_py() or Decimal("0.00")
        print(f"expenditure rows {table.num_rows} actual {total}")
