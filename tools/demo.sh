#!/usr/bin/env bash
# Set up Peapod on a fresh Debian/Ubuntu machine and run the localhost demo pod:
# one container serves HTTP on 127.0.0.1:8080, the other fetches the page over localhost.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
become_root "$@"
install_packages
find_swift
build_release
build_image
import_image /usr/local/bin/peapod
echo "==> peapod run -f examples/localhost-demo.yaml"
exec peapod run -f "$PEAPOD_SRC/examples/localhost-demo.yaml"
