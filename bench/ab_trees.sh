#!/usr/bin/env bash
# A/B of two source trees on the same machine, runs alternating, so that a change in load hits both:
#   bench/ab_trees.sh OLD_TREE NEW_TREE [ROUNDS]
# e.g. `git worktree add --detach /tmp/old 3f4d565 && bench/ab_trees.sh /tmp/old . 3`.
# Each round: bench/lookup_bench.py --lookups 300, then bench/nightly_bench.py at 3,000 × 3,000 with
# the region kept per tree (built on the first round). Prints the CPU, then one line per run with the
# load average and the bench's figures. Uses this tree's .venv for both, each tree first on the path
# (the editable install would otherwise import this tree's packages). Asserts nothing.
set -euo pipefail
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); rounds=${3:-2}
py=$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python
keep=${AB_KEEP:-/tmp/passgenau-ab}
mkdir -p "$keep"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); flags: $(grep -m1 -o -w 'avx2\|avx512f\|avx512_bf16' /proc/cpuinfo | sort -u | xargs)"
for i in $(seq 1 "$rounds"); do
    for side in old new; do
        tree=$old; [ "$side" = new ] && tree=$new
        out=$(cd "$tree" && PYTHONPATH="$tree" "$py" bench/lookup_bench.py --lookups 300 2>/dev/null | grep 'lookup p50' || true)
        echo "$side lookup  load=$(cut -d' ' -f1 /proc/loadavg) $out"
        out=$(cd "$tree" && PYTHONPATH="$tree" "$py" bench/nightly_bench.py --claimants 3000 --vacancies 3000 --keep "$keep/$side" 2>/dev/null \
            | grep -A9 "\"timings\"" | tr -d " \n" || true)
        echo "$side nightly load=$(cut -d' ' -f1 /proc/loadavg) $out"
    done
done
