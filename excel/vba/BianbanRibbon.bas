Attribute VB_Name = "BianbanRibbon"
' Ribbon callbacks of the tab in excel/ribbon/customUI.xml.
' Each one only hands over to Python (bianban_xl.excel.entry); there is no logic in VBA.
' Kept ASCII only; tests/test_template_contract.py checks every onAction
' names a Sub here and every RunPython command names a real Python function.
Option Explicit

Public Sub OnCheckData(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.check_data()"
End Sub

Public Sub OnSeal(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.seal()"
End Sub

Public Sub OnAssign(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.assign()"
End Sub

Public Sub OnTeams(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.teams()"
End Sub

Public Sub OnDraw(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.draw()"
End Sub

Public Sub OnLate(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.late()"
End Sub

Public Sub OnCorrect(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.correct()"
End Sub

Public Sub OnVerify(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.verify()"
End Sub

Public Sub OnExportPublic(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.export_public()"
End Sub

Public Sub OnLock(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.lock()"
End Sub

Public Sub OnExportReport(control As IRibbonControl)
    RunPython "import bianban_xl.excel.entry as e; e.export_report()"
End Sub
