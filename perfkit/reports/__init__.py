"""Notebook-facing helpers: the layer between the notebooks and the library.

`suite` runs the notebooks with papermill and exports HTML; `notebook` validates their
parameters; `recording` and `selection` record and pick the runs a notebook shows;
`plots` and `tables` draw and tabulate them.
"""
