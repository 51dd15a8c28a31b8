#!/bin/sh
# Adds this unpacked vvic-desktop (搜款图搜) to your desktop's application menu, for you alone:
#   ~/.local/bin/vvic-desktop → this folder's program, the .desktop entry and the icons under
#   ~/.local/share. Nothing needs root. `./install.sh --remove` takes them away again (the app
#   folder and your data stay). Run it from the unpacked folder; move the folder first if you
#   want it elsewhere (the link points here).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
sizes="16 24 32 48 64 128 256 512"

if [ "${1:-}" = "--remove" ]; then
  rm -f "$bin/vvic-desktop" "$data/applications/vvic-desktop.desktop"
  for size in $sizes; do
    rm -f "$data/icons/hicolor/${size}x${size}/apps/vvic-desktop.png"
  done
  echo "vvic-desktop removed from the menu (this folder and your data are kept)."
  exit 0
fi

mkdir -p "$bin" "$data/applications"
ln -sf "$here/vvic-desktop" "$bin/vvic-desktop"
for size in $sizes; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$here/share/icons/hicolor/${size}x${size}/apps/vvic-desktop.png" \
     "$data/icons/hicolor/${size}x${size}/apps/vvic-desktop.png"
done
# Exec and TryExec name the program by its full path: ~/.local/bin is not on every PATH.
sed -e "s|^Exec=vvic-desktop|Exec=$bin/vvic-desktop|" \
    -e "s|^TryExec=vvic-desktop|TryExec=$bin/vvic-desktop|" \
    "$here/share/applications/vvic-desktop.desktop" > "$data/applications/vvic-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 &&
  update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 &&
  gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "vvic-desktop added to the application menu; run it as $bin/vvic-desktop"
