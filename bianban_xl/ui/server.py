"""Serve the page with waitress on 127.0.0.1 only: a free port (or --port), a fresh random token
in the URL, the URL as the first line on stdout, the default browser opened unless told not to.
Ctrl-C (or closing the console window) stops it."""
from __future__ import annotations

import argparse
import secrets
import signal
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from waitress import create_server

from bianban_xl.model.console import tolerant_console
from bianban_xl.model.zh_args import ZhParser
from bianban_xl.ui.app import create_app
from bianban_xl.ui.options import add_arguments
from bianban_xl.ui.paths import default_folder

HOST = "127.0.0.1"


class PortTaken(Exception):
    pass


class Server:
    """A running (or ready to run) local server; ``url`` carries the token."""

    def __init__(self, folder: Path, port: int = 0, threads: int = 8):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.token = secrets.token_urlsafe(24)
        self.app = create_app(self.folder, self.token)
        self._map: dict = {}
        try:
            self._server = create_server(self.app, map=self._map, host=HOST, port=port, threads=threads, ident="bianban",
                                         clear_untrusted_proxy_headers=True)
        except OSError as exc:
            raise PortTaken(str(exc)) from None
        self.port = int(self._server.effective_port)
        self.base = f"http://{HOST}:{self.port}"
        self.url = f"{self.base}/?t={self.token}"
        self._stop, self._stopped = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until Ctrl-C (KeyboardInterrupt) or :meth:`close` from another thread. The loop
        polls a quarter of a second at a time so that a stop request is seen promptly."""
        srv = self._server
        try:
            while not self._stop.is_set() and self._map:
                srv.asyncore.loop(timeout=0.25, map=self._map, use_poll=srv.adj.asyncore_use_poll, count=1)
        finally:
            self._stopped.set()
            # let the worker threads finish first: a worker ending a request pulls the server's
            # trigger, which close() shuts (EBADF traceback on stderr at Ctrl-C otherwise)
            srv.task_dispatcher.shutdown(timeout=5)
            srv.close()
            # and the browser's kept-alive connections, as the end of the process would: a page
            # left open then hears at once that the server is gone (its requests hung before)
            for channel in list(self._map.values()):
                try:
                    channel.close()
                except OSError:
                    pass

    def start_thread(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="bianban-ui-server", daemon=True)
        self._thread.start()
        return self._thread

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        elif not self._stopped.is_set():
            self._server.close()


def serve(folder: Path, port: int = 0, open_browser: bool = True, out: Callable[[str], None] = print) -> int:
    try:
        server = Server(folder, port)
    except PortTaken:
        out(f"[错误] 端口 {port} 已被占用，网页没有启动。处理办法：换一个端口（--port），或不加 --port 由系统自动选择。")
        return 1
    out(server.url)
    out(f"均衡编班网页已启动（只在本机访问）。工作文件夹：{server.folder}")
    out("如果浏览器没有自动打开，请把上面一行网址复制到浏览器地址栏。按 Ctrl+C 或关闭本窗口即停止。")
    if open_browser:
        try:
            webbrowser.open(server.url)
        except Exception:  # noqa: BLE001 — no browser: the URL is printed above
            out("没有找到可自动打开的浏览器，请手动打开上面的网址。")
    _stop_on_terminate()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    out("已停止。")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_terminate() -> None:
    """SIGTERM (and on Windows SIGBREAK, a closed console) stop the server like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, _interrupt)


def run_from_args(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    folder = Path(args.dir) if args.dir else default_folder()
    return serve(folder, port=args.port or 0, open_browser=not args.no_browser, out=out)


def main(argv: list[str] | None = None) -> int:
    """``python -m bianban_xl.ui`` (the entry point the installer's desktop shortcut can use)."""
    tolerant_console()
    p = ZhParser(prog="python -m bianban_xl.ui",
                 description="均衡编班网页界面：在浏览器中使用与 Excel 选项卡相同的按钮（只在本机运行）。",
                 epilog="示例：\n  python -m bianban_xl.ui\n  python -m bianban_xl.ui D:\\2026编班 --port 8765")
    add_arguments(p)
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:        # a usage error is the user's (exit 1, said in Chinese); --help exits 0
        return 0 if exc.code in (0, None) else 1
    return run_from_args(args, lambda text: print(text, flush=True))
