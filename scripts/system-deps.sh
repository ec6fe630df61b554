#!/usr/bin/env bash
# Debian packages the tests need beyond Python: Chromium (browser tests, static chart images,
# the briefing PDF), a CJK font (Chinese glyphs in screenshots and images) and poppler
# (pdftoppm/pdftotext to check the briefing), LibreOffice Calc without its GUI (headless soffice: a real
# office suite opens the templates) and PostgreSQL (tests/deploy runs Dagster on a throwaway cluster
# of it, as deploy/README.md sets it up; under root the cluster runs as the package's `postgres`
# user). Installs only what is missing; needs root.
set -euo pipefail
packages=(chromium fonts-wqy-microhei poppler-utils libreoffice-calc-nogui postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "缺少系统软件包 missing system packages: ${missing[*]} — run: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi
echo "installing ${missing[*]} ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
