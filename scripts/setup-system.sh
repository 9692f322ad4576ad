#!/usr/bin/env bash
# Installs the Debian packages the workbook needs beyond Node (Jupyter's classic stack with nbconvert,
# and Chromium for the report check). Idempotent: skips what is present; runs apt only when needed.
set -euo pipefail

# Jupyter here comes from Debian (there is no PyPI): the python3-* modules plus the jupyter-* commands.
PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-client python3-ipykernel chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all present (${PACKAGES[*]})"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-system: not root and no sudo; please install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# The check the runner depends on: the Python with Jupyter must import nbconvert and nbclient.
/usr/bin/python3 -c "import nbconvert, nbclient, jupyter_client" 
command -v chromium >/dev/null
echo "setup-system: done"
