"""The staff side of the web layer: the console app mounted at /staff (app.py), its sign-in
(auth.py), review and insights pages (review.py, insights.py) and page editing (editor.py,
page_drafts.py)."""
