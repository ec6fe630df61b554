"""The dashboard's pages: (file, title key, url path, icon), in the order of the navigation.

Apart from streamlit_app.py so that tests and the page-by-role checks can read the list without
running the app. Url paths are the files' stems (AppTest.switch_page finds a page by its file)."""

from __future__ import annotations

PAGES = [
    ("app_pages/my_school.py", "page_my_school", "my_school", ":material/home:"),  # a school lands here
    ("app_pages/overview.py", "page_overview", "overview", ":material/dashboard:"),
    ("app_pages/science_high_schools.py", "page_shs", "science_high_schools", ":material/school:"),
    ("app_pages/flagship_bases.py", "page_flb", "flagship_bases", ":material/science:"),
    ("app_pages/youth_programme.py", "page_yip", "youth_programme", ":material/groups:"),
    ("app_pages/everyone.py", "page_everyone", "everyone", ":material/diversity_3:"),
    ("app_pages/reporting.py", "page_reporting", "reporting", ":material/inbox:"),
    ("app_pages/methodology.py", "page_method", "methodology", ":material/menu_book:"),
    ("app_pages/export.py", "page_export", "export", ":material/download:"),
    ("app_pages/upload.py", "page_upload", "upload", ":material/upload_file:"),
    ("app_pages/audit.py", "page_audit", "audit", ":material/policy:"),
    ("app_pages/access.py", "page_access", "access", ":material/admin_panel_settings:"),
]
