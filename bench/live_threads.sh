#!/usr/bin/env bash
# The live engine on 1 thread and on 2 (or THREADS), in turn in the same
# session, as a Markdown table for BENCHMARKS.md: files served and boots
# completed per wall second of a power-on storm, from its start to the last
# phone's last change of state (the storm's length), so that the idle rest
# of the run does not dilute the rate.
#
#   bench/live_threads.sh                          # live-threads.yaml at time scale 0.1, 1 vs 2 threads
#   SCALE=0.2 THREADS="1 2 4" ROUNDS=2 bench/live_threads.sh
#
# Every run is bounded by the scenario's end (3 minutes of scenario time:
# 18 s of wall time at 0.1); ROUNDS (at most 5) alternates the thread counts
# so that the machine's drift hits each alike.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$script_dir/.."

scenario=${SCENARIO:-bench/scenarios/live-threads.yaml}
scale=${SCALE:-0.1}
threads=${THREADS:-"1 2"}
rounds=${ROUNDS:-1}
bin=${ITLFLEET:-build/release/app/itlfleet}
if ((rounds < 1 || rounds > 5)); then
  echo "ROUNDS must be 1 to 5" >&2
  exit 2
fi
[[ -x $bin ]] || { echo "$bin: build it first (cmake --build build/release --target itlfleet)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); open-file limit $(ulimit -Hn)"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?') · Date: $(date -u '+%F %H:%M') UTC · load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Scenario: $scenario at time scale $scale"
echo
echo "| round | threads | storm (wall) | files served | files/s | boots completed | boots/s | trusted at end | refused | boot p99 (scenario) | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for ((r = 1; r <= rounds; r++)); do
  for t in $threads; do
    out="$work/r$r-t$t"
    status=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
      "$bin" run "$scenario" --engine live --time-scale "$scale" --threads "$t" --out "$out" --quiet \
      >"$work/stdout" 2>"$work/stderr" || status=$?
    if [[ ! -f $out/summary.json ]]; then
      echo "run with --threads $t failed (exit $status):" >&2
      tail -n 5 "$work/stderr" >&2
      exit 1
    fi
    # The last line: GNU time puts "Command exited with non-zero status" first
    # when expectations fail (exit 1), which a saturated run may.
    read -r _ user sys rss_kb < <(tail -n 1 "$work/time")
    python3 - "$out/summary.json" "$r" "$t" "$scale" "$user" "$sys" "$rss_kb" <<'EOF'
import json, re, sys
path, rnd, t, scale, user, sys_s, rss_kb = sys.argv[1:]
d = json.load(open(path))
def seconds(text):  # "1h2m3.5s", as the summary writes scenario times
    return sum(float(v) * {"h": 3600, "m": 60, "s": 1}[u] for v, u in re.findall(r"([0-9.]+)([hms])", text))
storm = seconds(d["milestones"].get("last_state_change", "0s")) * float(scale)
ev = d["events"]
boot = next((l for l in d["latency"] if l["name"] == "boot"), {"count": 0, "p99_s": 0})
rate = lambda n: f"{n / storm:,.0f}" if storm > 0 else "-"
print(f"| {rnd} | {t} | {storm:.2f} s | {ev['files_served']:,} | {rate(ev['files_served'])} | "
      f"{boot['count']:,} | {rate(boot['count'])} | {d['final']['trusted']:,} | {ev['tftp_refusals']:,} | "
      f"{boot['p99_s']:.2f} s | {float(user) + float(sys_s):.1f} s | {int(rss_kb) / 1024:.0f} MB |")
EOF
  done
done
