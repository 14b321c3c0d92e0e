#!/usr/bin/env bash
# Fingerprints of ganeval's outputs (scores, statistics, baselines, a training log), to hold a refactor to
# "the numbers, the file formats and the CLI stay the same": run before and after, and diff the two lists.
# Fields that record when or how long (timestamps, durations, versions, paths of the scratch folder) are dropped.
set -euo pipefail
work=$(mktemp -d)
export GANEVAL_CACHE_DIR="$work/cache"
root=$(cd "$(dirname "$0")/.." && pwd)
strip() {  # a JSON file without the fields that change from run to run
  python3 - "$1" "$work" <<'PY'
import json, sys
VARYING = {"time", "timestamp", "created", "seconds", "duration", "elapsed", "version", "ganeval_version", "torch", "python", "platform", "host", "wall_s", "date"}
def clean(x):
    if isinstance(x, dict):
        return {k: clean(v) for k, v in sorted(x.items()) if k not in VARYING}
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, str):
        return x.replace(sys.argv[2], "<work>")
    return x
print(json.dumps(clean(json.load(open(sys.argv[1]))), sort_keys=True))
PY
}
fp() { echo "$1 $(sha256sum | cut -c1-16)"; }
cd "$root"
ganeval score examples/digits-samples --ref digits --json "$work/s1.json" --quiet >/dev/null
strip "$work/s1.json" | fp "score digits-samples vs digits"
ganeval score examples/digits-samples --ref digits --n 200 --k 3 --bootstrap 50 --seed 7 --json "$work/s2.json" --quiet >/dev/null
strip "$work/s2.json" | fp "score --n 200 --k 3 --bootstrap 50 --seed 7"
ganeval stats digits -o "$work/digits.npz" --n 300 --quiet >/dev/null
python3 -c "import numpy as np,sys,hashlib; d=np.load(sys.argv[1]); print('stats digits --n 300', hashlib.sha256(b''.join(d[k].tobytes() for k in sorted(d.files) if k not in ('provenance','info'))).hexdigest()[:16])" "$work/digits.npz"
ganeval score examples/digits-samples --ref "$work/digits.npz" --json "$work/s3.json" --quiet >/dev/null
strip "$work/s3.json" | fp "score vs stats file"
ganeval train gan-ns --data ring8 --steps 300 --out "$work/run" --quiet >/dev/null 2>&1 || ganeval train gan-ns --data ring8 --steps 300 --out "$work/run" >/dev/null 2>&1
for f in $(cd "$work/run" && ls *.csv | sort); do
  python3 -c "import pandas as pd,sys; t=pd.read_csv(sys.argv[1]); t=t[[c for c in t.columns if 'time' not in c and 'second' not in c]]; print(t.to_csv(index=False, float_format='%.10g'))" "$work/run/$f" | fp "train gan-ns ring8 300 steps: $f"
done
ganeval baseline "$work/run" --ref ring8 -o "$work/baseline.json" --quiet >/dev/null
strip "$work/baseline.json" | fp "baseline of the run"
set +e; ganeval check "$work/run" --baseline "$work/baseline.json" --json "$work/check.json" --quiet >/dev/null; echo "check exit $?"; set -e
strip "$work/check.json" | fp "check of the run against its baseline"
ganeval report "$work/run" --out "$work/report" >/dev/null 2>&1; ls "$work/report" | tr '\n' ' '; echo
rm -rf "$work"
