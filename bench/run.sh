#!/usr/bin/env bash
# Builds tbctl-bench in release, generates the 1,000-guest compose file and runs each
# measurement in a fresh process (so peak RSS is per measurement). See bench/README.md.
#
#   bench/run.sh [--runs N] [--keep]
#
# Environment: SERVICES (10), REPLICAS (100), NETWORKS (20), HOSTS (8) size the generated
# testbed; TBCTL_BENCH_DIR (default bench/out) is where the run's folder is made;
# SCRATCH (default .build-bench) is the SwiftPM scratch path.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=10
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/run.sh [--runs N] [--keep]" >&2; exit 2 ;;
    esac
done

scratch=${SCRATCH:-.build-bench}
echo "== building tbctl-bench (release, scratch path $scratch)"
(cd "$root" && swift build -c release --scratch-path "$scratch" --product tbctl-bench 2>&1 | tail -n 1)
bin=$(cd "$root" && swift build -c release --scratch-path "$scratch" --show-bin-path)/tbctl-bench

# A folder that never held a .testbed: on ext4 without a journal, inodes freed in the last
# minutes are skipped (one by one) when new ones are allocated, so creating 6,000 files just
# after deleting 6,000 in the same block group takes several times longer (bench/README.md).
# A run's folder is removed at its end, not at the start of the next run, and the base folder
# gets ext4's "top of directory hierarchy" flag, so that each run's folder is placed in a block
# group of its own, as a new project's folder would be, away from the previous run's inodes.
base=${TBCTL_BENCH_DIR:-$root/bench/out}
mkdir -p "$base"
chattr +T "$base" 2>/dev/null || true
run=$(mktemp -d "$base/run-$(date +%Y%m%d-%H%M%S)-XXXX")
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$run"; else echo "kept $run"; fi; }
trap cleanup EXIT

gen() {
    python3 "$root/bench/gen-compose.py" "$run/$1" --services "${SERVICES:-10}" --replicas "${REPLICAS:-100}" \
        --networks "${NETWORKS:-20}" --hosts "${HOSTS:-8}" >/dev/null
    echo "$run/$1/testbed.yaml"
}

echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(findmnt -no FSTYPE -T "$run" 2>/dev/null || echo '?') at $run"
echo "== testbed: ${SERVICES:-10} services x ${REPLICAS:-100} replicas, ${NETWORKS:-20} networks, ${HOSTS:-8} hosts"
results="$run/results.jsonl"

step() {
    echo
    echo "== $1"
    shift
    "$@" | tee -a "$run/out.txt"
    grep '^BENCH ' "$run/out.txt" | tail -n 1 | sed 's/^BENCH //' >>"$results"
    : >"$run/out.txt"
}

step "compile, $runs runs: load + validate + compile (no artefacts, no state write)" \
    "$bin" compile "$(gen compile)" --runs "$runs"
step "recompile, $runs runs: decode the previous state.json + load + compile against it" \
    "$bin" compile "$(gen recompile)" --runs "$runs" --against-previous
step "generate: Project.generateWithSummary(), state.json + artefacts of every guest" \
    "$bin" generate "$(gen generate)"
step "artefacts: rendering vs writing, from one compiled state" \
    "$bin" artefacts "$(gen artefacts)"

echo
echo "== summary (targets from the issue)"
python3 - "$results" <<'EOF'
import json, sys
r = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    r[d["bench"]] = d
c, re_, g, a = r["compile"], r["recompile"], r["generate"], r["artefacts"]
def row(what, value, target, ok):
    print(f"{what:<52} {value:>22}   {target:<10} {'ok' if ok else 'MISSED'}")
row(f"compile {c['guests']} guests, median (best)", f"{c['median_s']:.3f} s ({c['best_s']:.3f} s)", "< 0.5 s", c["median_s"] < 0.5)
row("compile, CPU time (user + system), median", f"{c['cpu_median_s']:.3f} s", "-", True)
row("compile, peak RSS", f"{c['peak_rss_mib']:.1f} MiB", "< 200 MB", c["peak_rss_mib"] * 1.048576 < 200)
row("recompile against previous state, median (best)", f"{re_['median_s']:.3f} s ({re_['best_s']:.3f} s)", "-", True)
row("generate, first write (empty .testbed)", f"{g['first_s']:.3f} s", "< 10 s", g["first_s"] < 10)
row("generate, second run (nothing changed)", f"{g['second_s']:.3f} s", "-", True)
row("generate, rewrite (new project key)", f"{g['rewrite_s']:.3f} s", "-", True)
row("generate, peak RSS", f"{g['peak_rss_mib']:.1f} MiB", "-", True)
row("artefacts: render only / first / second write",
    f"{a['render_s']:.2f} / {a['first_s']:.2f} / {a['second_s']:.2f} s", "-", True)
print()
print("results:", json.dumps(r, sort_keys=True))
EOF
