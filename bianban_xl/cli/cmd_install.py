"""`bianban bundle | doctor`: the offline installers and the diagnosis (bianban_xl.install)."""
from __future__ import annotations

from bianban_xl.cli.output import out
from bianban_xl.install.bundle import bundle
from bianban_xl.install.doctor import run as run_doctor


def cmd_bundle(args) -> int:
    res = bundle(args.output, args.platform, args.cache, log=out)
    for path in res.outputs:
        size = sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
        out(f"已生成：{path}（{size / 1e6:.1f} MB）")
    out(f"包含 {len(res.wheels)} 个依赖包：" + "、".join(w.split("-")[0] for w in res.wheels))
    out(f"用时 {res.seconds:.0f} 秒。")
    if res.platform == "current":
        out(f"在目标电脑上（可以离线）运行：sh \"{args.output}/install.sh\"")
    return 0


def cmd_doctor(args) -> int:
    return run_doctor(args.book, args.fix, args.quiet, out)
