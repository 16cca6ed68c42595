#!/bin/sh
# Print the first Python interpreter of a supported version (3.11-3.13); exit 1 with a message if there is none.
# `make` calls it unless PYTHON= is given. Order: python3 itself, then the newest named interpreter.
for candidate in python3 python3.13 python3.12 python3.11; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
        echo "$path"
        exit 0
    fi
done
echo "No supported Python found: this course needs Python 3.11, 3.12 or 3.13 (python3 is" \
     "$(python3 --version 2>&1 || echo missing)). Install one (e.g. from python.org, or pyenv), then run" \
     "\`make ... PYTHON=/path/to/python3.12\`." >&2
exit 1
