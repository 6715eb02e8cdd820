#!/usr/bin/env bash
# The benchmark: juesuan against a bare calamine read of the same workbooks, and against
# Python tools reading one table of each. Usage: bench/run.sh [UNITS] (default 250 units ×
# 2 years ≈ 500 workbooks). Needs hyperfine (Debian: apt-get install hyperfine) and GNU time
# (/usr/bin/time); the Python baselines need `pip install pandas openpyxl python-calamine
# polars fastexcel pyarrow`. Prints timings, ratios and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
units="${1:-250}"
work="${BENCH_DIR:-/tmp/juesuan-bench}"
rm -rf "$work"; mkdir -p "$work"

# Without the `compare` feature: the benchmark runs `juesuan run` only, whose code is the same
# either way, and the build skips polars (≈ 18 of a cold release build's minutes).
cargo build --release --no-default-features --bin juesuan --example bare_read
bin=target/release/juesuan
bare=target/release/examples/bare_read
"$bin" synth --units "$units" --years 2022,2023 --seed 7 --out "$work/raw" >/dev/null
n=$(find "$work/raw" -name '*.xls*' | wc -l)
echo "corpus: $n workbooks ($(du -sh "$work/raw" | cut -f1))"

hyperfine --warmup 1 --runs 3 --export-json "$work/times.json" \
  -n "juesuan run --full (2 jobs)" "$bin run --full --jobs 2 --input $work/raw --output $work/wh" \
  -n "juesuan run --full (1 job)" "$bin run --full --jobs 1 --input $work/raw --output $work/wh" \
  -n "juesuan run, no change" "$bin run --jobs 2 --input $work/raw --output $work/wh" \
  -n "bare read (2 jobs)" "$bare $work/raw --jobs 2" \
  ${BASELINES:+-n "pandas+calamine, one table" "python3 bench/baseline.py calamine $work/raw $work/calamine.parquet"} \
  ${BASELINES:+-n "pandas+openpyxl, one table" "python3 bench/baseline.py openpyxl $work/raw $work/openpyxl.parquet"} \
  ${BASELINES:+-n "polars.read_excel, one table" "python3 bench/baseline.py polars $work/raw $work/polars.parquet"}

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2/1024}'; }
echo "peak RSS: juesuan $(rss "$bin" run --full --jobs 2 --input "$work/raw" --output "$work/wh"), bare read $(rss "$bare" "$work/raw" --jobs 2)"

python3 - "$work/times.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
j2, j1, floor = r["juesuan run --full (2 jobs)"], r["juesuan run --full (1 job)"], r["bare read (2 jobs)"]
print(f"juesuan ÷ bare read: {j2 / floor:.2f}×   1→2 jobs speed-up: {j1 / j2:.2f}×   no-change rerun: {r['juesuan run, no change']:.2f} s")
for name, t in r.items():
    if "one table" in name:
        print(f"{name} ÷ juesuan: {t / j2:.2f}×")
PY
