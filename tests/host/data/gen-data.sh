#!/bin/sh
# Regenerates the test data in this directory: device-tree blobs (needs
# qemu-system-riscv64 7.2 and dtc, Debian package device-tree-compiler) and
# hello.elf (needs riscv64-unknown-elf-gcc).  The tests themselves only read
# the committed files.
# QEMU pads a dumped blob to 1 MiB: cut it to the header's totalsize.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bios=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
head -c 4096 /dev/zero >"$tmp/kernel.bin"
head -c 8192 /dev/zero >"$tmp/initrd.img"
dump() {	# name smp mem [extra qemu args]
	name=$1 smp=$2 mem=$3
	shift 3
	qemu-system-riscv64 -machine virt,dumpdtb="$tmp/$name" -smp "$smp" \
		-m "$mem" -bios "$bios" -nographic "$@" 2>/dev/null
	size=$(od -An -tu1 -j4 -N4 "$tmp/$name" |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c "$size" "$tmp/$name" >"$name"
}
chosen="-kernel $tmp/kernel.bin -initrd $tmp/initrd.img"
dump virt-1.dtb 1 256M $chosen -append "init=/bin/init console=ttyS0"
dump virt-4.dtb 4 256M $chosen -append "init=/bin/init quiet"
dump virt-8.dtb 8 512M $chosen -append "init=x"
dump virt-1-bare.dtb 1 128M
for s in *.dts; do
	[ -e "$s" ] || continue
	dtc -q -I dts -O dtb -o "${s%.dts}.dtb" "$s"
done
riscv64-unknown-elf-gcc -march=rv64imac -mabi=lp64 -O2 -nostdlib -static \
	-Wl,--build-id=none -o hello.elf hello.c
riscv64-unknown-elf-strip hello.elf
