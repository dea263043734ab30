# Sourced by .ci/run: makes Node.js 24 LTS the first `node` on PATH. These machines ship an older
# system Node, so the official binary comes from the npm registry's node-linux-<arch> package
# (its tarball holds bin/node and the headers native modules build against), unpacked once into
# a cache folder and reused by later runs.
NODE_MAJOR=24
node_major() { "${1:-node}" --version 2>/dev/null | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p'; }

if [ "$(node_major)" != "" ] && [ "$(node_major)" -ge "$NODE_MAJOR" ]; then
  : # the machine's Node is new enough
else
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) echo "no Node.js $NODE_MAJOR package for $(uname -m)" >&2; exit 1 ;;
  esac
  node_dir="${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sichuan-alliance}/node-v$NODE_MAJOR-$node_arch"
  if [ "$(node_major "$node_dir/bin/node")" != "$NODE_MAJOR" ]; then
    echo "== installing Node.js $NODE_MAJOR from the npm registry (node-linux-$node_arch@$NODE_MAJOR)"
    node_tmp=$(mktemp -d)
    (cd "$node_tmp" && npm pack --silent "node-linux-$node_arch@$NODE_MAJOR" >/dev/null)
    rm -rf "$node_dir" && mkdir -p "$node_dir"
    tar xzf "$node_tmp"/node-linux-"$node_arch"-*.tgz -C "$node_dir" --strip-components=1
    rm -rf "$node_tmp"
  fi
  export PATH="$node_dir/bin:$PATH"
fi

# node-gyp builds native modules (better-sqlite3) against the headers of the Node that runs them.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -f "$node_prefix/include/node/node_version.h" ]; then export npm_config_nodedir="$node_prefix"; fi
