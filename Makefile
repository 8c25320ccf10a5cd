# Thin wrapper around CMake presets. Every target installs what it needs first.
#   make demo    - install deps, build, run the end-to-end demo
#   make test    - install deps, build, run every test (unit, integration, e2e)
#   make bench   - install deps, release build, run the benchmarks
#   make soak    - the long fault runs (chaos with more kills, minutes-long link cut; label soak)
#   make fuzz-smoke - build the libFuzzer targets (clang, ASan+UBSan), run each FUZZ_SECONDS (20)
#   make fuzz    - the same, longer (300 s per target, or FUZZ_SECONDS=N), for bug hunting
#   make package - release build, then the Debian package (cpack); prints the .deb's path
PRESET ?= default
JOBS ?= $(shell nproc)
SHELL := /bin/bash

# Debian 12 packages, each for a reason:
DEB_PACKAGES := \
  build-essential cmake pkg-config git ca-certificates \
  libusb-1.0-0-dev libserialport-dev \
  libzmq3-dev cppzmq-dev \
  libsqlite3-dev sqlite3 \
  libpaho-mqtt-dev libpaho-mqttpp-dev \
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libsystemd-dev \
  libgtest-dev libgmock-dev libbenchmark-dev \
  mosquitto mosquitto-clients python3-jsonschema \
  umockdev libumockdev-dev \
  openssl iproute2 libpq-dev postgresql \
  clang libclang-rt-14-dev
# libssl-dev: scanedgectl doctor reads certificate dates and matches the key (libcrypto via
# pkg-config openssl; Paho's packages do not pull the headers in).
DEB_PACKAGES += libssl-dev
# lintian: tests/package checks the Debian package with it (make package, package_deb test).
DEB_PACKAGES += lintian

.PHONY: deps configure build demo test test-asan test-tsan bench clean fuzz fuzz-smoke soak package

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (or install:$$missing)" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@# Debian starts a system-wide mosquitto on port 1883 when it installs it; the demo and the
	@# tests start their own on free loopback ports and never use it.

configure: deps
	cmake --preset $(PRESET) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	build/$(PRESET)/tests/demo/scanedge-demo

test: build
	$(MAKE) fuzz-smoke
	ctest --preset $(PRESET) -j 2 --timeout 900

test-asan:
	$(MAKE) test PRESET=asan

test-tsan:
	$(MAKE) test PRESET=tsan

soak: build
	SCANEDGE_SOAK=1 ctest --preset $(PRESET) -L soak --timeout 3600 --output-on-failure

# The Debian package from the release build (systemd/package.cmake): build/release/scanedge_*.deb.
package: deps
	cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)
	rm -f build/release/scanedge_*.deb
	cd build/release && cpack -G DEB
	@echo "package: $$(realpath build/release/scanedge_*.deb)"

bench: deps
	cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)
	bash tests/bench/run_bench.sh build/release

# Fuzzing: clang + libFuzzer, ASan + UBSan, preset "fuzz" (build/fuzz). Each target runs on a
# temporary copy of its seed corpus (tests/fuzz/corpus/<target>); a crash, leak, sanitizer
# report or violated property fails with the reproducer's path. FUZZ_TARGETS picks targets.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?=
FUZZ_BUILD = cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS)

fuzz-smoke: deps
	$(FUZZ_BUILD)
	bash tests/fuzz/run_fuzz.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz: deps
	$(FUZZ_BUILD)
	bash tests/fuzz/run_fuzz.sh build/fuzz $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300) $(FUZZ_TARGETS)

# Device cross builds (cross-toolchains/, presets cross-arm64 and cross-armhf): Debian's cross
# compiler builds the agent, scanedgectl, the libraries and the unit tests (no integration/e2e,
# bench, fuzz or ledger), and ctest runs the unit tests under qemu-user.
#   make cross-test                   - arm64: install, build, unit tests under qemu-aarch64
#   make cross-test CROSS_ARCH=armhf  - 32-bit ARM (hard-float), under qemu-arm
#   make cross-build                  - install and build only; prints the stripped sizes
CROSS_ARCH ?= arm64
.PHONY: cross-deps cross-build cross-test

cross-deps:
	bash cross-toolchains/install-deps.sh $(CROSS_ARCH)

cross-build: cross-deps
	cmake --preset cross-$(CROSS_ARCH) >/dev/null && cmake --build --preset cross-$(CROSS_ARCH) -j $(JOBS)
	bash cross-toolchains/stripped-sizes.sh build/cross-$(CROSS_ARCH)

cross-test: cross-build
	ctest --preset cross-$(CROSS_ARCH)

clean:
	rm -rf build
