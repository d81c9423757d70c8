#!/usr/bin/env bash
# Linux 6.12 (bookworm-backports) with volatile CXL memory: on the
# switch-volatile topology (4 volatile Type 3 devices behind a switch) the
# guest creates a 4-way ram region through sysfs, onlines it as system RAM
# (dax_cxl + kmem, its own NUMA node), and runs memtool under
# numactl --membind on that node: it fills and checks 64 MiB of anonymous
# memory, and every page must sit on the CXL node and show in its MemUsed.
# The host then finds each granule of the buffer, by its physical address,
# in the backing files through the interleave and checks the pattern.
# The guest CPU hides the hypervisor bit (6.12 refuses regions under a
# hypervisor) and BMI2 (QEMU 5.2's TCG raises #UD on the SHLX in 6.12's
# decompressor), and ERMS: with it Linux clears pages with rep stosb, one
# byte per access, which through the trapping path made memtool 4x slower.
# Other lines and kernels reuse it (guest/tests-10.0/): RUN_OPTS replaces
# the guest/run.sh options (kernel, CPU), VOLATILE_NAME the name of its
# logs and backing folder.
set -euo pipefail
G=$(cd "$(dirname "$0")/.." && pwd)
B=$G/../build/guest
name=${VOLATILE_NAME:-volatile}
read -r -a run_opts <<< "${RUN_OPTS:--k backports -c max,hypervisor=off,bmi2=off,erms=off}"
seed=31
export TOPO_DIR=$B/backing/$name
rm -rf "$TOPO_DIR" "$B/run/$name.sh.d"                # fresh (all-zero) backing files
mkdir -p "$B/run/$name.sh.d"
cp "$G/scripts/volatile.sh" "$B/run/$name.sh"
printf 'GRAN=256\nLEN=%d\nSEED=%d\n' $((64 << 20)) $seed > "$B/run/$name.sh.d/volatile.conf"
log=$B/logs/$name.log
rc=0
bash "$G/run.sh" "${run_opts[@]}" -t 600 -l "$log" -T switch-volatile \
    "$B/run/$name.sh" || rc=$?
grep -E '^(volatile|memtool):' "$log" | grep -v 'memtool: phys' || true
[ $rc = 0 ] || { echo "volatile: guest failed ($rc); log $log"; exit 1; }
grep -q '^volatile: ok' "$log" || { echo "volatile: guest did not finish; log $log"; exit 1; }
echo "== host: the buffer's words in the backing files"
python3 "$G/tests/check_volatile.py" "$log" "$TOPO_DIR" $seed
