"""Notebook-facing helpers: the layer between the notebooks and the library.

`suite` runs the notebooks with papermill and exports HTML (`export`, our template),
archives each run (`archive`) and writes the dashboard index (`dashboard`,
`dashboard_page`, `index`); `notebook` validates their parameters; `recording` and
`selection` record and pick the runs a notebook shows; `plots`, `tables` and `headline`
draw, tabulate and headline them; `browser` opens the pages in headless Chromium.
"""
