#!/bin/bash
# Prediction checked against measurement: calibrate the virtual TFTP model
# against a server, run the same reset scenario live against that server and
# virtually with the calibration, and compare times to 50/90/100% trusted,
# peak concurrent transfers and refusals (`itlfleet compare`).
#
# Two servers: `itlfleet serve` slowed to BLOCK_COST ms a block with the
# scenario's Maximum Serving Count, and tftpd-hpa (inetd mode, a process
# per transfer, no serving count) holding `itlfleet cluster export`'s files.
# Everything is on loopback; every run is bounded by the scenario's end.
#
# Usage: bench/predict_vs_measure.sh [BUILD_DIR] [OUT_DIR]
#   PHONES (20000), BLOCK_COST (0.2), SERVING_COUNT (200), CEILING (800: the
#   slowed serve's calibration ceiling), TFTPD_CEILING (2400), SERVERS
#   ("serve tftpd"), PAST_SATURATION (0: calibrate's --past-saturation, the
#   steps that can show a knee) from the environment. About 10 minutes: each live run
#   lasts the scenario's 4 minutes.
set -euo pipefail
build=${1:-build/release}
out=${2:-predict-bench}
bin=$(realpath "$build/app/itlfleet")
phones=${PHONES:-20000}
block_cost=${BLOCK_COST:-0.2}
serving_count=${SERVING_COUNT:-200}
ceiling=${CEILING:-800}
tftpd_ceiling=${TFTPD_CEILING:-2400}
servers=${SERVERS:-serve tftpd}
past_saturation=${PAST_SATURATION:-0}
mkdir -p "$out"
cd "$out"

# One node serving ITL and config over TFTP (fetch: tftp, the CUCM default
# for a plain TFTP server); the fleet boots over 60 s (below the server's
# capacity), then every phone is reset at once at 75 s and asks again 5 to
# 25 s later (reboot 15s +- 10s, uniform): 1,000 phones/s for 20 s at 20,000
# phones, the burst the comparison is about. The cluster's defaults match
# `cluster export`'s, so tftpd-hpa serves the very files the phones hold.
cat > reset.yaml <<YAML
name: predict-reset
seed: 17
end: 4m
sample: 1s
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
  tftp: {max_serving_count: $serving_count}
fleet:
  - {name: desk, count: $phones, model: CP-8861, firmware: "12.8(1)", fetch: tftp}
boot: {spread: 60s, reboot: 15s, reboot_jitter: 10s, reset_spread: 0s}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 75s, do: reset all devices}
expect:
  - {at: end, trusted: "100%"}
YAML

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The same scenario for a server without a serving count (tftpd-hpa): a
# calibration that saw no refusal leaves the scenario's count in place, which
# would have the model refuse where the server never does.
sed 's/max_serving_count: [0-9]*/max_serving_count: 100000/' reset.yaml > reset-uncapped.yaml

# $1: name; $2: TFTP HOST:PORT; $3: TVS HOST:PORT (none need answer: the
# phones' ITL never changes, so no TVS is asked); $4: calibration ceiling;
# $5: the scenario.
compare_on() {
  local name=$1 tftp=$2 tvs=$3 ceiling=$4 scenario=$5
  echo "== $name: calibrate $tftp" >&2
  "$bin" calibrate --tftp "$tftp" --ceiling "$ceiling" --step-duration 2s --steps 8 \
    --past-saturation "$past_saturation" \
    --out "$name/cal" > /dev/null 2> "$name/calibrate.log"
  cat "$name/calibrate.log" >&2
  echo "== $name: live run" >&2
  /usr/bin/time -f "%e s wall, %M KB" "$bin" run "$scenario" --engine live --tftp "$tftp" \
    --tvs "$tvs" --out "$name/live" -q > "$name/live.log" 2>&1 || true
  echo "== $name: virtual run with the calibration" >&2
  "$bin" run "$scenario" --calibration "$name/cal/calibration.yaml" --out "$name/virtual" -q \
    > "$name/virtual.log" 2>&1 || true
  "$bin" run "$scenario" --out "$name/virtual-defaults" -q > "$name/virtual-defaults.log" 2>&1 || true
  echo "### $name"
  sed -n '/^tftp:/,$p' "$name/cal/calibration.yaml"
  echo
  echo "Calibrated model against the live run:"
  "$bin" compare "$name/live" "$name/virtual" --from 75s --tolerance 15 || true
  echo
  echo "Uncalibrated defaults against the live run (the baseline):"
  "$bin" compare "$name/live" "$name/virtual-defaults" --from 75s || true
  echo
}

for server in $servers; do
  rm -rf "$server"
  mkdir -p "$server"
  case $server in
    serve)
      "$bin" serve reset.yaml --tftp-port 0 --http-port 0 --tvs-port 0 \
        --tftp-block-cost "$block_cost" > serve/serve.out 2>&1 &
      pids+=($!)
      for _ in $(seq 300); do
        grep -q "TFTP udp" serve/serve.out && break
        sleep 0.2
      done
      tftp=$(grep -o 'TFTP udp [0-9.]*:[0-9]*' serve/serve.out | head -1 | cut -d' ' -f3)
      tvs=$(grep -o 'TVS tls [0-9.]*:[0-9]*' serve/serve.out | head -1 | cut -d' ' -f3)
      compare_on serve "$tftp" "$tvs" "$ceiling" reset.yaml
      ;;
    tftpd)
      "$bin" cluster export --out tftpd/cluster --nodes cucm-pub --phones "$phones" \
        --seed itlfleet-17 > /dev/null
      # Race-free port: bind 127.0.0.1:0 here and hand the bound socket to
      # in.tftpd as its standard input (inetd mode).
      python3 - "$PWD/tftpd/cluster/tftp/cucm-pub" "$PWD/tftpd/port" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
os.dup2(s.fileno(), 0)
os.execv("/usr/sbin/in.tftpd", ["in.tftpd", "--secure", "--timeout", "600", sys.argv[1]])
PY
      pids+=($!)
      for _ in $(seq 50); do [ -s tftpd/port ] && break; sleep 0.1; done
      compare_on tftpd "127.0.0.1:$(cat tftpd/port)" "127.0.0.1:9" "$tftpd_ceiling" reset-uncapped.yaml
      ;;
  esac
done
