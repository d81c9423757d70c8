#!/usr/bin/env bash
# check-series fails a patch whose CXL code warns (QEMU 5.2 builds with
# --disable-werror): series_cxl_warnings picks the warnings about files
# with "cxl" in their path from a ninja log, and only those.
. "$(dirname "$0")/lib.sh"
cd "$REPO"
export QEMU_CXL_LINE=5.2
. scripts/lib.sh; . scripts/series-lib.sh
cat > "$SCRATCH/log" <<'LOG'
[15/27] Compiling C object libcommon.fa.p/hw_cxl_cxl-mailbox.c.o
../src/hw/cxl/cxl-mailbox.c: In function 'cmd_identify':
../src/hw/cxl/cxl-mailbox.c:177:5: warning: implicit declaration of function 'strpadcpy' [-Wimplicit-function-declaration]
  177 |     strpadcpy(id->fw_revision, sizeof(id->fw_revision), "qemu-cxl 0.1", '\0');
../src/hw/i386/amd_iommu.c:876:38: warning: 'oldlevel' may be used uninitialized [-Wmaybe-uninitialized]
In file included from ../src/hw/i386/pc.c:30:
../src/include/hw/cxl/cxl.h:98:8: warning: unused variable 'x' [-Wunused-variable]
../src/tests/qtest/cxl-test.c:12:1: warning: 'f' defined but not used [-Wunused-function]
../src/hw/mem/cxl_type3.c:10:1: note: declared here
[16/27] Compiling C object libcommon.fa.p/hw_cxl_cxl-route.c.o
LOG
got=$(series_cxl_warnings < "$SCRATCH/log")
[ "$(wc -l <<< "$got")" = 3 ] || fail "expected the 3 CXL warnings, got:"$'\n'"$got"
grep -q "cxl-mailbox.c:177:5: warning: implicit declaration" <<< "$got" || fail "the mailbox warning is missing"
grep -q "include/hw/cxl/cxl.h:98:8" <<< "$got" || fail "a warning in a CXL header is missing"
grep -q "tests/qtest/cxl-test.c:12:1" <<< "$got" || fail "a warning in a CXL qtest is missing"
! grep -q amd_iommu <<< "$got" || fail "a warning of QEMU's own code was counted"
[ -z "$(grep -v 'cxl' "$SCRATCH/log" | series_cxl_warnings)" ] || fail "warnings found where there are none"
# check-series stops on them, after each patch's build and each qtest's
grep -c 'series_cxl_warnings < "$log"' scripts/check-series.sh | grep -qx 2 || fail "check-series does not check each build for CXL warnings"
echo "series_cxl_warnings: CXL warnings found, others left alone"
