"""`bianban ui` driven in a real browser: Debian's headless Chromium through Selenium, pointed at
/usr/bin/chromium and /usr/bin/chromedriver (nothing downloaded). The server is the real waitress
server on 127.0.0.1.

Screenshots for docs/使用指南.md: ``BIANBAN_UI_SCREENSHOTS=docs/images python -m pytest -q
tests/test_ui_browser.py`` writes docs/images/ui-*.png."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from onsite_helpers import kv
from ui_helpers import write_demo_with_teachers

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
selenium = pytest.importorskip("selenium")
pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                reason="Debian chromium / chromium-driver not installed (.ci/run installs them)")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from bianban_xl.service import book_state, verify_file  # noqa: E402
from bianban_xl.ui.server import Server  # noqa: E402

SHOTS = os.environ.get("BIANBAN_UI_SCREENSHOTS", "")
WIDTH = 1366


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")      # Selenium Manager must never fetch a driver or browser
    profile = tempfile.mkdtemp(prefix="bianban-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", f"--window-size={WIDTH},900", "--lang=zh-CN"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "均衡编班")
    srv.start_thread()
    yield srv
    srv.close()


def shot(driver, name: str, full: bool = True) -> None:
    """Save docs/images/ui-<name>.png when BIANBAN_UI_SCREENSHOTS names a folder."""
    if not SHOTS:
        return
    out = Path(SHOTS)
    out.mkdir(parents=True, exist_ok=True)
    if full:
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": min(max(800, int(height)), 8000), "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.3)
    try:
        driver.save_screenshot(str(out / f"ui-{name}.png"))
    finally:
        if full:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def wait_text(driver, css: str, text: str, timeout: float = 90):
    WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


def wait_idle(driver, timeout: float = 90):
    """The step has finished: its result is in and the buttons are enabled again."""
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, "#result").get_attribute("data-ok") is not None
                                         and d.find_element(By.CSS_SELECTOR, "button.step").is_enabled())


def click_step(driver, label: str) -> None:
    for b in driver.find_elements(By.CSS_SELECTOR, "#ribbon button.step"):
        if b.text == label:
            WebDriverWait(driver, 30).until(lambda d: b.is_enabled())
            b.click()
            return
    raise AssertionError(f"no button {label}")


def select_file(driver, name: str) -> None:
    link = WebDriverWait(driver, 30).until(EC.element_to_be_clickable(
        (By.XPATH, f"//a[contains(@class,'fname') and text()='{name}']")))
    link.click()
    wait_text(driver, "#current", name)


def test_school_flow_in_browser(browser, server):
    """The registrar's whole morning: check, assign, teachers, lottery with digits typed twice,
    public list, lock; then a refused re-assign on the locked workbook."""
    d = browser
    write_demo_with_teachers(server.folder / "示例学校_输入.xlsx")
    d.get(server.url)
    assert d.title == "均衡编班"
    labels = [b.text for b in d.find_elements(By.CSS_SELECTOR, "#ribbon button.step")]
    assert labels == ["检查数据", "数据封存", "自动编班", "教师搭配", "班主任抽签", "公示导出", "锁定", "插班", "验证结果"]
    select_file(d, "示例学校_输入.xlsx")
    assert "未编班" in d.find_element(By.ID, "current-state").text

    click_step(d, "检查数据")
    wait_text(d, "#result", "检查通过")
    heads = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#result table.problems th")]
    assert heads == ["级别", "工作表", "单元格", "问题", "改法"]
    shot(d, "check")

    click_step(d, "自动编班")           # not sealed: the page says to seal first, and asks for the number
    panel = d.find_element(By.ID, "panel-assign")
    WebDriverWait(d, 30).until(lambda x: panel.is_displayed())
    assert "还没有“数据封存”" in panel.text and "数据未封存" in panel.text
    d.find_element(By.ID, "seed-digits").send_keys("3721")
    d.find_element(By.ID, "seed-digits2").send_keys("3 7 2 1")
    d.find_element(By.ID, "assign-go").click()
    try:   # the progress bar shows after 0.3 s; a fast machine may finish first
        WebDriverWait(d, 5, poll_frequency=0.05).until(lambda x: "正在均衡编班" in x.find_element(By.ID, "progress-what").text)
        shot(d, "progress", full=False)
    except Exception:  # noqa: BLE001
        pass
    wait_text(d, "#result", "编班完成", timeout=120)
    result = server.folder / "示例学校_编班结果.xlsx"
    assert result.is_file()
    assert verify_file(result).ok and "随机种子 3721" in d.find_element(By.ID, "result").text
    wait_text(d, "#current", result.name)
    page = d.find_element(By.ID, "result").text
    assert "均衡指数" in page and "蛇形法" in page and "随机分班" in page and "理论最小差距" in page
    assert len(d.find_elements(By.CSS_SELECTOR, "#result svg.chart")) >= 2
    download = d.find_element(By.PARTIAL_LINK_TEXT, "下载结果工作簿").get_attribute("href")
    assert quote(result.name) in download and server.token in download
    shot(d, "assign", full=False)

    click_step(d, "教师搭配")
    wait_text(d, "#result", "教师搭配完成")

    click_step(d, "班主任抽签")
    digits = d.find_element(By.ID, "digits")
    WebDriverWait(d, 30).until(lambda x: digits.is_displayed())     # once the server says a draw can run
    digits.send_keys("3721")
    d.find_element(By.ID, "digits2").send_keys("3712")
    d.find_element(By.ID, "draw-go").click()
    wait_text(d, "#result", "两次输入的数字不一致")
    assert "抽签记录" not in load_workbook(result, read_only=True).sheetnames
    click_step(d, "班主任抽签")
    WebDriverWait(d, 30).until(lambda x: digits.is_displayed())
    d.find_element(By.ID, "digits").send_keys("3721")
    d.find_element(By.ID, "digits2").send_keys("3721")
    shot(d, "draw", full=False)
    d.find_element(By.ID, "draw-go").click()
    wait_text(d, "#result", "抽签完成")
    assert "3721" in d.find_element(By.ID, "result").text
    assert book_state(result) == "已抽签"

    click_step(d, "公示导出")
    wait_text(d, "#result", "公示名单已生成")
    public_view = d.find_element(By.PARTIAL_LINK_TEXT, "公示名单（打印张贴）").get_attribute("href")

    click_step(d, "锁定")
    reason = d.find_element(By.ID, "lock-reason")
    reason.send_keys("公示期满，无异议")
    d.find_element(By.ID, "lock-go").click()
    wait_text(d, "#result", "已锁定")
    assert book_state(result) == "已锁定"
    wb = load_workbook(result, read_only=True)
    rows = [r for r in wb["编班记录"].iter_rows(values_only=True) if r and r[0] == "锁定原因"]
    assert rows and rows[0][1] == "公示期满，无异议"
    wait_text(d, "#current-state", "已锁定")

    before = result.stat().st_mtime_ns
    click_step(d, "自动编班")
    wait_text(d, "#result", "拒绝重新编班")
    wait_idle(d)
    assert d.find_element(By.ID, "result").get_attribute("data-ok") == "0"
    assert d.find_element(By.CSS_SELECTOR, "#result form.force").is_displayed()
    assert result.stat().st_mtime_ns == before
    shot(d, "locked")

    click_step(d, "验证结果")
    wait_text(d, "#result", "验证通过")

    # the print views open from the page's links, with the token
    d.get(public_view)
    body = d.find_element(By.TAG_NAME, "body").text
    assert "新生名单公示" in body and "*" in body and "语文" not in body.split("新生名单公示", 1)[1][:2000]
    shot(d, "public", full=False)
    d.get(server.base + f"/view/certificate?file={quote(result.name)}&t={server.token}")
    assert "均衡指数" in d.find_element(By.TAG_NAME, "body").text
    assert d.find_elements(By.CSS_SELECTOR, "svg.chart")
    shot(d, "certificate")


def test_seal_then_assign_in_browser(browser, server):
    """数据封存 shows the 输入核验码 large; then 自动编班 asks for the room's digits twice (a mismatch
    writes nothing) and shows the result with its 结果核验码."""
    from conftest import write_book

    d = browser
    src = write_book(server.folder / "初一_输入.xlsx")
    d.get(server.url)
    select_file(d, "初一_输入.xlsx")
    click_step(d, "数据封存")
    wait_text(d, "#result", "数据已封存")
    code = kv(load_workbook(src)["数据封存"])["输入核验码"]
    big = d.find_element(By.ID, "input-code")
    assert big.text == code and float(big.value_of_css_property("font-size").rstrip("px")) >= 30
    sheet_link = d.find_element(By.PARTIAL_LINK_TEXT, "数据封存单（打印签字）").get_attribute("href")
    wait_text(d, "#current-state", "已封存")
    shot(d, "seal", full=False)

    click_step(d, "自动编班")
    panel = d.find_element(By.ID, "panel-assign")
    WebDriverWait(d, 30).until(lambda x: panel.is_displayed())
    assert "由电脑抽取随机种子（未经现场报数）" in panel.text
    d.find_element(By.ID, "seed-digits").send_keys("3721")
    d.find_element(By.ID, "seed-digits2").send_keys("3712")
    d.find_element(By.ID, "assign-go").click()
    wait_text(d, "#result", "两次输入的数字不一致")
    wait_idle(d)
    assert not (server.folder / "初一_编班结果.xlsx").exists()

    click_step(d, "自动编班")
    WebDriverWait(d, 30).until(lambda x: panel.is_displayed())      # after the server says it can run
    d.find_element(By.ID, "seed-digits").send_keys("3721")
    d.find_element(By.ID, "seed-digits2").send_keys("3721")
    shot(d, "assign-sealed", full=False)
    d.find_element(By.ID, "assign-go").click()
    wait_text(d, "#result", "编班完成", timeout=120)
    result = server.folder / "初一_编班结果.xlsx"
    rec = kv(load_workbook(result)["编班记录"])
    assert str(rec["随机种子"]) == "3721" and rec["种子来源"] == "现场报数（在网页“自动编班”中输入两遍核对一致）"
    assert rec["封存核验码"].startswith(code)
    text = d.find_element(By.ID, "result").text
    assert "随机种子 3721" in text and rec["结果核验码"] in text
    assert verify_file(result).ok

    d.get(sheet_link)
    body = d.find_element(By.TAG_NAME, "body").text
    assert "编班数据封存单" in body and f"输入核验码：{code}" in body and "监督人员签字" in body


def test_district_mode_in_browser(browser, server):
    """Three schools: 批量编班 with progress, then 全区核查 with the problem school first."""
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic
    from bianban_xl.synth import generate_school

    d = browser
    schools = server.folder / "各校"
    for i, (n, k) in enumerate(((120, 3), (90, 3), (150, 4)), start=1):
        roster = generate_school(n, k, seed=100 + i)
        roster.params.school_name = f"第{i}中学"
        roster.params.grade_name = "2026级初一"
        roster.params.seed = None
        (schools / f"片区{i}").mkdir(parents=True, exist_ok=True)
        save_atomic(fill_input_workbook(roster, roster.params), schools / f"片区{i}" / f"第{i}中学.xlsx")
    d.get(server.url)
    d.find_element(By.CSS_SELECTOR, "button.tab[data-tab=district]").click()
    WebDriverWait(d, 30).until(EC.element_to_be_clickable((By.XPATH, "//a[contains(@class,'dname') and text()='各校']"))).click()
    wait_text(d, "#current-folder", "各校")
    d.find_element(By.CSS_SELECTOR, "button.dstep[data-step=batch]").click()
    WebDriverWait(d, 30, poll_frequency=0.05).until(lambda x: x.find_element(By.ID, "dprogress").is_displayed())
    assert "批量编班" in d.find_element(By.ID, "dprogress-what").text
    wait_text(d, "#dresult", "批量编班完成", timeout=180)
    assert "成功 3，失败 0" in d.find_element(By.ID, "dresult").text
    out = server.folder / "各校_编班结果"
    results = sorted(out.rglob("第*中学.xlsx"))
    assert len(results) == 3 and all(book_state(p) == "已编班" for p in results)
    wait_text(d, "#current-folder", "各校_编班结果")

    # someone moves a student in school 2 after the run: the check must put that school first
    wb = load_workbook(results[1])
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    col = head.index("班级") + 1
    a, b = ws.cell(row=2, column=col).value, None
    for r in range(3, ws.max_row + 1):
        if ws.cell(row=r, column=col).value not in (a, None):
            b = r
            break
    ws.cell(row=2, column=col).value = ws.cell(row=b, column=col).value
    wb.save(results[1])

    WebDriverWait(d, 30).until(lambda x: x.find_element(By.CSS_SELECTOR, "button.dstep[data-step=district]").is_enabled())
    d.find_element(By.CSS_SELECTOR, "button.dstep[data-step=district]").click()
    wait_text(d, "#dresult", "核查完成", timeout=180)
    rows = d.find_elements(By.CSS_SELECTOR, "#overview tbody tr")
    assert len(rows) == 3
    first = rows[0].find_elements(By.TAG_NAME, "td")
    assert first[0].text == "不合格" and "第2中学" in first[1].text
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == ["合格", "合格"]
    codes = {r.find_elements(By.TAG_NAME, "td")[1].text: r.find_elements(By.TAG_NAME, "td")[3].text for r in rows}
    for p in results:                                            # the result 核验码 each school signed
        rel = next(k for k in codes if k.endswith(p.name))
        assert codes[rel] == kv(load_workbook(p)["编班记录"])["结果核验码"], (rel, codes)
    assert (server.folder / "各校_编班结果_全区核查.xlsx").is_file()
    assert d.find_element(By.PARTIAL_LINK_TEXT, "下载全区核查汇总表")
    shot(d, "district")


def test_a_reload_keeps_the_file_and_shows_the_running_step(browser, server):
    """Reloading the page lost the selected file, and mid-step left a blank page with the step
    still running (a second click was natural): the file stays selected and the running step's
    progress and result come back."""
    from ui_helpers import http_json

    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic
    from bianban_xl.synth import generate_school

    d = browser
    write_demo_with_teachers(server.folder / "小.xlsx")
    d.get(server.url)
    select_file(d, "小.xlsx")
    d.refresh()
    wait_text(d, "#current", "小.xlsx", timeout=10)
    r = generate_school(3000, 60, seed=4)
    r.params.seed = 77
    save_atomic(fill_input_workbook(r, r.params), server.folder / "大.xlsx")
    st, j = http_json(server.base + "/api/step/assign", {"file": "大.xlsx"}, {"X-Bianban-Token": server.token})
    assert st == 200
    d.refresh()
    wait_text(d, "#current", "大.xlsx", timeout=10)             # the running step's file, not 小.xlsx
    wait_text(d, "#result", "编班完成", timeout=180)
    assert (server.folder / "大_编班结果.xlsx").is_file()


def test_a_page_whose_server_is_gone_says_to_use_the_new_page(browser, server):
    """The start window closed (or started again: a new address, a new page): a click said
    '请确认启动窗口没有关闭，然后刷新本页' — but refreshing this page can only fail. It now says to
    open 均衡编班网页界面 again and continue in the page it opens."""
    d = browser
    write_demo_with_teachers(server.folder / "小.xlsx")
    d.get(server.url)
    select_file(d, "小.xlsx")
    server.close()
    click_step(d, "检查数据")
    said = wait_text(d, "#result", "连接已断开", timeout=30).text
    assert "重新打开“均衡编班网页界面”" in said and "新网页中继续" in said and "刷新本页" not in said
    assert d.find_element(By.CSS_SELECTOR, "button.step").is_enabled()
