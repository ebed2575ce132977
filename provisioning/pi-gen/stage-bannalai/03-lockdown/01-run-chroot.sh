#!/bin/bash
# In the chroot: no password login for anyone, no sudo without a password, no swap on SD.
set -euo pipefail
passwd -l maint
passwd -l root
rm -f /etc/sudoers.d/010_pi-nopasswd
usermod -s /usr/sbin/nologin kiosk
# pi-gen's export step regenerates every initramfs (Pi 4 and Pi 5 kernels) with overlayroot in it.
