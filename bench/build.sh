#!/usr/bin/env bash
# The cold release build, measured: `cargo build --release --timings` into an empty target
# directory (the crates are fetched first, so downloads are not counted), then the wall
# time, the CPU time and the units that cost the most. Usage: bench/build.sh [CARGO ARGS…],
# e.g. bench/build.sh --no-default-features. Needs GNU time (/usr/bin/time). Takes as long
# as a cold build: ≈ 12 min on 2 cores. The report cargo writes is in $BUILD_DIR/cargo-timings/.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${BUILD_DIR:-/tmp/juesuan-build}"
rm -rf "$target"
cargo fetch --quiet
CARGO_TARGET_DIR="$target" /usr/bin/time -o "$target.time" -f '%e %U %S' \
  cargo build --release --timings "$@"
read -r wall user sys <"$target.time"
python3 - "$target" "$wall" "$user" "$sys" <<'PY'
import glob, json, re, sys
target, wall, user, sys_ = sys.argv[1], *map(float, sys.argv[2:])
report = sorted(glob.glob(f"{target}/cargo-timings/cargo-timing-*.html"))[-1]
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(report).read(), re.S).group(1))
print(f"cold release build: {int(wall // 60)} min {wall % 60:.0f} s wall, "
      f"{(user + sys_) / 60:.1f} CPU-min, {len(units)} units ({report})")
units.sort(key=lambda u: -u["duration"])
for u in units[:15]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u.get('target', '').strip()}")
PY
