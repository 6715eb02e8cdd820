"""One table of every workbook under DIR into one Parquet file, with a Python tool: the
baselines juesuan is compared with. `python3 bench/baseline.py openpyxl|calamine|polars DIR OUT`.

Each reads the first sheet of each workbook (what a notebook would do first), as text, and
writes all of them to OUT as one Parquet file."""
import pathlib
import sys

engine, root, out = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".xlsx", ".xls"))
if engine == "polars":
    import polars as pl

    frames = []
    for f in files:
        df = pl.read_excel(f, sheet_id=1, has_header=False, infer_schema_length=0)
        frames.append(df.select(pl.all().cast(pl.Utf8)).with_columns(pl.lit(str(f)).alias("file")))
    pl.concat(frames, how="diagonal").write_parquet(out)
else:
    import pandas as pd

    frames = []
    for f in files:
        df = pd.read_excel(f, sheet_name=0, header=None, dtype=str, engine=engine)
        df.columns = [f"c{i}" for i in range(len(df.columns))]
        df["file"] = str(f)
        frames.append(df)
    pd.concat(frames).to_parquet(out)
print(f"{engine}: {len(files)} workbooks")
