#!/bin/sh
# Run a command with no network but loopback, enforced by the operating system where it can be:
# in a network namespace of its own (unshare), so that no process it starts (notebook kernels, pip,
# curl, C++ libraries) can reach another machine. Where no namespace can be made, say so once and
# run the command as it is: the Python network guard of the tests (tests/sandbox) still reports attempts.
if [ "${LESSON_IN_SANDBOX:-}" = 1 ]; then exec "$@"; fi
for flags in -rn -n; do
    if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
            && unshare $flags sh -c 'ip link set lo up' >/dev/null 2>&1; then
        export LESSON_IN_SANDBOX=1
        exec unshare $flags sh -c 'ip link set lo up && exec "$@"' offline.sh "$@"
    fi
done
echo "offline.sh: no network namespace could be made here (needs unshare and ip from util-linux/iproute2, and" \
     "user namespaces or root); running without one: only the Python network guard checks offline use." >&2
exec "$@"
