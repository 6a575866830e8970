"""`cchc dashboard`: a local web page over the published warehouse, in Vietnamese.

queries.py reads the warehouse (read-only, parameterised SQL), layout.py draws the page,
callbacks.py answers the filters, the links and the download buttons, export.py writes the
`.xlsx` and `.csv` files, app.py makes the Dash application and serves it.
"""
