# qemu-cxl: CXL 2.0 memory expansion for QEMU 5.2, as a patch series.
# `make` builds build/qemu-system-x86_64; `make demo` shows it; `make check`
# runs every test. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Guest topology for `make demo`.
TOPOLOGY ?= default

.PHONY: all deps base tree export tree-reset series check-series demo check \
        check-qtest check-cxl check-guest check-tools check-sanitizers check-fuzz guest bench clean distclean help

all:
	@bash scripts/build.sh

deps:
	@bash scripts/deps.sh build guest base docs

base:
	@bash scripts/fetch-base.sh

tree:
	@bash scripts/tree.sh

export:
	@bash scripts/export.sh

tree-reset:
	@git -C build/src reset -q --hard refs/qemu-cxl/built && git -C build/src clean -q -fd && bash scripts/tree.sh

series:
	@bash scripts/series.sh

check-series:
	@bash scripts/check-series.sh

guest:
	@bash guest/prepare.sh

demo: all
	@bash guest/demo.sh $(TOPOLOGY)

check:
	@bash scripts/check.sh

# Figures, never verdicts: decode micro-benchmarks, then guests against RAM
# and against Debian's QEMU 7.2 and 10.0 (build/bench/).
bench: all
	@bash scripts/bench.sh

# The CXL tests under AddressSanitizer and UndefinedBehaviorSanitizer, then
# a bounded libFuzzer run of generic-fuzz-cxl (FUZZ_SECONDS, default 60)
check-sanitizers:
	@bash scripts/check-sanitizers.sh && bash scripts/check-fuzz.sh

check-fuzz:
	@bash scripts/check-fuzz.sh

check-qtest check-cxl check-guest check-tools: all
	@bash scripts/check.sh $(@:check-%=%)

clean:
	rm -rf build

distclean: clean
	@echo "the download cache stays in $${QEMU_CXL_CACHE:-/var/cache/qemu-cxl}; remove it by hand"

help:
	@sed -n 's/^## //p' README.md
