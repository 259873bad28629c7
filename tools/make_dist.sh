#!/usr/bin/env bash
# make dist: the tarball of a relocatable `ingest` (built by the Makefile with
# --static-swift-stdlib), Mappings/ and a README that lists the system libraries the binary still
# needs and the oldest glibc it runs with — read off the binary itself, so the list cannot go stale.
#   tools/make_dist.sh BINARY OUT.tar.gz
set -euo pipefail
binary=$1
tarball=$2
cd "$(dirname "$0")/.."
name=$(basename "$tarball" .tar.gz)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin"
# Stripped: the symbol tables are a third of the binary (97 → 66 MB) and no user reads them.
strip -o "$stage/$name/bin/ingest" "$binary"
cp -R Mappings "$stage/$name/Mappings"
{
    cat deploy/dist/README.md
    echo
    echo "## System libraries"
    echo
    echo "What the binary still loads (\`readelf -d bin/ingest\`, NEEDED), all in a default Debian/Ubuntu"
    echo "install or its usual packages (libxml2, libsqlite3-0, zlib1g, libstdc++6, libc6):"
    echo
    readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/- \1/p'
    echo
    glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
    glibcxx=$(objdump -T "$binary" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -n 1)
    echo "Oldest C library: ${glibc/_/ } (Ubuntu 22.04 ships 2.35, Debian 12 2.36); C++ runtime: ${glibcxx/_/ } (GCC 12's libstdc++)."
    echo "RUNPATH: \`$(readelf -d "$binary" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')\` only — no path into a Swift toolchain."
    echo
    echo "Built from $(git rev-parse --short HEAD 2>/dev/null || echo 'an unknown commit') with $(swift --version 2>/dev/null | head -n 1)."
} > "$stage/$name/README.md"
mkdir -p "$(dirname "$tarball")"
tar -C "$stage" -czf "$tarball.tmp" "$name"
mv "$tarball.tmp" "$tarball"
echo "$tarball: $(du -h "$tarball" | cut -f1)"
