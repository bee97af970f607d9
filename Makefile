# The Batch Normalization companion: the README's two commands are `make` and `make test`.
#
#   make         install missing system packages, build in release, run every chapter in
#                order (book preset), regenerate Figures/ and render the chapter pages
#   make test    install missing system packages, run the test suite (Swift Testing)
#   make bench   time the engine's training steps against their GEMM bounds, on the book's
#                pinned kernels and on this CPU's widest
#   make NATIVE=1  the same as make, on this CPU's widest kernels, into runs/ (not Figures/)
#   make smoke   every chapter at the smoke preset, into runs/ (seconds; Figures/ untouched)

SWIFT ?= swift
# The manifest finds the chapters on disk; SwiftPM caches it by its text, so a new chapter
# directory would go unseen without this.
MANIFEST := --manifest-cache none
RELEASE := .build/release
APT_PACKAGES := gnuplot-nox libopenblas-dev libdnnl-dev zlib1g-dev dataset-fashion-mnist fortunes
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps engine-changes build book render test bench smoke clean

all: book render

# Installs only what is missing, so a second `make` does not touch apt at all.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $$missing; \
	fi

# The engine's @inlinable kernels are compiled into every optimised target that uses them
# (Companion, the runner, the chapters), but after a change to an inlinable body SwiftPM's
# incremental build recompiles the engine alone: those targets keep the old copy, and a local
# test run exercises stale code. So when the engine's sources differ from the last build's,
# the dependents' sources are touched, and the build recompiles them. (Removing their build
# folders instead left SwiftPM's plan pointing at output-file maps that no longer existed:
# "unable to load output file map", a failed build. A clean clone is not affected.)
ENGINE_STAMP := .build/engine-sources.sha256
INLINING := Sources/Companion Sources/CompanionCLI Chapters
engine-changes:
	@sum=$$(find Sources/Engine -name '*.swift' | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1); \
	if [ -f $(ENGINE_STAMP) ] && [ "$$(cat $(ENGINE_STAMP))" != "$$sum" ]; then \
	  echo "The engine changed since the last build: recompiling the targets that inline it"; \
	  find $(INLINING) -name '*.swift' -exec touch {} +; \
	fi; \
	mkdir -p .build && echo "$$sum" > $(ENGINE_STAMP)

build: deps engine-changes
	$(SWIFT) build -c release $(MANIFEST)

# `make NATIVE=1`: the chapters on this CPU's widest OpenBLAS kernels (AVX-512 where it has
# them) instead of the book's pinned Haswell ones: faster, not the book's bits, written to
# runs/NN-book-seed1-native/ (Figures/ untouched).
NATIVE_FLAG := $(if $(NATIVE),--native)

book: build
	$(RELEASE)/companion $(NATIVE_FLAG)

render: build
	$(RELEASE)/companion render

smoke: build
	$(RELEASE)/companion --preset smoke $(NATIVE_FLAG)

bench: build
	$(RELEASE)/companion bench

test: deps engine-changes
	$(SWIFT) test $(MANIFEST)

clean:
	rm -rf .build runs
