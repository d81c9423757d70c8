# qemu-cxl: CXL 2.0 memory expansion for QEMU, as patch series on two
# lines: qemu-5.2/ (our complete, from-scratch series on Debian's QEMU 5.2)
# and qemu-10.0/ (Debian 13's QEMU 10.0 with its own CXL).
# `make` builds both: build/qemu-system-x86_64 (5.2) and
# build/10.0/qemu-system-x86_64 (10.0); `make demo` shows CXL working;
# `make check` runs every test. See README.md.
# LINE=10.0 points tree, export, check-series and check-checkpatch at the
# 10.0 line.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Guest topology for `make demo`.
TOPOLOGY ?= default

LINE ?= 5.2
export QEMU_CXL_LINE := $(LINE)

.PHONY: all all-5.2 all-10.0 deps base tree export tree-reset series check-series check-series-full check-checkpatch demo check \
        check-qtest check-cxl check-guest check-tools check-sanitizers check-fuzz check-10.0 boot-loop guest bench clean distclean help

all: all-5.2 all-10.0

all-5.2:
	@QEMU_CXL_LINE=5.2 bash scripts/build.sh

all-10.0:
	@QEMU_CXL_LINE=10.0 bash scripts/build.sh

deps:
	@bash scripts/deps.sh build guest base docs

base:
	@bash scripts/fetch-base.sh

tree:
	@bash scripts/tree.sh

export:
	@bash scripts/export.sh

tree-reset:
	@src=build/src; [ "$(LINE)" = 5.2 ] || src=build/$(LINE)/src; \
	 git -C $$src reset -q --hard refs/qemu-cxl/built && git -C $$src clean -q -fd && bash scripts/tree.sh

series:
	@QEMU_CXL_LINE=5.2 bash scripts/series.sh && QEMU_CXL_LINE=10.0 bash scripts/series.sh

check-series:
	@bash scripts/check-series.sh

# the series built after every patch, with the CXL qtests each has (make
# check builds a sample); LINE=10.0 for the 10.0 line
check-series-full:
	@SERIES_BUILD=all bash scripts/check-series.sh

check-checkpatch:
	@bash scripts/check-checkpatch.sh

guest:
	@bash guest/prepare.sh

demo: all-5.2
	@bash guest/demo.sh $(TOPOLOGY)

check:
	@bash scripts/check.sh

# Figures, never verdicts: decode micro-benchmarks, then guests against RAM
# and against Debian's QEMU 7.2 and 10.0 (build/bench/).
bench: all
	@bash scripts/bench.sh

# Boot the 32-device topology BOOTS times (default 200), JOBS at a time,
# counting how each boot ends (a hang once in twenty boots is issue 19)
boot-loop: all-$(LINE)
	@bash scripts/boot-loop.sh

# The CXL tests under AddressSanitizer and UndefinedBehaviorSanitizer, then
# a bounded libFuzzer run of generic-fuzz-cxl (FUZZ_SECONDS, default 60)
check-sanitizers:
	@bash scripts/check-sanitizers.sh && bash scripts/check-fuzz.sh

check-fuzz:
	@bash scripts/check-fuzz.sh

check-qtest check-cxl check-guest check-tools: all-5.2
	@bash scripts/check.sh $(@:check-%=%)

# The 10.0 line's suites: QEMU 10.0's own qtests and unit tests, guest
# tests on its CXL
check-10.0: all-10.0
	@bash scripts/check.sh qtest-10.0 unit-10.0 guest-10.0

clean:
	rm -rf build

distclean: clean
	@echo "the download cache stays in $${QEMU_CXL_CACHE:-/var/cache/qemu-cxl}; remove it by hand"

help:
	@sed -n 's/^## //p' README.md
