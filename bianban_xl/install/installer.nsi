[#
  The 均衡编班 installer: pynsist's pyapp.nsi with Chinese pages, the registrar's workbook copied
  to 文档\均衡编班 and put on the desktop, the guides and the uninstaller in the Start menu, and
  the xlwings user config written (bianban doctor --fix) so the ribbon starts the bundled
  pythonw.exe. Per-user by default (no admin rights); silent: /S /CurrentUser.
#]
[% extends "pyapp.nsi" %]

[% block modernui %]
!include "MUI2.nsh"
!define MUI_ABORTWARNING
!define MUI_ICON "[[icon]]"
!define MUI_UNICON "[[icon]]"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"
[% endblock modernui %]

[% block install_shortcuts %]
  ; The registrar's workbook: a copy in Documents that later installs never overwrite (it holds
  ; the school's data), without a Mark-of-the-Web stream.
  CreateDirectory "$DOCUMENTS\均衡编班"
  IfFileExists "$DOCUMENTS\均衡编班\均衡编班工作簿.xlsm" +2 0
    CopyFiles /SILENT "$INSTDIR\均衡编班工作簿.xlsm" "$DOCUMENTS\均衡编班\均衡编班工作簿.xlsm"
  Delete "$DOCUMENTS\均衡编班\均衡编班工作簿.xlsm:Zone.Identifier"
[[ super() ]]
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}\卸载均衡编班.lnk" "$INSTDIR\uninstall.exe"
  CreateShortCut "$DESKTOP\均衡编班工作簿.lnk" "$DOCUMENTS\均衡编班\均衡编班工作簿.xlsm"
  ; xlwings user config (%USERPROFILE%\.xlwings\xlwings.conf): the ribbon starts this pythonw.exe
  DetailPrint "设置 Excel 按钮使用的 Python……"
  nsExec::ExecToLog '"$INSTDIR\Python\python.exe" -m bianban_xl.install.xlwings_config'
[% endblock install_shortcuts %]

[% block uninstall_shortcuts %]
[[ super() ]]
  Delete "$DESKTOP\均衡编班工作簿.lnk"
[% endblock uninstall_shortcuts %]
