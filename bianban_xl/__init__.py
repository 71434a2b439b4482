"""bianban_xl — 均衡编班: balanced, reproducible class assignment driven from Excel."""

__version__ = "0.6.1"
