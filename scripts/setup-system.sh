#!/usr/bin/env bash
# System packages (Debian) the reports need (`report`: Pango and fonts for
# WeasyPrint) and, for `test`, also those of the browser and PDF-picture tests
# (chromium, poppler-utils, nodejs/npm). Installs what is missing when run as
# root; otherwise says what is missing and which tests will be skipped.
# Called by `make report` (report) and `make setup`/`make test` (test).
set -u
mode=${1:-test}
need=()
fc-list 2>/dev/null | grep -qi "DejaVu Sans" || need+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$mode" = test ]; then
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installerar systempaket: ${need[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || echo "Varning: kunde inte installera ${need[*]}; webbläsartesterna hoppas över."
else
  echo "Saknar systempaket: ${need[*]} (installera med apt-get som root)."
  echo "Utan chromium och pdftoppm hoppas webbläsar- och PDF-bildtesterna över."
fi
exit 0
