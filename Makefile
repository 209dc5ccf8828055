# umlinux: Linux as an ordinary process.
#   make run    install dependencies, build everything, boot the default image
#   make check  build everything and run every test

CC      ?= gcc
B       := build
CFLAGS  := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
           -std=gnu11 -D_GNU_SOURCE -Ikernel -Ilib -MMD -MP
LDLIBS  := -lext2fs -lcom_err
IMAGE   := $(B)/root.img

KERNEL_SRC := $(shell find kernel lib -name '*.c' ! -path 'kernel/platform/stub/*')
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(B)/%.o)
LIB_OBJ    := $(filter-out $(B)/kernel/main.o,$(KERNEL_OBJ))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
GUEST_SRC  := $(wildcard tests/guest/*.c)
GUEST_BIN  := $(GUEST_SRC:tests/guest/%.c=$(B)/tests/guest/%)
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
TOOL_SRC   := $(wildcard tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tools/%.c=$(B)/tools/%)

.PHONY: all deps run check image test-image clean
all: $(B)/linux $(UNIT_BIN) $(GUEST_BIN) $(BENCH_BIN) $(TOOL_BIN)

deps:
	@sh tools/install-deps.sh

# The stub: a tiny static program every guest process starts from. It is
# linked at a fixed high address and embedded in the kernel binary.
$(B)/stub: kernel/platform/stub/stub.S
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -Wl,-Ttext=0x7ff000000000 -Wl,-Tdata=0x7ff000001000 \
	      -Wl,--build-id=none -Wl,-z,noexecstack -o $@ $<

$(B)/kernel/platform/stub_blob.o: $(B)/stub
	@mkdir -p $(@D)
	printf '.section .rodata\n.balign 16\n.globl stub_image\nstub_image:\n.incbin "%s"\n.globl stub_image_end\nstub_image_end:\n.section .note.GNU-stack,"",@progbits\n' $< | $(CC) -c -x assembler -o $@ -

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Syscall names for the "not implemented" log, from the host's headers.
$(B)/gen/syscall_names.h:
	@mkdir -p $(@D)
	echo '#include <sys/syscall.h>' | $(CC) -E -dM - | \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/[\2] = "\1",/p' > $@

$(B)/kernel/syscalls/table.o: $(B)/gen/syscall_names.h
$(B)/kernel/syscalls/table.o: CFLAGS += -I$(B)/gen

$(B)/libkernel.a: $(LIB_OBJ) $(B)/kernel/platform/stub_blob.o
	rm -f $@ && ar rcs $@ $^

# Linked from the objects, not the archive: syscall handlers are found
# through their linker section, so nothing references them by name.
$(B)/linux: $(KERNEL_OBJ) $(B)/kernel/platform/stub_blob.o
	$(CC) -o $@ $^ $(LDLIBS)

$(B)/tests/unit/%: tests/unit/%.c $(B)/libkernel.a tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(B)/libkernel.a $(LDLIBS)

# Guest tests and benchmarks are static so they run unchanged natively and
# inside the guest.
$(B)/tests/guest/%: tests/guest/%.c $(wildcard tests/guest/*.h)
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -static -Itests/guest -o $@ $<

$(B)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -static -o $@ $<

# Dynamically linked test programs (PIE and not), with the host's loader
# and libc copied into the test image.
$(B)/dyn/hello_pie: tests/dyn/hello.c
	@mkdir -p $(@D)
	$(CC) -O2 -fPIE -pie -o $@ $<
$(B)/dyn/hello_nopie: tests/dyn/hello.c
	@mkdir -p $(@D)
	$(CC) -O2 -fno-PIE -no-pie -o $@ $<
DYN_BIN := $(B)/dyn/hello_pie $(B)/dyn/hello_nopie

# The syscall fuzzer runs only inside the guest (it calls anything).
$(B)/fuzz/%: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -static -o $@ $<
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/*.c))

# Host tools share lib/ (wire formats, the COW header) with the kernel.
SHARED_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard lib/*.c))
$(B)/tools/%: tools/%.c $(SHARED_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(SHARED_OBJ) $(LDLIBS)

image: $(IMAGE)
$(IMAGE): tools/mkimage.sh $(shell find rootfs)
	@mkdir -p $(@D)
	sh tools/mkimage.sh $@

# The image the system tests boot: the default one plus the guest tests
# and benchmarks under /opt.
test-image: $(B)/test.img
$(B)/test.img: tools/mkimage.sh $(shell find rootfs) $(GUEST_BIN) $(BENCH_BIN) $(DYN_BIN) $(FUZZ_BIN)
	@mkdir -p $(B)/opt/tests $(B)/opt/bench $(B)/opt/dyn $(B)/opt/fuzz $(B)/libs/lib64 $(B)/libs/lib/x86_64-linux-gnu
	cp $(FUZZ_BIN) $(B)/opt/fuzz/
	cp $(GUEST_BIN) $(B)/opt/tests/ 2>/dev/null || true
	cp $(BENCH_BIN) $(B)/opt/bench/ 2>/dev/null || true
	cp $(DYN_BIN) $(B)/opt/dyn/
	cp -L /lib64/ld-linux-x86-64.so.2 $(B)/libs/lib64/
	cp -L /lib/x86_64-linux-gnu/libc.so.6 $(B)/libs/lib/x86_64-linux-gnu/
	sh tools/mkimage.sh $@ 128 $(B)/opt:/opt $(B)/libs:/

run: deps
	$(MAKE) all image
	$(B)/linux ubd0=$(IMAGE)

check: deps
	$(MAKE) all image test-image
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
