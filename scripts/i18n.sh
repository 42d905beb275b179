#!/usr/bin/env bash
# Update the English catalogue from the German texts in code and templates, then compile it.
# German is the source language: msgids are the German UI texts; en/messages.po translates them.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k lazy_gettext -o "$pot" .
if [ -f kiosk/translations/en/LC_MESSAGES/messages.po ]; then
  pybabel update --no-fuzzy-matching -i "$pot" -d kiosk/translations -l en
else
  pybabel init -i "$pot" -d kiosk/translations -l en
fi
pybabel compile --statistics -d kiosk/translations
