"""``python -m bianban_xl.ui [文件夹] [--port N] [--no-browser]`` — the same as ``bianban ui``."""
import sys

from bianban_xl.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["ui", *sys.argv[1:]]))
