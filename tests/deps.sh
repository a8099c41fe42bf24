#!/bin/sh
# Installs every Debian package that the build, the tests, the demo and the benchmarks need.
# Run as root on Debian 12 (`make deps`); does nothing when all are present.
set -eu
PKGS="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config
libsodium-dev libinih-dev libjson-c-dev libsystemd-dev libdrm-dev libcap-ng-dev
qemu-system-x86 busybox-static cpio kmod python3 evtest gnuplot-nox
dpkg-dev debhelper fakeroot debootstrap e2fsprogs
nats-server libnats-dev libcrypt-dev"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: qemu would otherwise pull in a GUI stack.
apt-get install -y -qq --no-install-recommends $missing
