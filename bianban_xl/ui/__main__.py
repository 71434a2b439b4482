"""``python -m bianban_xl.ui [文件夹] [--port N] [--no-browser]`` — the same as ``bianban ui``."""
import sys

from bianban_xl.ui.server import main

if __name__ == "__main__":
    sys.exit(main())
