#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md, docs/latency.png and docs/iou.png:
#   1. the CPU latency benchmark (spotlight-bench-cpu: sparse / dense / naive),
#   2. spotlight-train on one layer of synthetic cone data (28 heads, 8K tokens),
#   3. spotlight-eval of the trained weights and of linear hashing on a fresh
#      text of the same layer,
#   4. two gnuplot plots.
# Takes about 15 minutes on 2 cores. Intermediate files go to $BUILD_DIR/report.
#
#   ./scripts/report.sh                 # build/ as configured by scripts/setup.sh
#   BUILD_DIR=build-q ./scripts/report.sh
#   BENCH_TOKENS="4096 8192" TRAIN_ARGS="--steps 50" ./scripts/report.sh   # quick
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$BUILD_DIR/bin
WORK=$BUILD_DIR/report
BENCH_TOKENS=${BENCH_TOKENS:-}
TRAIN_ARGS=${TRAIN_ARGS:-}
mkdir -p "$WORK"

if ! command -v gnuplot > /dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y gnuplot-nox
  else
    echo "report.sh: needs gnuplot (sudo apt-get install -y gnuplot-nox)" >&2
    exit 1
  fi
fi
ninja -C "$BUILD_DIR" spotlight-bench-cpu spotlight-train spotlight-eval

machine=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
cores=$(nproc)

# 1. Latency: sparse (spt_decode) / dense (spt_decode_dense) / naive.
BENCH_CMD="$BIN/spotlight-bench-cpu${BENCH_TOKENS:+ $BENCH_TOKENS}"
echo "== $BENCH_CMD"
$BENCH_CMD | tee "$WORK/bench.txt"
# Rows: N retrieval sparse dense naive append ...; times in ms.
awk '$1 ~ /^[0-9]+$/ && $2 ~ /ms$/ {
       for (i = 2; i <= 5; ++i) sub(/ms$/, "", $i); print $1, $2, $3, $4, $5 }' \
  "$WORK/bench.txt" > "$WORK/latency.dat"
if [ ! -s "$WORK/latency.dat" ]; then
  echo "report.sh: no latency rows in $WORK/bench.txt" >&2
  exit 1
fi

# 2. Training: one layer, QH=28 KH=4 D=128 (Qwen2.5-7B's geometry), 8192
#    tokens of synthetic cone data ("text" 1).
TRAIN_CMD="$BIN/spotlight-train --synthetic=text-seed=1 --out $WORK/layer.safetensors${TRAIN_ARGS:+ $TRAIN_ARGS}"
echo "== $TRAIN_CMD"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
TIMEFORMAT='%R %U %S'
{ time $TRAIN_CMD | tee "$WORK/train.txt"; } 2> "$WORK/train.time"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
read -r train_wall train_user train_sys < "$WORK/train.time"

# 3. Retrieval quality on a fresh text (2) of the same layer.
EVAL_CMD="$BIN/spotlight-eval --synthetic=text-seed=2 --weights $WORK/layer.safetensors --untrained --plot-data $WORK/iou.dat --markdown"
echo "== $EVAL_CMD"
$EVAL_CMD | tee "$WORK/eval.md"
EVAL_TRAIN_CMD="$BIN/spotlight-eval --synthetic=text-seed=1 --weights $WORK/layer.safetensors --linear-bits 0 --markdown"
echo "== $EVAL_TRAIN_CMD"
$EVAL_TRAIN_CMD | tee "$WORK/eval-train.md"

# 4. Plots: the gnuplot programs are printed into the report verbatim.
LATENCY_GP="# Decode-step latency vs context length.
set terminal pngcairo size 900,600 noenhanced font ',11'
set output 'docs/latency.png'
set title 'Spotlight decode step on the CPU (QH=28, KH=4, D=128, bf16, 2% budget)'
set xlabel 'context length N (tokens)'
set ylabel 'time per decode step (ms)'
set logscale xy 2
set format x '%.0f'
set grid
set key top left
plot '$WORK/latency.dat' using 1:3 with linespoints lw 2 title 'sparse (hash + top-k + attention)', \\
     '' using 1:4 with linespoints lw 2 title 'dense attention', \\
     '' using 1:5 with linespoints lw 2 title 'naive reference (C++, double)'"
IOU_GP="# Retrieval IoU vs code bits.
set terminal pngcairo size 900,600 noenhanced font ',11'
set output 'docs/iou.png'
set title 'Hashed top-k vs exact top-k, synthetic cone data (unseen text)'
set xlabel 'code bits'
set ylabel 'IoU with the exact attention top-k'
set logscale x 2
set xtics (128, 256, 512, 1024)
set xrange [100:1300]
set yrange [0:1]
set grid
set key top left
plot '$WORK/iou.dat' index 0 using 1:2 with linespoints lw 2 lc 1 title 'linear (rotation + sign), 1% budget', \\
     '' index 0 using 1:3 with linespoints lw 2 lc 2 title 'linear, 2%', \\
     '' index 0 using 1:4 with linespoints lw 2 lc 3 title 'linear, 5%', \\
     '' index 1 using 1:2 with points pt 7 ps 2 lc 1 title 'trained non-linear MLP, 1%', \\
     '' index 1 using 1:3 with points pt 7 ps 2 lc 2 title 'trained non-linear MLP, 2%', \\
     '' index 1 using 1:4 with points pt 7 ps 2 lc 3 title 'trained non-linear MLP, 5%'"
gnuplot <<< "$LATENCY_GP"
gnuplot <<< "$IOU_GP"

# 5. The targets, from the numbers above.
iou_at() { # iou_at INDEX BITS: IoU at 2% (column 3) of a plot-data row
  awk -v want="$1" -v bits="$2" '
    /^# linear/ { idx = 0 } /^# trained/ { idx = 1 }
    $1 == bits && idx == want { printf "%.3f\n", $3; exit }' "$WORK/iou.dat"
}
trained128=$(iou_at 1 128)
linear512=$(iou_at 0 512)
iou_verdict=$(awk -v a="$trained128" -v b="$linear512" 'BEGIN {
  print (a >= b ? "met" : "missed") }')
time_verdict=$(awk -v t="$train_wall" 'BEGIN { print (t < 900 ? "met" : "missed") }')
cpu_per_core=$(awk -v u="$train_user" -v c="$cores" 'BEGIN { printf "%.0f", u / c }')
wall_text=$(awk -v t="$train_wall" 'BEGIN { printf "%.0f s (%.1f min)", t, t / 60 }')

# 6. The report.
train_time=$(awk '/^wrote/ {for (i = 1; i <= NF; ++i) if ($i == "total") print $(i+1)}' "$WORK/train.txt")
setup_line=$(grep '^setup' "$WORK/train.txt" | sed 's/^setup *//')
{
  cat <<EOF
# Performance

Regenerated by \`scripts/report.sh\` (this file and \`docs/*.png\`); do not edit
by hand. Machine: $machine, $cores cores. Generated $(date -u +%Y-%m-%d).

## Targets

| target | measured | verdict |
|---|---|---|
| trained 128-bit non-linear hashing reaches the IoU of 512-bit linear hashing at a 2% budget (synthetic cone data, unseen text) | IoU@2% ${trained128} (trained, 128 bits) vs ${linear512} (linear, 512 bits) | ${iou_verdict} |
| training one layer of 28 heads on 8K tokens takes under 15 minutes on this ${cores}-core machine | ${wall_text} wall, ${train_user} s of CPU (${cpu_per_core} s per core) | ${time_verdict} |

## CPU decode latency

\`$BENCH_CMD\` (medians; "retrieval" is the query hash + Hamming scan +
top-k alone, "sparse" adds attention over the selected rows, "naive" is the
C++ reference of the whole step):

\`\`\`
$(cat "$WORK/bench.txt")
\`\`\`

![latency vs context length](latency.png)

Plot (after the command above; its table rows are \`$WORK/latency.dat\`):

\`\`\`sh
gnuplot <<'GP'
$LATENCY_GP
GP
\`\`\`

## Retrieval quality: trained non-linear vs linear hashing

Synthetic data from the cone generator of [Quality.md](Quality.md): one layer
with Qwen2.5-7B's geometry (QH=28, KH=4, D=128, CH=QH), 8192 tokens. The
weights are trained on text 1 and evaluated on text 2 of the same layer (new
queries and keys; nothing evaluated was trained on). IoU = |hashed top-k ∩
exact top-k| / |union| and recall = |∩| / k, k = max(1, floor(budget × n))
over the n causal keys of each query, mean over queries then heads; the exact
top-k is by q·k, the hashed one by matching bits, ties to the later token.

Training: \`$TRAIN_CMD\`

- time: ${wall_text} wall, ${train_user} s user CPU over ${cores} threads
  (the tool's own count: ${train_time} s; setup: $setup_line); load average
  before / after: $load_before / $load_after (other jobs on the machine slow
  mostly the wall time)

\`\`\`
$(cat "$WORK/train.txt")
\`\`\`

Evaluation: \`$EVAL_CMD\`

$(cat "$WORK/eval.md")

![IoU vs code bits](iou.png)

Plot (after the evaluation above, which writes \`$WORK/iou.dat\`):

\`\`\`sh
gnuplot <<'GP'
$IOU_GP
GP
\`\`\`

On the training text itself (\`$EVAL_TRAIN_CMD\`), for comparison:

$(sed -n '/^| method/,$p' "$WORK/eval-train.md")
EOF
} > docs/PERFORMANCE.md.new
mv docs/PERFORMANCE.md.new docs/PERFORMANCE.md
echo "wrote docs/PERFORMANCE.md, docs/latency.png, docs/iou.png (training ${train_time} s)"
