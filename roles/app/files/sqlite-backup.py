"""Copy SQLite databases with SQLite's online backup.

    python3 sqlite-backup.py FROM_DIR TO_DIR NAME...

Copies each FROM_DIR/NAME that exists into TO_DIR/NAME and prints the names
it copied. The copy is consistent even while the app writes, which a file
copy under writes is not. Run by root on the host, before migrations (and,
the other way round, to restore).
"""

import os
import sqlite3
import sys

from_dir, to_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
copied = []
for name in names:
    source = os.path.join(from_dir, name)
    if not os.path.exists(source):
        continue
    os.makedirs(to_dir, mode=0o700, exist_ok=True)
    reader = sqlite3.connect("file:" + source + "?mode=ro", uri=True)
    writer = sqlite3.connect(os.path.join(to_dir, name))
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    copied.append(name)
print(" ".join(copied))
