"""`bianban ui`: the ribbon's buttons in a local browser page, for schools without Microsoft Excel
(WPS, 统信UOS, 麒麟, Mac). Entry points: ``bianban ui [文件夹]`` and ``python -m bianban_xl.ui``."""
